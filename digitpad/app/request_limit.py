"""Refuse oversized requests before Gradio reads them, and bound what a WebSocket frame may cost.

A drawing on the stroke pad is at most 20,000 points: about 300 KB of JSON. Gradio parses and
walks a request's whole JSON before an event handler can look at it, so a crafted 1 MB body of
100,000 points would cost it about a second of CPU. Bodies over MAX_BODY bytes get a 413 at
once, with a sentence saying why: by their Content-Length, or, for a body sent without one (chunked),
as soon as what has arrived passes the limit. File uploads are left alone: they have their own limit
(`max_file_size`), checked as they stream in.
"""

from __future__ import annotations

import uvicorn
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from digitpad.config import LIMITS
from digitpad.ink.strokes import MAX_POINTS

MAX_BODY = LIMITS.live_message_bytes  # bytes: 20,000 points at up to 25 bytes each
FRAME_SLACK = 2  # uvicorn drops frames over this many times MAX_BODY; between, the live socket says why


def too_large(size: int, unit: str, limit: int = MAX_BODY) -> str:
    """The sentence for a request (or a live message) over the limit."""
    return (
        f"Request too large ({size:,} {unit}; the limit is {limit:,}): "
        f"a drawing has at most {MAX_POINTS:,} points, and pictures go through the upload."
    )


class BodySizeLimit:
    """ASGI middleware: a request whose body is over `max_bytes` is answered 413."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].endswith("/upload") or scope["method"] in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None:
            if length.isdigit() and int(length) > self.max_bytes:
                await self.refuse(int(length), scope, receive, send)
                return
            await self.app(scope, receive, send)
            return
        # no Content-Length: read the body here, up to the limit (it is small), and hand it on
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.max_bytes:
                await self.refuse(size, scope, receive, send, "bytes so far")
                return
            if not message.get("more_body"):
                break
        body: list[Message] = [{"type": "http.request", "body": b"".join(chunks), "more_body": False}]

        async def replay() -> Message:
            return body.pop() if body else await receive()

        await self.app(scope, replay, send)

    async def refuse(self, size: int, scope: Scope, receive: Receive, send: Send, unit: str = "bytes") -> None:
        message = too_large(size, unit, self.max_bytes)
        await JSONResponse({"error": message, "detail": message}, status_code=413)(scope, receive, send)


def bound_websocket_frames() -> None:
    """Make every uvicorn server of this process refuse WebSocket frames over FRAME_SLACK x MAX_BODY and not
    compress them (permessage-deflate): a 0.3 KB compressed message could otherwise unpack to megabytes of
    work. Gradio 6.31 builds uvicorn's Config itself with no way to pass these two settings, so their
    defaults are changed here, before `launch()`; a caller's own values still win. Idempotent."""
    config_init = uvicorn.Config.__init__
    if getattr(config_init, "bounded", False):
        return

    def bounded_init(self, *args, **kwargs) -> None:
        kwargs.setdefault("ws_max_size", FRAME_SLACK * MAX_BODY)
        kwargs.setdefault("ws_per_message_deflate", False)
        config_init(self, *args, **kwargs)

    bounded_init.bounded = True
    uvicorn.Config.__init__ = bounded_init
