"""Oversized request bodies are refused before the app reads them, with or without a Content-Length."""

from __future__ import annotations

import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from digitpad.app.request_limit import FRAME_SLACK, MAX_BODY, BodySizeLimit, bound_websocket_frames


def app(limit: int = 1_000) -> TestClient:
    async def echo(request: Request):
        return PlainTextResponse(str(len(await request.body())))

    routes = [Route("/run", echo, methods=["POST"]), Route("/upload", echo, methods=["POST"])]
    return TestClient(Starlette(routes=routes, middleware=[Middleware(BodySizeLimit, max_bytes=limit)]))


def chunks(total: int, size: int = 100):
    for start in range(0, total, size):
        yield b"x" * min(size, total - start)


def test_a_body_over_the_limit_is_refused_with_a_sentence():
    response = app().post("/run", content=b"x" * 1_001)
    assert response.status_code == 413 and "Request too large (1,001 bytes; the limit is 1,000)" in response.text
    assert app().post("/run", content=b"x" * 1_000).text == "1000"  # at the limit: read as usual


def test_a_chunked_body_without_a_length_is_cut_off_too():
    refused = app().post("/run", content=chunks(50_000))  # an iterator: sent chunked, no Content-Length
    assert refused.status_code == 413 and "bytes so far" in refused.text
    assert app().post("/run", content=chunks(900)).text == "900"  # a small one reaches the app whole


def test_uploads_have_their_own_limit():
    assert app().post("/upload", content=b"x" * 5_000).text == "5000"


def test_websocket_frames_are_bounded_and_not_compressed():
    bound_websocket_frames()
    bound_websocket_frames()  # twice changes nothing
    config = uvicorn.Config(app=None)
    assert config.ws_max_size == FRAME_SLACK * MAX_BODY and config.ws_per_message_deflate is False
    assert uvicorn.Config(app=None, ws_max_size=10).ws_max_size == 10  # a caller's own value wins
