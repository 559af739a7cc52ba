"""Orchestration: the per-file and per-work jobs, their content-hash cache, the worker pool, and the one build driver."""
