"""Refuse oversized request bodies before Gradio reads them.

A drawing on the stroke pad is at most 20,000 points: about 300 KB of JSON. Gradio parses and
walks a request's whole JSON before an event handler can look at it, so a crafted 1 MB body of
100,000 points would cost it about a second of CPU. Bodies over MAX_BODY bytes get a 413 at
once, with a sentence saying why. File uploads are left alone: they have their own limit
(`max_file_size`).
"""

from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from digitpad.ink.strokes import MAX_POINTS

MAX_BODY = 512_000  # bytes: 20,000 points at up to 25 bytes each


def too_large(size: int, unit: str, limit: int = MAX_BODY) -> str:
    """The sentence for a request (or a live message) over the limit."""
    return (
        f"Request too large ({size:,} {unit}; the limit is {limit:,}): "
        f"a drawing has at most {MAX_POINTS:,} points, and pictures go through the upload."
    )


class BodySizeLimit:
    """ASGI middleware: a request whose Content-Length is over `max_bytes` is answered 413."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].endswith("/upload"):
            length = dict(scope["headers"]).get(b"content-length", b"")
            if length.isdigit() and int(length) > self.max_bytes:
                message = too_large(int(length), "bytes", self.max_bytes)
                await JSONResponse({"error": message, "detail": message}, status_code=413)(scope, receive, send)
                return
        await self.app(scope, receive, send)
