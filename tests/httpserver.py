"""A tiny real HTTP server on 127.0.0.1 for tests: fixture pages, feeds, API replies, errors,
slowness.

Usage::

    from tests.httpserver import serve, redirect

    routes = {
        "/a": (200, {"Content-Type": "text/html"}, "<html>…</html>"),
        "/old": redirect("/a"),
        "/loop": redirect("/loop"),
        "/slow": Route(200, {}, b"late", delay=5.0),
        "/big": Route(200, {}, chunks(b"x" * 65536, 200)),   # ~13 MB, streamed
    }
    with serve(routes) as srv:
        httpx.get(srv.url("/a"))
        srv.routes["/new"] = (404, {}, "")   # routes can change while it runs
        srv.requests                            # [(path, headers), …] seen so far
        srv.peak_concurrent                     # most requests in flight at once

A route whose headers carry an ``ETag`` or ``Last-Modified`` answers a request that sends it
back (``If-None-Match`` / ``If-Modified-Since``) with "304 Not Modified" and no body, as a
static file server does.

Why a real server instead of mocking httpx: timeouts, redirect limits, streamed size
caps and headers are exactly the behaviour under test, and a mock would assume them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Body = bytes | str | Callable[[], Iterable[bytes]]


@dataclass
class Route:
    """One canned response. ``body`` may be a callable returning an iterable of byte
    chunks (streamed without Content-Length, so large bodies need no memory);
    ``delay`` sleeps before the headers, ``chunk_delay`` between streamed chunks."""

    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    body: Body = b""
    delay: float = 0.0
    chunk_delay: float = 0.0


RouteSpec = Route | tuple[int, Mapping[str, str], Body] | tuple[int, Mapping[str, str], Body, float]


def redirect(location: str, status: int = 302) -> Route:
    return Route(status, {"Location": location}, b"")


def chunks(piece: bytes, count: int) -> Callable[[], Iterator[bytes]]:
    """A body factory yielding ``piece`` ``count`` times (for large/streamed bodies)."""

    def gen() -> Iterator[bytes]:
        for _ in range(count):
            yield piece

    return gen


def _as_route(spec: RouteSpec) -> Route:
    if isinstance(spec, Route):
        return spec
    if len(spec) == 4:
        status, headers, body, delay = spec
        return Route(status, headers, body, delay=delay)
    status, headers, body = spec[:3]
    return Route(status, headers, body)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
        pass  # keep test output clean

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.server.bodies.append(self.rfile.read(length) if length else b"")
        self._respond(send_body=True)

    def _respond(self, *, send_body: bool) -> None:
        self.server.requests.append((self.path, dict(self.headers.items())))
        with self.server.lock:
            self.server.active += 1
            self.server.peak = max(self.server.peak, self.server.active)
        try:
            self._send(send_body=send_body)
        finally:
            with self.server.lock:
                self.server.active -= 1

    def _not_modified(self, route: Route) -> bool:
        """Whether a conditional request names the version ``route`` serves."""
        if route.status != 200:
            return False
        headers = {k.lower(): v for k, v in route.headers.items()}
        etag, modified = headers.get("etag"), headers.get("last-modified")
        if etag is not None and self.headers.get("If-None-Match") is not None:
            return etag in [t.strip() for t in self.headers["If-None-Match"].split(",")]
        return modified is not None and self.headers.get("If-Modified-Since") == modified

    def _send(self, *, send_body: bool) -> None:
        spec = self.server.routes.get(self.path)
        if spec is None:
            spec = self.server.routes.get(self.path.split("?", 1)[0])
        route = _as_route(spec) if spec is not None else Route(404, {}, b"not found")
        if self._not_modified(route):
            route = Route(304, {k: v for k, v in route.headers.items()
                                if k.lower() in ("etag", "last-modified")}, b"", delay=route.delay)
        try:
            if route.delay:
                time.sleep(route.delay)
            self.send_response(route.status)
            headers = {k.lower(): v for k, v in route.headers.items()}
            for k, v in route.headers.items():
                self.send_header(k, v)
            if callable(route.body):
                self.send_header("Transfer-Encoding", "chunked")
                self.send_header("Connection", "close")
                self.end_headers()
                if send_body:
                    for piece in route.body():
                        if route.chunk_delay:
                            time.sleep(route.chunk_delay)
                        self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                    self.wfile.write(b"0\r\n\r\n")
                self.close_connection = True
                return
            body = route.body.encode("utf-8") if isinstance(route.body, str) else route.body
            if "content-length" not in headers:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if send_body:
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (e.g. a timeout test)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, routes: dict[str, RouteSpec]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.routes = routes
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.bodies: list[bytes] = []  # request bodies of POSTs, in order
        self.lock = threading.Lock()
        self.active = 0  # requests being answered now
        self.peak = 0  # the most at once: concurrency is asserted on structure, not wall time

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # disconnects from clients that timed out are expected


@dataclass
class FixtureServer:
    """A running server: ``url(path)`` builds absolute URLs; ``routes`` is live."""

    _server: _Server

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    @property
    def routes(self) -> dict[str, RouteSpec]:
        return self._server.routes

    @property
    def requests(self) -> list[tuple[str, dict[str, str]]]:
        return self._server.requests

    @property
    def bodies(self) -> list[bytes]:
        """The bodies of the POST requests seen so far, in order."""
        return self._server.bodies

    @property
    def peak_concurrent(self) -> int:
        """The most requests the server was answering at the same moment."""
        return self._server.peak

    def paths(self) -> list[str]:
        """The paths requested so far, in order (query strings dropped)."""
        return [p.split("?", 1)[0] for p, _ in self._server.requests]


@contextmanager
def serve(routes: Mapping[str, RouteSpec] | None = None) -> Iterator[FixtureServer]:
    """Start a threaded server on a free port of 127.0.0.1; stop it on exit."""
    server = _Server(dict(routes or {}))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield FixtureServer(server)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
