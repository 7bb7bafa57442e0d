"""Bench section `abuse`: one anonymous visitor with bad intent, while a class draws (issue #27).

Ten honest drawers (the classroom section's simulated pages, on the `/live` socket from 127.0.0.1) draw the
whole time; one attacker at a time, from its own loopback address (127.0.0.2), attacks for `seconds`. Each
row reports what the honest drawers saw (pen-up -> final answer, failures, digits read right), the server's
largest resident memory during the row, and what the attacker got. The last two rows have no drawers: 20
Retrains from 20 new sessions of one address, and a flood of corrections.

The attacker's tools and its five attacks (the table's first row is the baseline, none) are in `bench.attacks`.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import secrets
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from digitpad.app.served import Server, live_url
from digitpad.bench.attacks import ATTACKS, Attack, attacking, call, digit_strokes, http
from digitpad.bench.classroom import crowd
from digitpad.bench.harness import served_demo
from digitpad.bench.server_processes import wait_until_idle
from digitpad.training.run_settings import TRAIN_IMAGES, defaults_for

HONEST_DRAWERS = 10  # the class drawing through every row

# ------------------------------------------------------------------ rows


def under_attack(server: Server, name: str, attack: Attack | None, seconds: float) -> dict:
    """Honest drawers for `seconds` while `attack` runs (from before they start to after they stop)."""
    context = multiprocessing.get_context("spawn")
    started, stop, results = context.Event(), context.Event(), context.Queue()
    outcome, peak = {}, [server.rss_mb()]

    def sample() -> None:
        while not stop.is_set():
            peak.append(server.rss_mb())
            time.sleep(0.1)

    sampler = threading.Thread(target=sample)
    sampler.start()
    attacker = None
    if attack is not None:
        attacker = context.Process(target=attacking, args=(attack, server.url, started, stop, results))
        attacker.start()
        if not started.wait(60):
            raise RuntimeError(f"the attacker {name!r} did not start (exit code {attacker.exitcode})")
        time.sleep(1.0)  # the attack is under way before the class is measured
    honest = crowd(live_url(server.url), HONEST_DRAWERS, seconds, [server.process.pid])
    stop.set()
    sampler.join()
    if attacker is not None:
        outcome = results.get(timeout=300)
        attacker.join()
    return {
        "attack": name,
        "honest_pen_up_p95_ms": honest["pen_up_p95_ms"],
        "honest_failures": honest["failures"],
        "honest_read_right": honest["read_right"],
        "server_rss_max_mb": round(max(peak)),
        **outcome,
    }


def training_flood(server: Server, sessions: int) -> dict:
    """`sessions` new visitors of one address each press Retrain: how many get a run, how many a sentence. Each
    keeps its run's stream open until every one has its first answer: a visitor who leaves gives up its run
    (Gradio ends the event), and the address may then have another, one at a time, as it should."""
    tab = defaults_for("quick")  # the Train tab's fields, in the /train API's order
    defaults = [tab["model"], "quick", tab["epochs"], tab["batch_size"], tab["lr"], tab["augment"], "auto"]
    defaults += [TRAIN_IMAGES[0], tab["dropout"], tab["weight_decay"], False]  # all the images, no corrections
    visitors = [http() for _ in range(sessions)]
    for visitor in visitors:
        visitor.get(server.url)  # the page: the server issues this visitor's cookie
    answered = threading.Barrier(sessions, timeout=120)

    def hold() -> None:
        with contextlib.suppress(threading.BrokenBarrierError):
            answered.wait()

    def press_retrain(visitor) -> str:
        try:
            return call(visitor, server.url, "train", defaults, first_only=True, hold=hold)
        finally:
            answered.abort()  # all have passed, or this one got no stream: nobody waits for it

    with ThreadPoolExecutor(sessions) as pool:
        first = list(pool.map(press_retrain, visitors))
    refused = [text for text in first if "already have a training run" in text]
    taken = [text for text in first if "already have a training run" not in text]
    for visitor in visitors:
        call(visitor, server.url, "stop", [])
    return {
        "attack": f"/train from {sessions} new sessions of one address",
        "runs_taken": len(taken),
        "refused_with_a_sentence": len(refused),
        "attacker_saw": (refused[0] if refused else first[0])[:110],
        "taken_saw": " | ".join(text[:80] for text in taken),
    }


def corrections_flood(server: Server, calls: int) -> dict:
    """`calls` corrections from one address, each from a new visitor cookie (cookies are free to make)."""
    value = {"strokes": digit_strokes(3), "width": 320, "height": 320}
    answers: list[str] = []

    def one(_: int) -> None:
        with http(secrets.token_hex(16)) as visitor:  # a new visitor each time
            answers.append(call(visitor, server.url, "correct", [value, "3"]))

    started = time.monotonic()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(one, range(calls)))
    saved = sum("Saved as a 3" in a for a in answers)
    database = Path(server.home.name) / "digitpad.sqlite"
    size = sum(p.stat().st_size for p in database.parent.glob("digitpad.sqlite*"))
    refusals = [a for a in answers if "Not saved" in a]
    return {
        "attack": f"{calls:,} /correct calls from one address, a new cookie each",
        "saved": saved,
        "refused_with_a_sentence": len(refusals),
        "database_kb": round(size / 1024),
        "seconds": round(time.monotonic() - started, 1),
        "attacker_saw": (refusals[-1] if refusals else answers[-1])[:110],
    }


def abuse_section(smoke: bool, out: Path, seconds: float | None = None, shared: Server | None = None) -> list[dict]:
    """The abuse table (see the module's docstring), on a demo of its own or `shared`. `smoke`: 4 s rows (or
    `seconds`), 60 corrections."""
    seconds = seconds or (4 if smoke else 15)
    logs = out.with_name(out.stem + "-logs")
    logs.mkdir(exist_ok=True)
    rows = []
    with served_demo(shared, logs / "abuse-server.log") as server:
        wait_until_idle([server.process.pid])
        for name, attack in ATTACKS:
            rows.append(under_attack(server, name, attack, seconds))
            print(rows[-1], file=sys.stderr, flush=True)
        rows.append(training_flood(server, 20))
        rows.append(corrections_flood(server, 60 if smoke else 10_000))
    return rows
