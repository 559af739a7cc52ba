"""The gaoxin-kg ontology (gaoxin.ttl) and its SHACL shapes (shapes.ttl)."""
