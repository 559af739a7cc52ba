"""The gaoxin-kg command line, above both the builder (graph_build) and the server."""
