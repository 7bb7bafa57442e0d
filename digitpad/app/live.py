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

import asyncio
import json

import numpy as np
import torch
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from digitpad.app.answer_view import answer_view_value
from digitpad.app.draw import LIVE_PATH, found_reading, pad_view_value, pen_down, unreadable
from digitpad.app.inputs import Models, chosen_model
from digitpad.app.outputs import guarded, why_unreadable
from digitpad.app.request_limit import MAX_BODY, too_large
from digitpad.ink.strokes import pad_to_mnist
from digitpad.read.classifier import Classifier, bundled_guard, guard_threshold, likeness
from digitpad.training.retrain import note_drawing

MAX_MESSAGE = MAX_BODY  # characters: the same cap as an HTTP request body (20,000 points)
SERVER_MODELS = ("bundled", "robust")  # the models this route can read with


class Batcher:
    """Runs each model once for all the drawings that became ready in one turn of the event loop.

    Each message is parsed and drawn as it comes; its 28x28 image then waits for the end of the loop's
    turn, when one forward pass reads every image waiting for that model. On this 2-core CPU one image
    alone costs 1.27 ms of CPU, 0.58 ms each in a batch of 8 and 0.30 ms in a batch of 32 (one thread), so
    the busier the server, the cheaper each reading. It runs on one thread: two threads cost three times
    the CPU for images this small once the cores are busy, and the other core stays for Gradio's events.
    """

    def __init__(self):
        self.waiting: dict[Classifier, list[tuple[np.ndarray, asyncio.Future]]] = {}
        self.scheduled = False
        self.batches = 0
        self.images = 0

    def probabilities(self, classifier: Classifier, image: np.ndarray) -> asyncio.Future:
        """A future for `classifier`'s probabilities (10,) for one uint8 (28, 28) image."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self.waiting.setdefault(classifier, []).append((image, future))
        if not self.scheduled:
            self.scheduled = True
            loop.call_soon(self.flush)
        return future

    def flush(self) -> None:
        self.scheduled = False
        waiting, self.waiting = self.waiting, {}
        if torch.get_num_threads() != 1:  # per thread: this is the event loop's
            torch.set_num_threads(1)
        for classifier, items in waiting.items():
            try:
                probs = classifier.predict_proba(np.stack([image for image, _ in items]))
            except Exception as e:  # reported to each reader, which says so in a sentence
                probs = [e] * len(items)
            for (_, future), p in zip(items, probs, strict=True):
                if not future.done():  # its connection may have gone meanwhile
                    future.set_exception(p) if isinstance(p, Exception) else future.set_result(p)
            self.batches += 1
            self.images += len(items)


class LiveReader:
    """Answers the pad's live messages with the server's own models; counts the open connections."""

    def __init__(self, models: Models):
        self.models = models
        self.batcher = Batcher()
        self.connections = 0  # open right now

    async def reply(self, message: str) -> dict:
        """One message from the pad -> the answer view's value (always an answer, never an exception)."""
        note_drawing()  # a Retrain run yields a core while someone draws
        try:
            request = json.loads(message)
        except ValueError:
            request = None
        if not isinstance(request, dict):
            request = {"value": request}  # read as a pad value: the same sentence as /predict_strokes
        choice = request.get("model")
        classifier = chosen_model(choice if choice in SERVER_MODELS else "bundled", None, self.models)
        pad = request.get("value")
        image, error = guarded(lambda: pad_to_mnist(pad), "drawing")
        if error:
            found = unreadable("drawing", error)
        elif image is None:
            found = found_reading(None, None)
        else:
            # the digit guard reads in the same batch as the model (`draw.reading` does the same, unbatched);
            # not while the pen is down: a digit half drawn is not a digit yet
            readers = [classifier] if pen_down(pad) else [classifier, bundled_guard()]
            futures = [self.batcher.probabilities(reader, image) for reader in readers]
            found_all, error = await guarded_async(asyncio.gather(*futures), "drawing")
            if error:
                found = unreadable("drawing", error)
            else:
                probs, *guard = found_all
                digit_like = likeness(guard[0]) >= guard_threshold() if guard else None
                found = found_reading(probs, image, digit_like)
        value = pad_view_value(found, pad)
        seq = request.get("seq")
        if isinstance(seq, int) and not isinstance(seq, bool):
            value["seq"] = seq
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
                await websocket.send_text(json.dumps(await self.reply(text)))
        except WebSocketDisconnect:
            return
        finally:
            self.connections -= 1

    def route(self) -> WebSocketRoute:
        """The Starlette route to give the app (see `app.launch_kwargs`)."""
        return WebSocketRoute(LIVE_PATH, self.serve, name="live")


async def guarded_async(future: asyncio.Future, what: str) -> tuple[object, str | None]:
    """`guarded` for a future: (its result, None), or (None, the sentence saying why) when it failed."""
    try:
        return await future, None
    except Exception as e:
        return None, why_unreadable(e, what)


def too_big(size: int) -> dict:
    """The answer to an oversized message: the sentence `/predict_strokes` gives a body over the limit."""
    return answer_view_value("Can't read this drawing", None, too_large(size, "characters", MAX_MESSAGE), "pad")
