"""gaoxin-kg builder: raw policy documents to an annotated, validated RDF graph.

The stages, in the order a document passes through them:

    read → clean → script → identify → group → segment → extract
         → annotate → to_rdf → load

Each stage is one module with one public verb; records.py holds the frozen
records they pass along.
"""

__version__ = "0.1.0"
