"""Bench section `classroom`: a whole class drawing at once on one server (issue #20).

A simulated drawer behaves like the page (`app/stroke_pad.py`): it draws a digit in `draw_seconds`, sends the
strokes so far at most every 60 ms with at most one message in flight (the newest strokes go when the
answer comes back), lifts the pen and sends the final strokes at once (queued behind the one in flight),
waits for the answer to them, pauses, and draws the next digit. It speaks the page's transport, the
`/live` WebSocket, so the server does exactly what it does for a page. All drawers run in one asyncio
loop in this process (a few per cent of a core for 60), and this process's CPU is reported beside the
server's, which is read from /proc.

What it reports, per crowd size: updates answered per second, the latency of each update and of the
answer to the final strokes after pen-up (p50/p95), failures (no answer in 10 s, a closed connection, or
an answer that is not a reading), and the server's CPU per update.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import resource
import statistics
import time
from dataclasses import dataclass, field

import websockets

from digitpad.pen_digits import scaled_strokes

PAD = 320  # px, the Draw tab's pad
SEND_EVERY = 0.060  # s, the pad's throttle (stroke_pad.SEND_INTERVAL_MS)
ANSWER_TIMEOUT = 10.0  # s: longer is a failure


@dataclass
class Drawer:
    """How one simulated visitor draws."""

    draw_seconds: float = 1.2  # pen-down to the final pen-up, for the whole digit
    pause_seconds: float = 1.0  # between digits (looking at the answer, pressing Clear)
    model: str = "bundled"


@dataclass
class Tally:
    """What the drawers saw, over the measured window."""

    update_s: list[float] = field(default_factory=list)  # send -> answer, every update
    pen_up_s: list[float] = field(default_factory=list)  # pen-up -> the answer to the final strokes
    failures: int = 0
    digits: int = 0
    right: int = 0  # final answers that read the digit drawn


def drawing_frames(digit: int, rng: random.Random) -> list[list[list[list[float]]]]:
    """The pad's strokes-so-far after each point of a digit drawn at a random place and size: frames[k] holds
    the first k + 1 points, in pen order."""
    height = rng.uniform(170, 250)
    width = height * rng.uniform(0.6, 0.8)
    box = (rng.uniform(20, PAD - width - 20), rng.uniform(20, PAD - height - 20), width, height)
    strokes = [[[round(x, 1), round(y, 1)] for x, y in stroke] for stroke in scaled_strokes(digit, box)]
    frames, done = [], []
    for stroke in strokes:
        for k in range(1, len(stroke) + 1):
            frames.append([*done, stroke[:k]])
        done.append(stroke)
    return frames


async def one_drawer(url: str, drawer: Drawer, measure_from: float, stop_at: float, seed: int, tally: Tally) -> None:
    """Draw digits on the live socket at `url` until `stop_at` (loop time); count from `measure_from`."""
    loop = asyncio.get_running_loop()
    rng = random.Random(seed)
    await asyncio.sleep(rng.uniform(0, drawer.pause_seconds + drawer.draw_seconds))  # people do not start in step
    try:
        async with websockets.connect(url, max_size=2**22, open_timeout=ANSWER_TIMEOUT) as socket:
            while loop.time() < stop_at:
                digit = rng.randrange(10)
                frames = drawing_frames(digit, rng)
                began = loop.time()
                pen_up = began + drawer.draw_seconds
                sent, last_send, final = -1, -1.0, None
                while final is None:
                    now = loop.time()
                    lifted = now >= pen_up  # pen-up sends the final strokes at once, changed or not
                    shown = len(frames) - 1 if lifted else int((now - began) / drawer.draw_seconds * len(frames))
                    if not lifted and (shown == sent or now - last_send < SEND_EVERY):
                        await asyncio.sleep(max(0.001, min(pen_up, last_send + SEND_EVERY) - now))
                        continue
                    value = {"strokes": frames[shown], "width": PAD, "height": PAD}
                    await socket.send(json.dumps({"model": drawer.model, "value": value}))
                    last_send, sent = now, shown
                    answer = json.loads(await asyncio.wait_for(socket.recv(), ANSWER_TIMEOUT))
                    done = loop.time()
                    counted = measure_from <= now < stop_at
                    if counted:
                        tally.update_s.append(done - now)
                    if lifted:
                        final = answer
                        if counted:
                            tally.pen_up_s.append(done - pen_up)
                            tally.digits += 1
                            tally.right += bool(answer.get("top")) and answer["top"][0][0] == str(digit)
                            tally.failures += not answer.get("top")
                await asyncio.sleep(drawer.pause_seconds)
    except (TimeoutError, OSError, websockets.ConnectionClosed, ValueError):
        tally.failures += 1


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process `pid`, all its threads, from /proc."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def crowd(live_url: str, drawers: int, seconds: float, server_pids: list[int], drawer: Drawer | None = None) -> dict:
    """`drawers` simulated visitors for a warm-up plus `seconds` measured; one row of the section."""
    drawer = drawer or Drawer()
    warm_up = drawer.draw_seconds + drawer.pause_seconds + 1.0

    async def run() -> tuple[Tally, float, float, float]:
        loop = asyncio.get_running_loop()
        tally = Tally()
        start = loop.time()
        measure_from, stop_at = start + warm_up, start + warm_up + seconds
        tasks = [one_drawer(live_url, drawer, measure_from, stop_at, seed, tally) for seed in range(drawers)]
        gather = asyncio.gather(*tasks)
        await asyncio.sleep(warm_up)
        server0, own0, wall0 = sum(map(process_cpu_seconds, server_pids)), own_cpu_seconds(), time.monotonic()
        await asyncio.sleep(seconds)
        server1, own1, wall1 = sum(map(process_cpu_seconds, server_pids)), own_cpu_seconds(), time.monotonic()
        await gather
        return tally, server1 - server0, own1 - own0, wall1 - wall0

    tally, server_cpu, own_cpu, wall = asyncio.run(run())
    updates = len(tally.update_s)
    return {
        "drawers": drawers,
        "updates_per_s": round(updates / wall, 1),
        "update_p50_ms": round(1000 * statistics.median(tally.update_s), 1) if updates else None,
        "update_p95_ms": round(1000 * percentile(tally.update_s, 0.95), 1) if updates else None,
        "pen_up_p50_ms": round(1000 * statistics.median(tally.pen_up_s), 1) if tally.pen_up_s else None,
        "pen_up_p95_ms": round(1000 * percentile(tally.pen_up_s, 0.95), 1) if tally.pen_up_s else None,
        "failures": tally.failures,
        "digits": tally.digits,
        "read_right": f"{tally.right}/{tally.digits}",
        "server_cpu_ms_per_update": round(1000 * server_cpu / updates, 2) if updates else None,
        "server_cores": round(server_cpu / wall, 2),
        "generator_cores": round(own_cpu / wall, 2),
    }
