"""Client-side network I/O: REST over httpx, live updates from the feed (websockets) or by polling."""
