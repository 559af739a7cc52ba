"""RDF writing: an annotated work, the shared reference descriptions and the links to other datasets, as quads."""
