"""Which requests ``agent serve`` answers, as ASGI middleware in front of the app.

* **Host** must name the address the server was bound to (``421`` otherwise): a DNS-rebinding
  page (``evil.example`` resolving to 127.0.0.1) sends its own name. A loopback bind also
  accepts ``localhost``; a wildcard bind (``0.0.0.0``, ``::``) accepts any name and relies on
  the token.
* **Origin**, when sent, must be this server's own (``403``), and a fetch the browser labels
  ``Sec-Fetch-Site: cross-site`` or ``same-site`` is refused too: another page, even another
  port on this machine, cannot make the model work or read the index.
* **Token**: a server bound to a non-loopback address requires the token it printed at start,
  as ``?token=`` once (answered with a cookie and a redirect that drops it from the URL) or as
  that cookie after.
"""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, urlencode

COOKIE = "newsagent_token"
WILDCARD_HOSTS = ("0.0.0.0", "::", "")


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _netloc(host: str, port: int) -> str:
    name = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return name.lower() if port == 80 else f"{name.lower()}:{port}"


@dataclass(frozen=True)
class Guard:
    """The Host values accepted (None: any, for a wildcard bind) and the token (None: none needed)."""

    hosts: frozenset[str] | None
    token: str | None

    @classmethod
    def for_bind(cls, host: str, port: int) -> Guard:
        """The guard of a server bound to ``host:port``: a loopback bind needs no token; any
        other gets a fresh one (``secrets.token_urlsafe``), to be printed once."""
        if is_loopback(host):
            names = {host, "localhost"}
            if host.lower() == "localhost":
                names |= {"127.0.0.1", "::1"}
            return cls(frozenset(_netloc(n, port) for n in names), None)
        hosts = None if host in WILDCARD_HOSTS else frozenset({_netloc(host, port)})
        return cls(hosts, secrets.token_urlsafe(18))

    def refusal(self, headers: Mapping[str, str]) -> tuple[int, str] | None:
        """Why a request with these (lower-case) headers is refused, as (status, message); None
        when Host and Origin are acceptable (the token is checked separately)."""
        host = headers.get("host", "").lower()
        if self.hosts is not None and host not in self.hosts:
            return 421, f"wrong Host: this server answers to {', '.join(sorted(self.hosts))} only"
        origin = headers.get("origin")
        if origin is not None and origin.lower() not in (f"http://{host}", f"https://{host}"):
            return 403, "cross-origin request refused: open this server's own pages instead"
        if headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
            return 403, "cross-site request refused: open this server's own pages instead"
        return None

    def token_ok(self, headers: Mapping[str, str], query: Mapping[str, str]) -> bool | None:
        """True: the cookie holds the token (or none is needed); None: the query has it (set
        the cookie); False: neither."""
        if self.token is None:
            return True
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(headers.get("cookie", ""))
        except Exception:  # a malformed Cookie header is treated as no cookie
            jar = SimpleCookie()
        held = jar.get(COOKIE)
        if held is not None and secrets.compare_digest(held.value, self.token):
            return True
        if secrets.compare_digest(query.get("token", ""), self.token):
            return None
        return False


class GuardMiddleware:
    """Applies a ``Guard`` to every HTTP request before the app sees it."""

    def __init__(self, app: Any, guard: Guard) -> None:
        self.app = app
        self.guard = guard

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        refused = self.guard.refusal(headers)
        if refused is not None:
            await _plain(send, *refused)
            return
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        ok = self.guard.token_ok(headers, query)
        if ok is False:
            await _plain(send, 401, "this server needs the token it printed at start: open the URL it showed")
            return
        if ok is None:  # the token in the URL: keep it in a cookie and drop it from the address bar
            rest = urlencode([(k, v) for k, v in query.items() if k != "token"])
            where = "/" + scope.get("path", "/").lstrip("/") + (f"?{rest}" if rest else "")
            cookie = f"{COOKIE}={self.guard.token}; Path=/; HttpOnly; SameSite=Strict"
            moved = [(b"location", where.encode()), (b"set-cookie", cookie.encode())]
            await _plain(send, 303, "see other", moved)
            return
        await self.app(scope, receive, send)


async def _plain(
    send: Any, status: int, message: str, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    body = (message + "\n").encode("utf-8")
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        (b"x-content-type-options", b"nosniff"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers + (extra or [])})
    await send({"type": "http.response.body", "body": body})
