"""The visitor cookie: who a visitor is, issued by the server, and which replica answered.

Every response to a request without a valid `digitpad_visitor` cookie sets one: 128 random bits, a session
cookie (Path=/, HttpOnly, SameSite=Lax; `Secure` when the page was served over HTTPS). The server binds a
visitor's corrections, their training run and its Stop button to it (`app.clients`), never to anything the
page itself chooses. A request without it is handed a fresh one before Gradio sees the request, so that
even its first event has a server-issued identity. Only values of the cookie's own shape count (32 hex
digits): anything else is replaced.

Behind a load balancer (`deploy/serve-replicas`) the cookie keeps a visitor on one replica: Gradio keeps a
session's state (their retrained model) and its event queue in one process's memory, and nginx routes on
the cookie (`hash $cookie_digitpad_visitor consistent`). The page (the first request of a visit) has no
cookie yet and may go to any replica: the page is the same everywhere, and the browser stores the cookie
before the page's script runs. A browser that refuses cookies is routed by its address instead.

Every response also says which replica answered (`X-Digitpad-Replica`, from $DIGITPAD_REPLICA), for
operators and tests, when that is set. Plain ASGI, not `BaseHTTPMiddleware`, so that Gradio's server-sent
event streams and WebSockets pass through unbuffered. This module imports nothing of digitpad's: the
deployment test serves it in a stand-in app.
"""

from __future__ import annotations

import re
import secrets

from starlette.types import ASGIApp, Message, Receive, Scope, Send

COOKIE = "digitpad_visitor"
REPLICA_HEADER = b"x-digitpad-replica"
COOKIE_VALUE = re.compile(r"[0-9a-f]{32}")  # what the server issues: 128 random bits in hex


def visitor_cookie(scope: Scope) -> str | None:
    """The request's `digitpad_visitor` cookie when it has the shape the server issues, else None; read as
    nginx reads `$cookie_digitpad_visitor` (`name=value` pairs split at `;`, the first match wins)."""
    for name, value in scope.get("headers", ()):
        if name == b"cookie":
            for pair in value.decode("latin-1").split(";"):
                key, _, found = pair.strip().partition("=")
                if key == COOKIE:
                    return found if COOKIE_VALUE.fullmatch(found) else None
    return None


def served_over_https(scope: Scope) -> bool:
    """Whether the page reached the visitor over HTTPS: directly, or through a proxy that says so (a proxy in
    front of the server terminates TLS; X-Forwarded-Proto only makes the cookie stricter, never looser)."""
    if scope.get("scheme") in ("https", "wss"):
        return True
    return any(name == b"x-forwarded-proto" and value.strip() == b"https" for name, value in scope.get("headers", ()))


def with_cookie(scope: Scope, value: str) -> Scope:
    """`scope` whose Cookie header carries `value` as the visitor cookie (an invalid one dropped)."""
    kept = [(n, v) for n, v in scope.get("headers", ()) if n != b"cookie"]
    others = [
        pair.strip()
        for n, v in scope.get("headers", ())
        if n == b"cookie"
        for pair in v.decode("latin-1").split(";")
        if pair.strip() and pair.strip().partition("=")[0] != COOKIE
    ]
    cookie = "; ".join([f"{COOKIE}={value}", *others]).encode("latin-1")
    return {**scope, "headers": [*kept, (b"cookie", cookie)]}


class VisitorCookie:
    """ASGI middleware: gives every HTTP request and WebSocket a server-issued visitor cookie (set on the
    response when the request had none), and adds `X-Digitpad-Replica` when `replica` ($DIGITPAD_REPLICA, passed
    by `app.launch_kwargs`) is not empty."""

    def __init__(self, app: ASGIApp, replica: str = ""):
        self.app = app
        self.replica = replica.strip()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        extra = [(REPLICA_HEADER, self.replica.encode("latin-1"))] if self.replica else []
        if visitor_cookie(scope) is None:
            value = secrets.token_hex(16)
            scope = with_cookie(scope, value)
            secure = "; Secure" if served_over_https(scope) else ""
            extra.append((b"set-cookie", f"{COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax{secure}".encode()))
        if scope["type"] != "http" or not extra:  # a WebSocket's handshake answer carries no cookie here
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)
