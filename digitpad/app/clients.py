"""Who sent a request: the server-issued visitor cookie and the address, the client every per-client limit
counts (`digitpad.config`).

The address is the connection's peer, unless the operator runs the server behind proxies of their own and
says how many (`DIGITPAD_TRUSTED_PROXIES`): then it is the entry that many hops from the right of
`X-Forwarded-For`, the one the outermost trusted proxy saw. A header anyone can set is not believed by
default, so a visitor cannot pose as another address by sending one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import gradio as gr
from starlette.requests import HTTPConnection

from digitpad.app.visitor_cookie import COOKIE, COOKIE_VALUE
from digitpad.config import LIMITS

NO_REQUEST = "local"  # a function called from Python, not through the server


@dataclass(frozen=True)
class Client:
    visitor: str  # the visitor cookie's value (see `visitor_cookie`)
    address: str

    def keys(self) -> tuple[str, str]:
        """Short hashes of the cookie and the address: what is stored or named in files, never the values."""
        return digest("visitor", self.visitor), digest("address", self.address)


def digest(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()[:24]


def forwarded_address(peer: str, forwarded_for: str | None, trusted_proxies: int) -> str:
    """The client's address: `peer`, or with `trusted_proxies` proxies in front, the address the outermost of
    them saw (X-Forwarded-For lists one address per hop, the nearest last)."""
    if trusted_proxies <= 0 or not forwarded_for:
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    return hops[-trusted_proxies] if len(hops) >= trusted_proxies else (hops[0] if hops else peer)


def connection_client(connection: HTTPConnection) -> Client:
    """The client of a Starlette request or WebSocket."""
    peer = connection.client.host if connection.client else NO_REQUEST
    address = forwarded_address(peer, connection.headers.get("x-forwarded-for"), LIMITS.trusted_proxies)
    cookie = connection.cookies.get(COOKIE, "")
    return Client(cookie if COOKIE_VALUE.fullmatch(cookie) else "", address)


def client_of(request: gr.Request | None) -> Client:
    """The client of a Gradio event. Without a cookie (an event that did not come through the server's
    middleware) the visitor is the Gradio session, scoped by address."""
    if request is None:
        return Client(NO_REQUEST, NO_REQUEST)
    inner = getattr(request, "request", None)
    if isinstance(inner, HTTPConnection):
        client = connection_client(inner)
    else:  # a Request rebuilt from plain data (pickled for a ZeroGPU worker)
        headers, cookies = dict(getattr(request, "headers", {}) or {}), dict(getattr(request, "cookies", {}) or {})
        peer = getattr(getattr(request, "client", None), "host", None) or NO_REQUEST
        address = forwarded_address(peer, headers.get("x-forwarded-for"), LIMITS.trusted_proxies)
        cookie = cookies.get(COOKIE, "")
        client = Client(cookie if COOKIE_VALUE.fullmatch(cookie) else "", address)
    if not client.visitor:
        client = Client(f"session:{request.session_hash or NO_REQUEST}", client.address)
    return client
