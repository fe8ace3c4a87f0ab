"""Client-side network I/O: REST over httpx, the live feed over websockets."""
