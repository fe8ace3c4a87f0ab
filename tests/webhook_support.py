"""A local webhook receiver for emulator tests: a real HTTP server on loopback that records POSTs."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TIMEOUT = 10  # only to avoid hanging


class Receiver:
    """Records every POST; answers the status that ``respond(body)`` picks (200 by default)."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.cond = threading.Condition()
        self.respond = lambda payload, attempt: 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # http.server's naming
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                payload = json.loads(raw)
                with receiver.cond:
                    attempt = 1 + sum(1 for r in receiver.requests if r["payload"]["id"] == payload["id"])
                    status = receiver.respond(payload, attempt)
                    receiver.requests.append(
                        {
                            "headers": dict(self.headers),
                            "raw": raw,
                            "payload": payload,
                            "path": self.path,
                            "status": status,
                        }
                    )
                    receiver.cond.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hooks/talkjs"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def wait_for(self, predicate) -> list[dict]:
        with self.cond:
            assert self.cond.wait_for(lambda: predicate(self.requests), TIMEOUT), [
                r["payload"]["type"] for r in self.requests
            ]
            return list(self.requests)

    def of_type(self, type_: str) -> list[dict]:
        with self.cond:
            return [r for r in self.requests if r["payload"]["type"] == type_]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
