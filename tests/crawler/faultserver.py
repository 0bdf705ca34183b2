"""A small HTTP server for crawler tests: routes return canned responses or misbehave on
purpose (slow, reset, truncated, gzip bomb, redirect loops). Listens on 127.0.0.1 only."""
from __future__ import annotations

import gzip
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    headers: dict = field(default_factory=dict)
    content_type: str = "text/html; charset=utf-8"
    delay: float = 0.0                 # seconds before answering
    reset: bool = False                # close the socket with RST instead of answering
    truncate_to: int | None = None     # send only this many body bytes, with the full Content-Length
    fail_times: int = 0                # answer `fail_status` this many times first
    fail_status: int = 503
    fail_headers: dict = field(default_factory=dict)
    etag: str | None = None            # answer 304 to a matching If-None-Match
    no_length: bool = False            # no Content-Length: the body streams until the connection closes
    gate: threading.Event | None = None  # hold the answer until the test opens the gate (at most 60 s)


def html_page(title: str, paragraphs: list[str], *, canonical: str | None = None, published: str | None = None,
              charset_meta: str | None = None) -> str:
    head = [f"<title>{title}</title>"]
    if charset_meta:
        head.insert(0, f'<meta charset="{charset_meta}">')
    if canonical:
        head.append(f'<link rel="canonical" href="{canonical}">')
    if published:
        head.append(f'<meta property="article:published_time" content="{published}">')
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f"<!doctype html><html lang=\"en\"><head>{''.join(head)}</head><body>"
            f"<nav><a href=\"/\">Home</a></nav><main><article><h1>{title}</h1>{body}</article></main>"
            f"<footer>Contact us</footer></body></html>")


def gzip_bomb(decompressed_bytes: int) -> bytes:
    return gzip.compress(b"\0" * decompressed_bytes, compresslevel=9)


class FaultServer:
    def __init__(self):
        self.routes: dict[str, Route] = {}
        self.log: list[tuple[str, dict]] = []   # (path, headers) of every request received
        self.times: list[tuple[str, float]] = []  # (path, monotonic time) of every request
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def finish(self):
                try:
                    super().finish()
                except (OSError, ValueError):
                    pass       # the client went away or we reset the connection on purpose

            def do_GET(self):
                with server._lock:
                    server.log.append((self.path, dict(self.headers)))
                    server.times.append((self.path, time.monotonic()))
                route = server.routes.get(self.path)
                if route is None:
                    return self._send(404, b"not found", {"Content-Type": "text/plain"})
                if route.gate is not None:
                    route.gate.wait(60)
                if route.delay:
                    time.sleep(route.delay)
                if route.reset:
                    # SO_LINGER 0 + close = RST. The file wrappers hold the socket open, so close them first.
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.close_connection = True
                    self.rfile.close()
                    self.wfile.close()
                    self.connection.close()
                    return
                if route.fail_times > 0:
                    with server._lock:
                        route.fail_times -= 1
                    return self._send(route.fail_status, b"busy", {"Content-Type": "text/plain", **route.fail_headers})
                if route.etag and self.headers.get("If-None-Match") == route.etag:
                    return self._send(304, b"", {"ETag": route.etag})
                headers = {"Content-Type": route.content_type, **route.headers}
                if route.etag:
                    headers["ETag"] = route.etag
                self._send(route.status, route.body, headers, route.truncate_to, route.no_length)

            def _send(self, status, body, headers, truncate_to=None, no_length=False):
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                if no_length:
                    self.close_connection = True        # the end of the body is the end of the connection
                else:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body if truncate_to is None else body[:truncate_to])
                    self.wfile.flush()
                except OSError:
                    pass
                if truncate_to is not None:
                    self.close_connection = True

        class Server(ThreadingHTTPServer):
            request_queue_size = 128     # the default backlog of 5 drops a crawler's parallel connects

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.route("/robots.txt", b"User-agent: *\nDisallow: /private/\n", content_type="text/plain")

    def route(self, path: str, body: bytes | str = b"", **kwargs) -> str:
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.routes[path] = Route(body=body, **kwargs)
        return self.base_url + path

    def hit_times(self, path: str) -> list[float]:
        return [t for p, t in self.times if p == path]

    def hits(self, path: str) -> int:
        return sum(1 for p, _ in self.log if p == path)

    def __enter__(self):
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


class Tripwire:
    """A TCP listener that must never be connected to (an address the crawler must refuse)."""

    def __init__(self, host: str):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.bind((host, 0))
        self.sock.listen(8)
        self.sock.setblocking(False)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://[{host}]:{self.port}/" if ":" in host else f"http://{host}:{self.port}/"

    def connections(self) -> int:
        count = 0
        while True:
            try:
                conn, _ = self.sock.accept()
            except BlockingIOError:
                return count
            conn.close()
            count += 1

    def close(self):
        self.sock.close()
