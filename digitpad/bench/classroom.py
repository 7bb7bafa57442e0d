"""Bench section `classroom`: a whole class drawing at once on one server (issue #20).

A simulated drawer behaves like the page (`app/stroke_pad.py`): it draws a digit in `draw_seconds`, sends the
strokes so far at most every 60 ms with at most one message in flight (the newest strokes go when the
answer comes back; each marked `pen_down`, as the page marks a stroke in progress), lifts the pen and sends
the final strokes at once (queued behind the one in flight), waits for the answer to them, pauses, and
draws the next digit. (The page also sends at the end of each stroke of a digit: a pen-up, which the digit
guard reads too.) It speaks the page's transport, the `/live` WebSocket, so the server does exactly what it
does for a page. All drawers run in one asyncio loop in this process (a few per cent of a core for 60), and
this process's CPU is reported beside the server's, which is read from /proc.

What it reports, per crowd size: updates answered per second, the latency of each update and of the
answer to the final strokes after pen-up (p50/p95), failures (no answer in 10 s, a closed connection, or
an answer that is not a reading), and the server's CPU per update.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import secrets
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import websockets

from digitpad.app.served import ANSWERS_LATEST_DRAWING, CHROMIUM_ARGS, PAD_TAKES_INK, Server, live_url
from digitpad.bench.browser import LABEL, RECORD_JS, stroke_timings
from digitpad.bench.harness import percentiles, served_demo
from digitpad.bench.server_processes import (
    descendants,
    own_cpu_seconds,
    process_cpu_seconds,
    replicas,
    running_on,
    wait_until_idle,
)
from digitpad.synth.pen_digits import DIGITS, scaled_strokes

PAD = 320  # px, the Draw tab's pad
SEND_EVERY = 0.060  # s, the pad's throttle (stroke_pad.SEND_INTERVAL_MS)
ANSWER_TIMEOUT = 10.0  # s: longer is a failure
CAPACITY_P95_MS = 250.0  # a crowd is kept live while the final answer's p95 stays under this


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
        cookie = {"Cookie": f"digitpad_visitor={secrets.token_hex(16)}"}  # each its own visitor behind nginx
        async with websockets.connect(url, additional_headers=cookie, open_timeout=ANSWER_TIMEOUT) as socket:
            while loop.time() < stop_at:
                digit = rng.randrange(10)
                frames = drawing_frames(digit, rng)
                began = loop.time()
                pen_up = began + drawer.draw_seconds
                sent, last_send, final = -1, -1.0, None
                while final is None:
                    now = loop.time()
                    if now >= stop_at:
                        return  # nothing sent from now on is counted: no need to finish the digit
                    lifted = now >= pen_up  # pen-up sends the final strokes at once, changed or not
                    shown = len(frames) - 1 if lifted else int((now - began) / drawer.draw_seconds * len(frames))
                    if not lifted and (shown == sent or now - last_send < SEND_EVERY):
                        await asyncio.sleep(max(0.001, min(pen_up, last_send + SEND_EVERY) - now))
                        continue
                    value = {"strokes": frames[shown], "width": PAD, "height": PAD}
                    if not lifted:  # as the page marks a stroke in progress (the digit guard waits for pen-up)
                        value["pen_down"] = True
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
                await asyncio.sleep(min(drawer.pause_seconds, max(0.0, stop_at - loop.time())))
    except (TimeoutError, OSError, websockets.ConnectionClosed, ValueError):
        tally.failures += 1


def crowd(socket_url: str, drawers: int, seconds: float, server_pids: list[int], drawer: Drawer | None = None) -> dict:
    """`drawers` simulated visitors for a warm-up (a digit and a pause, so that they no longer start together;
    no longer than `seconds`, which a smoke run keeps short) plus `seconds` measured; one row of the section."""
    drawer = drawer or Drawer()
    warm_up = min(drawer.draw_seconds + drawer.pause_seconds + 1.0, seconds)

    async def run() -> tuple[Tally, float, float, float]:
        loop = asyncio.get_running_loop()
        tally = Tally()
        start = loop.time()
        measure_from, stop_at = start + warm_up, start + warm_up + seconds
        tasks = [one_drawer(socket_url, drawer, measure_from, stop_at, seed, tally) for seed in range(drawers)]
        gather = asyncio.gather(*tasks)
        await asyncio.sleep(warm_up)
        server0, own0, wall0 = sum(map(process_cpu_seconds, server_pids)), own_cpu_seconds(), time.monotonic()
        await asyncio.sleep(seconds)
        server1, own1, wall1 = sum(map(process_cpu_seconds, server_pids)), own_cpu_seconds(), time.monotonic()
        await gather
        return tally, server1 - server0, own1 - own0, wall1 - wall0

    tally, server_cpu, own_cpu, wall = asyncio.run(run())
    updates = len(tally.update_s)
    update = percentiles(tally.update_s) if updates else {}
    pen_up = percentiles(tally.pen_up_s) if tally.pen_up_s else {}
    return {
        "drawers": drawers,
        "updates_per_s": round(updates / wall, 1),
        "update_p50_ms": update.get("median_ms"),
        "update_p95_ms": update.get("p95_ms"),
        "pen_up_p50_ms": pen_up.get("median_ms"),
        "pen_up_p95_ms": pen_up.get("p95_ms"),
        "failures": tally.failures,
        "digits": tally.digits,
        "read_right": f"{tally.right}/{tally.digits}",
        "server_cpu_ms_per_update": round(1000 * server_cpu / updates, 2) if updates else None,
        "server_cores": round(server_cpu / wall, 2),
        "generator_cores": round(own_cpu / wall, 2),
    }


# --------------------------------------------------------------------------- the section


def crowd_rows(url: str, pids: list[int], sizes: list[int], seconds: float, what: str) -> list[dict]:
    rows = []
    for drawers in sizes:
        rows.append({"what": what, **crowd(live_url(url), drawers, seconds, pids)})
        print(rows[-1], file=sys.stderr, flush=True)
    return rows


def while_training(url: str, pid: int, drawers: int, seconds: float) -> dict:
    """`drawers` drawing while a visitor's Retrain runs (the quick recipe, one epoch, through the API)."""
    from gradio_client import Client

    client = Client(url, verbose=False)
    args = {
        "model_": "digitnet",
        "recipe_": "quick",
        "epochs_": 1.0,
        "batch_": 128,
        "lr_": 0.004,
        "augment_": False,
        "device_": "auto",
    }
    job = client.submit(**args, api_name="/train")
    deadline = time.monotonic() + 120
    while not any("epoch" in str(output[0]) for output in job.outputs()) and time.monotonic() < deadline:
        time.sleep(0.5)  # until the run has started (MNIST loaded, the first steps taken)
    row = {"what": "while a Retrain runs", **crowd(live_url(url), drawers, seconds, [pid])}
    outputs = job.outputs()
    row["retrain_status"] = str(outputs[-1][0])[:80] if outputs else "(no status)"
    job.cancel()
    client.predict(api_name="/stop")
    return row


async def chromium_drawer(browser, url: str, digits: int, seed: int) -> tuple[list[float], int]:
    """One page drawing `digits` digits with the mouse at 60 points a second: (pen-up latencies per stroke,
    digits read right)."""
    from playwright.async_api import TimeoutError as PlaywrightTimeoutError

    page = await browser.new_page(viewport={"width": 1280, "height": 1000})
    await page.goto(url)
    canvas = page.locator("#pad canvas")
    await page.wait_for_function(PAD_TAKES_INK, arg="#pad", timeout=120_000)
    await page.evaluate(RECORD_JS)  # the browser section's recorder: pen-down, pen-up, each new answer
    box = await canvas.bounding_box()
    rng, latencies, right = random.Random(seed), [], 0
    for _ in range(digits):
        digit = rng.randrange(10)
        await page.evaluate("() => { window.digitpadLog = []; }")
        for stroke in DIGITS[digit]:
            points = [
                (box["x"] + (0.25 + 0.5 * x) * box["width"], box["y"] + (0.1 + 0.8 * y) * box["height"])
                for x, y in stroke
            ]
            await page.mouse.move(*points[0])
            await page.mouse.down()
            for point in points[1:]:
                await asyncio.sleep(1 / 60)
                await page.mouse.move(*point)
            await page.mouse.up()
        with contextlib.suppress(PlaywrightTimeoutError):  # until every answer is in (see browser.answered)
            await page.wait_for_function(ANSWERS_LATEST_DRAWING, timeout=10_000)
        latencies += stroke_timings(await page.evaluate("() => window.digitpadLog"))[0]
        right += (await page.locator(LABEL).inner_text()) == str(digit)
        await page.click('#pad button[aria-label="Clear canvas"]')
        await asyncio.sleep(0.5)
    await page.close()
    return latencies, right


def chromium_rows(url: str, pid: int, pages: list[int], digits: int) -> list[dict]:
    """Real pages drawing at once in headless Chromium: pen-up to the label, and the server's CPU per second."""
    from playwright.async_api import async_playwright

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        return [{"what": "Chromium rows skipped: Chromium is missing (apt-get install -y chromium)"}]

    async def run(count: int) -> dict:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            cpu0, wall0 = process_cpu_seconds(pid), time.monotonic()
            results = await asyncio.gather(*(chromium_drawer(browser, url, digits, k) for k in range(count)))
            cpu, wall = process_cpu_seconds(pid) - cpu0, time.monotonic() - wall0
            await browser.close()
        pen_up = percentiles([t for found, _ in results for t in found])
        return {
            "what": f"Chromium: {count} page{'s' if count > 1 else ''} drawing at once",
            "pen_up_p50_ms": pen_up["median_ms"],
            "pen_up_p95_ms": pen_up["p95_ms"],
            "read_right": f"{sum(r for _, r in results)}/{count * digits}",
            "server_cores": round(cpu / wall, 3),
        }

    return [asyncio.run(run(count)) for count in pages]


def within(row: dict) -> bool:
    """A crowd the server kept live: no failure, and the answer to the final strokes in CAPACITY_P95_MS at p95."""
    return not row["failures"] and (row["pen_up_p95_ms"] or 1e9) <= CAPACITY_P95_MS


def capacity(url: str, pid: int, sizes: list[int], seconds: float, what: str) -> list[dict]:
    """Crowds of growing size until one is not `within` the limit: the last one within it is the capacity."""
    rows = []
    for drawers in sizes:
        row = {"what": what, **crowd(live_url(url), drawers, seconds, descendants(pid))}
        row["within_limit"] = within(row)
        rows.append(row)
        print(row, file=sys.stderr, flush=True)
        if not row["within_limit"]:
            break
    return rows


def classroom_section(
    quick: bool, out: Path, with_replicas: bool = True, seconds: float | None = None, shared: Server | None = None
) -> list[dict]:
    """The classroom table: crowds of 1-60 simulated drawers on one server, 10 while a Retrain runs, real
    Chromium pages, and one replica against two behind nginx (each pinned to a core) at p95 <= 250 ms.
    `seconds` measured per row (after each crowd's warm-up): 20, 5 when `quick`; the tests' smoke run asks for 2."""
    seconds = seconds or (5 if quick else 20)
    logs = out.with_name(out.stem + "-logs")
    logs.mkdir(exist_ok=True)
    rows = []
    with served_demo(shared, logs / "server.log") as server:
        pid = server.process.pid
        wait_until_idle([pid])  # the Train tab warms MNIST and the engine up in the background after start
        rows += crowd_rows(server.url, [pid], [1, 10, 30, 60], seconds, "one server, simulated drawers")
        rows.append(while_training(server.url, pid, 10, seconds))
        rows += chromium_rows(server.url, pid, [1] if quick else [1, 4], 2 if quick else 8)
    if with_replicas:  # minutes of starting replicas; the smoke run leaves them to tests/e2e/test_deploy.py
        rows += replica_rows(logs, seconds, quick)
    return rows


def replica_rows(logs: Path, seconds: float, quick: bool) -> list[dict]:
    """Capacity per core: 1 replica with nginx and the load generator on one core, then 2 replicas on two.

    Everything a drawer costs (the replica's reading, nginx's proxying, the generator's own messages) is then
    paid from the same number of cores per replica, so the ratio of the two capacities says how the
    deployment scales; on a bigger machine the load comes from elsewhere and each replica has its core alone.
    """
    if not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()):
        return [{"what": "replicas skipped: nginx is missing (apt-get install -y nginx)"}]
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2:
        return [{"what": f"replicas skipped: {len(cores)} core for 2 replicas"}]
    step = 20 if quick else 15  # drawers
    rows, start = [], step
    for count in (1, 2):
        used = set(cores[:count])
        with replicas(count, logs / f"replicas-{count}.log", used) as (url, pid), running_on(used):
            wait_until_idle(descendants(pid))
            what = f"{count} replica{'s' * (count > 1)} behind nginx, all on {count} core{'s' * (count > 1)}"
            sizes = list(range(start, start + (2 if quick else 40) * step, step))
            found = capacity(url, pid, sizes, seconds, what)
        rows += found
        start = max([row["drawers"] for row in found if within(row)], default=step)  # two hold at least as many
    held = [
        max([r["drawers"] for r in rows if r["what"].startswith(f"{n} ") and r["within_limit"]], default=0)
        for n in (1, 2)
    ]
    ratio = round(held[1] / held[0], 2) if held[0] else None
    rows.append(
        {"what": "capacity per core", "one_replica_drawers": held[0], "two_replicas_drawers": held[1], "ratio": ratio}
    )
    return rows
