"""Pure data: snapshots, content blocks, file metadata, errors and auth helpers (no I/O)."""
