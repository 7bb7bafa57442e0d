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

Every message's cost is bounded before the work is done (`digitpad.config`): its size, its brackets (points
and strokes) and nesting are checked before it is parsed (`ink.pad_message`); a long message is parsed and
drawn in one worker process, so the event loop keeps answering everyone; each connection has a budget of
messages and bytes a second, past which its next message waits (the page, one message in flight, simply sends
less often). An address may hold LIMITS.live_connections_per_address connections, a page from another site
none (its Origin is checked), and a connection idle for LIMITS.live_idle_s is closed (the page reconnects when
it next sends). A refused connection is closed with code 1008 (another site) or 1013 (try again later) and a
sentence as the reason: the page then reads through Gradio events instead. Each refusal and bad message is one
log line.

The visitor's own retrained model lives in their Gradio session, which this route cannot see: with
"My retrained model" chosen (or Why?/Inside open, which need a Gradio event to refresh) the pad sends
Gradio events as before. So does a page whose WebSocket cannot connect.
"""

from __future__ import annotations

import asyncio
import json
import logging
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from urllib.parse import urlsplit

import numpy as np
import torch
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from digitpad.app.answer_view import answer_view_value
from digitpad.app.clients import connection_client
from digitpad.app.draw import LIVE_PATH
from digitpad.app.inputs import Models, chosen_model
from digitpad.app.outputs import why_unreadable
from digitpad.app.readings import asks_guard, found_reading, judged, pad_view_value, unreadable
from digitpad.app.request_limit import too_large
from digitpad.config import LIMITS
from digitpad.ink.pad_message import PadMessage, read_pad_message, start_worker
from digitpad.ink.preprocess import DrawingError
from digitpad.ink.strokes import check_size
from digitpad.read.classifier import Classifier, bundled_guard
from digitpad.training.cpu_share import note_drawing

log = logging.getLogger("digitpad")

MAX_MESSAGE = LIMITS.live_message_bytes  # characters: the same cap as an HTTP request body (20,000 points)
SERVER_MODELS = ("bundled", "robust")  # the models this route can read with
INLINE_CHARS = 16_000  # a message up to this long (a digit of ~1,000 points) is read on the event loop


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


class Budget:
    """A connection's allowance of messages and characters a second (token buckets, one second's worth, and
    at least one largest message, in hand): `delay(size)` is how long a message must wait to fit in it."""

    def __init__(self, messages_per_s: float, chars_per_s: float, largest: int):
        self.rates = (messages_per_s, chars_per_s)
        self.caps = (max(1.0, messages_per_s), max(float(largest), chars_per_s))
        self.held = list(self.caps)
        self.at = time.monotonic()

    def delay(self, size: int) -> float:
        now = time.monotonic()
        self.held = [
            min(cap, held + rate * (now - self.at))
            for cap, held, rate in zip(self.caps, self.held, self.rates, strict=True)
        ]
        self.at = now
        cost = (1.0, float(size))
        wait = max((c - h) / r if c > h and r > 0 else 0.0 for c, h, r in zip(cost, self.held, self.rates, strict=True))
        self.held = [h - c for h, c in zip(self.held, cost, strict=True)]  # paid now; the wait makes up for it
        return wait


def origin_refusal(headers: dict, host: str | None) -> str | None:
    """Why a page from another site may not use the socket (browsers send its Origin), or None when allowed:
    no Origin (not a browser), or one whose host is the one the request came to."""
    origin = headers.get("origin")
    if not origin:
        return None
    if host and urlsplit(origin).netloc.lower() == host.lower():
        return None
    return "This live reader serves digitpad's own page only."


class LiveReader:
    """Answers the pad's live messages with the server's own models; counts the open connections."""

    def __init__(self, models: Models):
        self.models = models
        self.batcher = Batcher()
        self.connections = 0  # open right now
        self.per_address: dict[str, int] = {}  # open connections
        self.address_budgets: dict[str, Budget] = {}  # shared by an address's connections
        self.pool: ProcessPoolExecutor | None = None  # long messages are read there, one at a time

    def long_message_reader(self) -> ProcessPoolExecutor:
        """One worker process for long messages (started at the first): parsing and drawing 20,000 points
        takes tens of ms of Python, which on a thread would hold the interpreter's lock against the event
        loop; in a process of its own, at a lower priority (nice 10), it takes only the CPU the class leaves. It
        goes when this process goes, however (`start_worker`)."""
        if self.pool is None:
            context = multiprocessing.get_context("forkserver")  # not fork: this process runs threads
            context.set_forkserver_preload(["digitpad.ink.pad_message"])
            self.pool = ProcessPoolExecutor(
                max_workers=1, mp_context=context, initializer=start_worker, initargs=(os.getpid(),)
            )
        return self.pool

    async def read(self, message: str) -> PadMessage:
        """`read_pad_message` here for a short message, in the worker process for a long one (after its size
        and brackets are checked here: what is refused does not cross)."""
        if len(message) <= INLINE_CHARS:
            return read_pad_message(message)
        try:
            check_size(message)
        except DrawingError as e:
            return PadMessage(error=str(e))
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self.long_message_reader(), read_pad_message, message)
        except BrokenProcessPool:  # the worker died (killed, out of memory): a new one for the next
            self.pool = None
            return PadMessage(error="the server could not read this drawing just now: draw again")

    async def reply(self, message: str) -> dict:
        """One message from the pad -> the answer view's value (always an answer, never an exception)."""
        note_drawing()  # a Retrain run yields a core while someone draws
        read = await self.read(message)
        request, pad, image = read.fields, read.pad, read.image
        choice = request.get("model")
        classifier = chosen_model(choice if choice in SERVER_MODELS else "bundled", None, self.models)
        if read.error:
            found = unreadable("drawing", why_unreadable(DrawingError(read.error), "drawing"))  # and one log line
        elif image is None:
            found = found_reading(None, None)
        else:
            # the digit guard reads in the same batch as the model, when `readings` asks for it
            readers = [classifier, bundled_guard()] if asks_guard(pad) else [classifier]
            futures = [self.batcher.probabilities(reader, image) for reader in readers]
            found_all, error = await guarded_async(asyncio.gather(*futures), "drawing")
            if error:
                found = unreadable("drawing", error)
            else:
                probs, *guard = found_all
                found = judged(probs, image, guard[0] if guard else None)
        value = pad_view_value(found, pad)
        seq = request.get("seq")
        if isinstance(seq, int) and not isinstance(seq, bool):
            value["seq"] = seq
        return value

    def admit(self, websocket: WebSocket) -> tuple[str | None, int]:
        """(None, 0) when this connection may be served, else (the sentence why not, the close code)."""
        host = websocket.headers.get("host")
        if LIMITS.trusted_proxies and websocket.headers.get("x-forwarded-host"):  # the host the visitor asked for
            host = websocket.headers["x-forwarded-host"].split(",")[0].strip()
        refusal = origin_refusal(websocket.headers, host)
        if refusal:
            return refusal, 1008
        address = connection_client(websocket).address
        if self.per_address.get(address, 0) >= LIMITS.live_connections_per_address:
            return "Too many live connections from your network; this page reads through the queue instead.", 1013
        if self.connections >= LIMITS.live_connections:
            return "The live reader is full; this page reads through the queue instead.", 1013
        return None, 0

    async def serve(self, websocket: WebSocket) -> None:
        """One page's connection: read each message, answer it, until the page goes."""
        refusal, code = self.admit(websocket)
        await websocket.accept()
        if refusal:
            log.warning("live: refused a connection (%s)", refusal)
            await websocket.close(code=code, reason=refusal)
            return
        address = connection_client(websocket).address
        self.connections += 1
        self.per_address[address] = self.per_address.get(address, 0) + 1
        budget = Budget(LIMITS.live_messages_per_s, LIMITS.live_bytes_per_s, MAX_MESSAGE)
        shared = self.address_budgets.setdefault(
            address, Budget(LIMITS.live_messages_per_s * 100, LIMITS.live_address_bytes_per_s, MAX_MESSAGE)
        )
        try:
            while True:
                try:
                    message = await asyncio.wait_for(websocket.receive(), LIMITS.live_idle_s)
                except TimeoutError:
                    await websocket.close(code=1000, reason="idle")
                    return
                if message["type"] == "websocket.disconnect":
                    return
                text = message.get("text")
                if text is None:  # a binary frame: its text if it is UTF-8, else a sentence
                    try:
                        text = (message.get("bytes") or b"").decode("utf-8")
                    except UnicodeDecodeError:
                        text = json.dumps({"value": "not UTF-8 text"})
                if len(text) > MAX_MESSAGE:
                    log.warning("live: a message of %d characters refused", len(text))
                    await websocket.send_text(json.dumps(too_big(len(text))))
                    await websocket.close(code=1009, reason="message too big")
                    return
                # over its budget (or its address's): this connection waits, no one else
                await asyncio.sleep(max(budget.delay(len(text)), shared.delay(len(text))))
                await websocket.send_text(json.dumps(await self.reply(text)))
        except WebSocketDisconnect:
            return
        finally:
            self.connections -= 1
            self.per_address[address] -= 1
            if not self.per_address[address]:
                del self.per_address[address]
                del self.address_budgets[address]

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
