"""The pad's live reading over one WebSocket (`/live`), beside Gradio's own routes.

Why: a Gradio event costs the server about 25 ms of CPU per pad update (measured with py-spy under three
drawing Chromium pages: the reading itself, strokes to MNIST to the network, was 8% of the server's busy
time; Gradio's queue bookkeeping, its output postprocessing, the SSE stream and the HTTP middleware the
rest, and a second `.then` event plus a GET for the preview PNG came with every update). A class of 30
drawing at once needs about 300 updates a second, so the pad's live path skips all of that: one open
connection per page, a small JSON message per update, the answer on the same connection.

Protocol (text frames, JSON)::

    page -> server   {"model": "bundled" | "robust", "value": <stroke pad value>, "seq": 7}
    server -> page   <the answer view's value, see `answer_view`>, with "seq": 7 echoed

The page keeps at most one message in flight and sends the newest strokes when the answer comes back,
so a busy server gets fewer, newer updates instead of a growing backlog. Bad input gets the very
sentences `/predict_strokes` gives (both go through `draw.strokes_reading`); a message over `MAX_MESSAGE`
characters is answered with a sentence and the connection is closed (1009, "message too big"). A
connection holds no state on the server but its coroutine: a dropped one leaves nothing behind.

The visitor's own retrained model lives in their Gradio session, which this route cannot see: with
"My retrained model" chosen (or Why?/Inside open, which need a Gradio event to refresh) the pad sends
Gradio events as before. So does a page whose WebSocket cannot connect.
"""

from __future__ import annotations

import json
import logging

from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from digitpad.app.answer_view import answer_view_value
from digitpad.app.draw import LIVE_PATH, strokes_reading
from digitpad.app.inputs import Models, chosen_model
from digitpad.app.request_limit import MAX_BODY, too_large

log = logging.getLogger("digitpad")

MAX_MESSAGE = MAX_BODY  # characters: the same cap as an HTTP request body (20,000 points)
SERVER_MODELS = ("bundled", "robust")  # the models this route can read with


class LiveReader:
    """Answers the pad's live messages with the server's own models; counts the open connections."""

    def __init__(self, models: Models):
        self.models = models
        self.connections = 0  # open right now
        self.messages = 0  # answered since start

    def reply(self, message: str) -> dict:
        """One message from the pad -> the answer view's value (always an answer, never an exception)."""
        try:
            request = json.loads(message)
        except ValueError:
            request = None
        if not isinstance(request, dict):
            request = {"value": request}  # read as a pad value: the same sentence as /predict_strokes
        choice = request.get("model")
        classifier = chosen_model(choice if choice in SERVER_MODELS else "bundled", None, self.models)
        value = answer_view_value(*strokes_reading(request.get("value"), classifier), about="pad")
        seq = request.get("seq")
        if isinstance(seq, int) and not isinstance(seq, bool):
            value["seq"] = seq
        self.messages += 1
        return value

    async def serve(self, websocket: WebSocket) -> None:
        """One page's connection: read each message, answer it, until the page goes."""
        await websocket.accept()
        self.connections += 1
        try:
            while True:
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    return
                text = message.get("text")
                if text is None:  # a binary frame: decode what can be, and let the reader say what it is
                    text = (message.get("bytes") or b"").decode("utf-8", "replace")
                if len(text) > MAX_MESSAGE:
                    await websocket.send_text(json.dumps(too_big(len(text))))
                    await websocket.close(code=1009, reason="message too big")
                    return
                await websocket.send_text(json.dumps(self.reply(text)))
        except WebSocketDisconnect:
            return
        finally:
            self.connections -= 1

    def route(self) -> WebSocketRoute:
        """The Starlette route to give the app (see `app.launch_kwargs`)."""
        return WebSocketRoute(LIVE_PATH, self.serve, name="live")


def too_big(size: int) -> dict:
    """The answer to an oversized message: the sentence `/predict_strokes` gives a body over the limit."""
    return answer_view_value("Can't read this drawing", None, too_large(size, "characters", MAX_MESSAGE), "pad")
