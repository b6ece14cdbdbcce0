"""The SQLite file: one snapshot per run over content-addressed blobs."""
