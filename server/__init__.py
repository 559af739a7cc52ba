"""The gaoxin-kg web server (issue 3)."""
