"""A loopback HTTP server that plays recorded answers of the official sources, for the sync tests.

Recorded answers live in ``tests/sync_fixtures/<source>/``; each fixture folder's
``README.md`` says where the shape comes from and when it was recorded.  A test
routes a path (with its query string, as the client sends it, or the path alone)
to a status, headers and a body, and may change a route between runs (a changed
rate, a new message, a failing source).  The server records every request it got.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

FIXTURES = Path(__file__).parent / "sync_fixtures"


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    headers: dict = field(default_factory=dict)


class Routes:
    def __init__(self):
        self.answers: dict[str, Answer] = {}
        self.requests: list[tuple[str, dict]] = []   # (path with query, headers)
        self.lock = threading.Lock()

    def route(self, path: str, body: bytes | str = b"", status: int = 200, content_type: str = "application/json",
              headers: dict | None = None) -> None:
        body = body.encode("utf-8") if isinstance(body, str) else body
        self.answers[path] = Answer(status, body, {"Content-Type": content_type, **(headers or {})})

    def fixture(self, path: str, name: str, content_type: str = "application/json", **kw) -> None:
        """Route ``path`` to the recorded file ``sync_fixtures/<name>``."""
        self.route(path, (FIXTURES / name).read_bytes(), content_type=content_type, **kw)

    def answer_for(self, raw_path: str) -> Answer:
        parts = urlsplit(raw_path)
        return self.answers.get(raw_path) or self.answers.get(parts.path) or Answer(404, b"not routed", {"Content-Type": "text/plain"})


class _Handler(BaseHTTPRequestHandler):
    routes: Routes

    def do_GET(self):  # noqa: N802 (http.server's name)
        with self.routes.lock:
            self.routes.requests.append((self.path, dict(self.headers)))
        ans = self.routes.answer_for(self.path)
        etag = ans.headers.get("ETag")
        if etag and self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self.send_response(ans.status)
        for k, v in ans.headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(ans.body)))
        self.end_headers()
        self.wfile.write(ans.body)

    def log_message(self, *args):  # quiet
        pass


class SourceServer:
    """``with SourceServer() as srv: srv.routes.route(...); srv.url('/usitc')``"""

    def __init__(self):
        self.routes = Routes()
        handler = type("Handler", (_Handler,), {"routes": self.routes})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, prefix: str = "") -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{prefix}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
