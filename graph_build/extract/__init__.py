"""Extraction: the facts a work's measures state (money, departments, zones, industries, targets), and the reviewable annotation files.

    extract (incentives, money, departments, zones, quantities) → annotate;  evaluate scores extract against gold
"""
