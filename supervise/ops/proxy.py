"""The client's address and scheme behind a reverse proxy, believed only from trusted proxies.

X-Forwarded-For is whatever the sender wrote. From a client directly it is ignored (otherwise
anyone could pick the address their failed logins are counted under); from a configured proxy
the rightmost address that is not itself a trusted proxy is the client.
"""
from __future__ import annotations

import ipaddress
from collections.abc import Iterable

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(text: str | Iterable[str] | None) -> tuple[Network, ...]:
    """Addresses and networks ("10.0.0.5, 10.1.0.0/16, ::1") as networks; ValueError on a bad one."""
    if not text:
        return ()
    items = text.split(",") if isinstance(text, str) else list(text)
    return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in items if item.strip())


def is_within(address: str | None, networks: tuple[Network, ...]) -> bool:
    """Whether the address lies in one of the networks (False for anything that is not an address)."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(peer: str | None, forwarded_for: str | None, trusted: tuple[Network, ...]) -> str | None:
    """The client's address: the peer itself, unless the peer is a trusted proxy; then the
    rightmost X-Forwarded-For entry that is not a trusted proxy (or the leftmost when all are)."""
    if not forwarded_for or not is_within(peer, trusted):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not is_within(hop, trusted):
            return hop if _is_address(hop) else peer
    return hops[0] if hops and _is_address(hops[0]) else peer


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
        return True
    except ValueError:
        return False


class TrustedProxyMiddleware:
    """WSGI middleware: REMOTE_ADDR becomes the client's address and wsgi.url_scheme the scheme the
    client used, when (and only when) the request came through a trusted proxy. The proxy's own
    address is kept in `supervise.peer_addr`, and a proxy's X-Request-ID in `supervise.request_id`."""

    def __init__(self, app, trusted: tuple[Network, ...]):
        self.app = app
        self.trusted = trusted

    def __call__(self, environ, start_response):
        peer = environ.get("REMOTE_ADDR")
        environ["supervise.peer_addr"] = peer
        if self.trusted and is_within(peer, self.trusted):
            environ["REMOTE_ADDR"] = client_address(peer, environ.get("HTTP_X_FORWARDED_FOR"), self.trusted)
            scheme = (environ.get("HTTP_X_FORWARDED_PROTO") or "").split(",")[-1].strip().lower()
            if scheme in ("http", "https"):
                environ["wsgi.url_scheme"] = scheme
            request_id = environ.get("HTTP_X_REQUEST_ID", "")
            if 0 < len(request_id) <= 64 and request_id.isascii() and request_id.isprintable():
                environ["supervise.request_id"] = request_id
        return self.app(environ, start_response)
