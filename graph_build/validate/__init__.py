"""Validation: the SHACL shapes compiled to SPARQL, the whole-graph checks, and pySHACL as the independent reference."""
