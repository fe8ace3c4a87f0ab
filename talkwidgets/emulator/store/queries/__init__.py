"""SQL per entity: reads and plain row writes. No events, no webhooks, no JSON shapes.

Callers hold the storage lock (reads) or a transaction (writes)."""
