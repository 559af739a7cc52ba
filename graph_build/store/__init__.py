"""The Oxigraph store: versions switched in atomically, bulk loading, incremental patches, read-only access and rollback."""
