"""Keep URLs that come from content away from the machine's own network.

A feed entry's link or a redirect is chosen by whoever runs the feed or site; reaching loopback,
private, link-local, CGNAT or cloud-metadata addresses (``169.254.169.254``) would index internal
pages (server-side request forgery). ``GuardedBackend``, an httpcore network backend, checks the
address actually connected to: it resolves the host, refuses if any address is non-public, and
connects to the vetted one, so no second DNS answer can swap in ``127.0.0.1``; TLS still
verifies the host name. Hand-written: ``advocate`` wraps requests, not httpx.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from typing import Any

import httpcore

from agent.errors import FetchError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class BlockedAddressError(FetchError):
    """A URL from content resolved to an address it may not reach (``Fetcher`` turns it into a
    one-line ``BlockedFetch`` that names the setting; it is not an httpcore error, so httpx lets
    it through unchanged)."""

    def __init__(self, host: str, address: str, kind: str) -> None:
        super().__init__(f"{host} resolves to {address}, a {kind} address")
        self.host = host
        self.address = address
        self.kind = kind


def address_kind(ip: IPAddress) -> str | None:
    """Why ``ip`` is off limits ("loopback", "private", …), or None for a public address."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    if str(ip) == "169.254.169.254" or str(ip) == "fd00:ec2::254":
        return "cloud metadata"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_unspecified:
        return "unspecified"  # 0.0.0.0 reaches the local host on Linux
    if ip.is_multicast:
        return "multicast"
    if ip.is_private:
        return "private"
    if not ip.is_global:
        return "non-public"  # 100.64.0.0/10 (CGNAT), documentation and reserved ranges
    return None


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (an IP literal resolves to itself)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as e:
        raise httpcore.ConnectError(f"cannot resolve {host}: {e.strerror}") from None
    seen: dict[str, None] = {}
    for *_, sockaddr in infos:
        seen.setdefault(str(sockaddr[0]).split("%", 1)[0], None)
    return list(seen)


def check_addresses(host: str, addresses: Iterable[str]) -> None:
    """Raise ``BlockedAddressError`` if any of ``addresses`` is not public."""
    for a in addresses:
        kind = address_kind(ipaddress.ip_address(a))
        if kind is not None:
            raise BlockedAddressError(host, a, kind)


class GuardedBackend(httpcore.NetworkBackend):
    """httpcore's sync backend, connecting only to vetted public addresses."""

    def __init__(self, inner: httpcore.NetworkBackend | None = None) -> None:
        self._inner = inner or httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        addresses = resolve(host, port)
        check_addresses(host, addresses)
        last: Exception | None = None
        for address in addresses:  # all vetted: try each, like the default backend would
            try:
                return self._inner.connect_tcp(address, port, timeout=timeout,
                                               local_address=local_address,
                                               socket_options=socket_options)
            except httpcore.ConnectError as e:
                last = e
        raise last or httpcore.ConnectError(f"cannot connect to {host}")

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("unix sockets are not fetched")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def guard_transport(transport: Any) -> Any:
    """``transport`` (an ``httpx.HTTPTransport``) with its connections made through
    ``GuardedBackend``. httpx does not expose the backend, so this reaches into its pool; if a
    future httpx moves it, this fails loudly rather than silently fetching unguarded."""
    pool = getattr(transport, "_pool", None)
    if pool is None or not hasattr(pool, "_network_backend"):
        raise RuntimeError("httpx internals changed: cannot guard fetches; please report this")
    pool._network_backend = GuardedBackend(pool._network_backend)
    return transport
