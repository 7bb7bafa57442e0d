"""The abuse section's attacker (`bench.abuse`): one anonymous visitor with bad intent, from its own loopback
address, speaking HTTP and the WebSocket itself (httpx, websockets) as a script would: Gradio's call API
(`POST /gradio_api/call/<name>`, then the event's stream) and its upload route.

Each attack runs in a process of its own (`attacking`, started with "spawn"), so this module imports neither
Gradio nor PyTorch: a new process is attacking within a second.
"""

from __future__ import annotations

import asyncio
import io
import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import websockets
from PIL import Image

from digitpad.app.served import live_url
from digitpad.synth.pen_digits import scaled_strokes

ATTACKER = "127.0.0.2"  # the attacker's address; the honest drawers come from 127.0.0.1
NEWCOMER = "127.0.0.3"  # a visitor who arrives during an attack
Attack = Callable[[str, threading.Event, dict], None]


# ------------------------------------------------------------------ the attacker's tools


def http(cookie: str | None = None) -> httpx.Client:
    """An HTTP client from the attacker's address, with a visitor cookie of its choosing (None: none)."""
    cookies = {"digitpad_visitor": cookie} if cookie else None
    transport = httpx.HTTPTransport(local_address=ATTACKER)
    return httpx.Client(transport=transport, cookies=cookies, timeout=60)


def call(
    client: httpx.Client, url: str, api: str, data: list, first_only: bool = False, hold: Callable | None = None
) -> str:
    """Gradio's call API: the event's last data (or its first, `first_only`) as text; an error's text too.
    `hold`: called once the first data came, before the stream is closed (the event is left running meanwhile)."""
    response = client.post(f"{url}gradio_api/call/{api}", json={"data": data})
    if response.status_code != 200:
        return f"HTTP {response.status_code}: {response.text[:120]}"
    event = response.json()["event_id"]
    last = ""
    with client.stream("GET", f"{url}gradio_api/call/{api}/{event}") as stream:
        for line in stream.iter_lines():
            if line.startswith("data:"):
                last = line[5:].strip()
                if first_only and last not in ("null", ""):
                    if hold is not None:
                        hold()
                    break
    return last


def upload(client: httpx.Client, url: str, png: bytes) -> dict:
    """A file uploaded to Gradio: the file object to send in a call."""
    response = client.post(f"{url}gradio_api/upload", files={"files": ("photo.png", png, "image/png")})
    response.raise_for_status()
    return {"path": response.json()[0], "meta": {"_type": "gradio.FileData"}}


def white_png(side: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("L", (side, side), 255).save(buffer, "png", optimize=True)
    return buffer.getvalue()


def digit_strokes(digit: int, size: float = 320) -> list:
    return [
        [[round(x, 1), round(y, 1)] for x, y in s] for s in scaled_strokes(digit, (40, 40, size * 0.55, size * 0.75))
    ]


def hammer(stop: threading.Event, workers: int, one: Callable[[int], str], outcome: dict) -> None:
    """`workers` threads each calling `one(worker)` until `stop`; counts answers and keeps a sample."""
    answers: list[str] = []

    def loop(worker: int) -> None:
        while not stop.is_set():
            try:
                answers.append(one(worker))
            except httpx.HTTPError as e:
                answers.append(f"{type(e).__name__}")

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(loop, range(workers)))
    outcome["attacker_requests"] = len(answers)
    outcome["attacker_saw"] = (answers[-1] if answers else "")[:110]


# ------------------------------------------------------------------ the attacks


def socket_flood(url: str, stop: threading.Event, outcome: dict) -> None:
    """8 sockets sending, in a loop, 10,000 strokes (the issue's 0.3 KB when compressed) and the largest drawing
    a message may hold (20,000 points in 1,000 strokes), each waiting for its answer."""
    many = json.dumps({"value": {"strokes": [[[0, 0], [1, 1]]] * 10_000, "width": 1, "height": 1}})
    largest = json.dumps(
        {"value": {"strokes": [[[i % 300, j] for j in range(20)] for i in range(1000)], "width": 320, "height": 320}}
    )
    counts = {"answers": 0, "closed": 0}

    async def one(k: int) -> None:
        while not stop.is_set():
            try:
                async with websockets.connect(live_url(url), local_addr=(ATTACKER, 0), max_size=None) as socket:
                    while not stop.is_set():
                        await socket.send(many if k % 2 else largest)
                        outcome["attacker_saw"] = json.loads(await socket.recv()).get("verdict", "")[:110]
                        counts["answers"] += 1
            except (OSError, websockets.ConnectionClosed):
                counts["closed"] += 1

    async def run() -> None:
        await asyncio.gather(*[one(k) for k in range(8)])

    asyncio.run(run())
    outcome["attacker_requests"] = counts["answers"]
    outcome["attacker_closed"] = counts["closed"]


def huge_canvases(url: str, stop: threading.Event, outcome: dict) -> None:
    """4 clients sending `/read_number` a 10,000 x 10,000 px canvas with one stroke, over and over."""
    value = {"strokes": [[[10, 10], [9_990, 9_990]]], "width": 10_000, "height": 10_000}
    clients = [http() for _ in range(4)]
    hammer(stop, 4, lambda k: call(clients[k], url, "read_number", [value, "bundled"]), outcome)


def huge_photos(url: str, stop: threading.Event, outcome: dict) -> None:
    """4 clients sending photos of 25 MP (over the limit) and 16 MP (at it) to `/predict`,
    `/read_number_photo` and `/correct`, in turn."""
    clients = [http() for _ in range(4)]
    files = [upload(clients[0], url, white_png(side)) for side in (5_000, 4_000)]

    def one(k: int) -> str:
        photo = files[k % 2]
        picture = {"background": None, "layers": [], "composite": photo}
        api, data = [
            ("predict", [picture, "bundled"]),
            ("read_number_photo", [photo, "bundled"]),
            ("correct", [picture, "3"]),
        ][int(time.monotonic() * 3) % 3]
        return call(clients[k], url, api, data)

    hammer(stop, 4, one, outcome)


def idle_sockets(url: str, stop: threading.Event, outcome: dict) -> None:
    """100 sockets opened and held without a word; meanwhile a new visitor (another address) must still connect
    and be answered."""

    async def run() -> None:
        held, refused = [], 0
        for _ in range(100):
            try:
                socket = await websockets.connect(live_url(url), local_addr=(ATTACKER, 0))
                held.append(socket)
            except (OSError, websockets.InvalidHandshake):
                refused += 1
        await asyncio.sleep(1.0)
        closed = [s for s in held if s.close_code is not None]  # refused after the handshake, with a reason
        outcome["attacker_saw"] = f"{len(held) - len(closed)} held, {len(closed) + refused} refused"
        if closed:
            outcome["attacker_saw"] += f" ({closed[0].close_code}: {closed[0].close_reason[:60]})"
        value = {"strokes": digit_strokes(7), "width": 320, "height": 320}
        async with websockets.connect(live_url(url), local_addr=(NEWCOMER, 0)) as newcomer:
            await newcomer.send(json.dumps({"value": value}))
            answer = json.loads(await asyncio.wait_for(newcomer.recv(), 10))
        outcome["newcomer_read"] = answer["top"][0][0] if answer.get("top") else answer.get("heading")
        while not stop.is_set():
            await asyncio.sleep(0.2)
        for socket in held:
            await socket.close()

    asyncio.run(run())


def session_flood(url: str, stop: threading.Event, outcome: dict) -> None:
    """4 clients sending `/read_number` the largest drawing a request may hold, each call a new Gradio session
    (Gradio keeps every session's last inputs, up to LIMITS.sessions_kept sessions)."""
    value = {
        "strokes": [[[i % 300 + 0.5, j + 0.25] for j in range(20)] for i in range(1000)],
        "width": 320,
        "height": 320,
    }
    clients = [http() for _ in range(4)]
    hammer(stop, 4, lambda k: call(clients[k], url, "read_number", [value, "bundled"]), outcome)


ATTACKS: list[tuple[str, Attack | None]] = [
    ("none (baseline)", None),
    ("8 sockets: 10,000-stroke and 20,000-point messages", socket_flood),
    ("4 clients: 10,000 x 10,000 canvases to /read_number", huge_canvases),
    ("4 clients: 25 MP and 16 MP photos to /predict, /read_number_photo, /correct", huge_photos),
    ("100 sockets opened and held idle", idle_sockets),
    ("4 clients: a new session per call, each with the largest drawing", session_flood),
]


def attacking(attack: Attack, url: str, started, stop, results) -> None:
    """An attack in a process of its own (as from another machine: it shares no interpreter with the class);
    `started` is set as it begins."""
    outcome: dict = {}
    started.set()
    attack(url, stop, outcome)
    results.put(outcome)
