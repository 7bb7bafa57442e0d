"""Sticky sessions behind a load balancer: a visitor cookie, and which replica answered.

Several `demo.py` processes behind nginx (`deploy/serve-replicas`) must send all of one visitor's
requests to the same process: Gradio keeps a session's state (their retrained model) and its
event queue in that process's memory, and a queue join answered by one replica and its event
stream asked of another fails. Open-source nginx has no sticky cookie of its own, so this
middleware gives every visitor one: a response to a request without a `digitpad_visitor` cookie
sets it to 128 random bits, and nginx routes on it (`hash $cookie_digitpad_visitor consistent`).

The first request of a visit (the page) has no cookie yet and may go to any replica: the page is
the same everywhere. The browser stores the cookie from that response before the page's
script runs, so Gradio's first event already carries it: there is no race within one page. A
browser that refuses cookies is routed by its address instead (nginx falls back to
`$remote_addr`), which stays on one replica too.

Every response also says which replica answered (`X-Digitpad-Replica`, from $DIGITPAD_REPLICA),
for operators and tests. Without $DIGITPAD_REPLICA (a single server, a Space) the middleware
passes everything through unchanged. Plain ASGI, not `BaseHTTPMiddleware`, so that Gradio's
server-sent event streams and WebSockets pass through unbuffered.
"""

from __future__ import annotations

import os
import secrets

from starlette.types import ASGIApp, Message, Receive, Scope, Send

COOKIE = "digitpad_visitor"
REPLICA_HEADER = b"x-digitpad-replica"


def visitor_cookie(scope: Scope) -> str | None:
    """The request's `digitpad_visitor` cookie, or None; read as nginx reads `$cookie_digitpad_visitor`
    (`name=value` pairs split at `;`, the first match wins), so that both see the same value."""
    for name, value in scope.get("headers", ()):
        if name == b"cookie":
            for pair in value.decode("latin-1").split(";"):
                key, _, found = pair.strip().partition("=")
                if key == COOKIE and found:
                    return found
    return None


class VisitorCookie:
    """ASGI middleware: sets the `digitpad_visitor` cookie (session cookie, Path=/, HttpOnly,
    SameSite=Lax) on HTTP responses to requests without one, and adds `X-Digitpad-Replica`.
    `replica`: the header's value (default $DIGITPAD_REPLICA); empty: do nothing."""

    def __init__(self, app: ASGIApp, replica: str | None = None):
        self.app = app
        self.replica = (os.environ.get("DIGITPAD_REPLICA", "") if replica is None else replica).strip()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.replica:
            await self.app(scope, receive, send)
            return
        extra = [(REPLICA_HEADER, self.replica.encode("latin-1"))]
        if visitor_cookie(scope) is None:
            value = f"{COOKIE}={secrets.token_hex(16)}; Path=/; HttpOnly; SameSite=Lax"
            extra.append((b"set-cookie", value.encode("latin-1")))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)
