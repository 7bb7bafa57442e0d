"""The `server` section: N gradio_client visitors drawing at once, idle and during a training run, and the
server's memory over many drawings (`crowd` is also what the tests' crowd runs).
"""

from __future__ import annotations

import multiprocessing
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from multiprocessing.synchronize import Barrier
from pathlib import Path

import numpy as np
from PIL import Image

from digitpad.app.served import Server
from digitpad.bench.harness import percentiles, served_demo, synthetic_pad


def pad_pngs(count: int, folder: str) -> list[str]:
    """`count` different drawings of a "3" on a 280 px pad, as PNG files: visitors do not send
    identical bytes (and Gradio 6.31 races when two uploads are byte for byte the same)."""

    rng = np.random.default_rng(abs(hash(folder)) % 2**32)
    paths = []
    for i in range(count):
        shift = (int(rng.integers(-40, 40)), int(rng.integers(-30, 30)))
        paths.append(str(Path(folder) / f"drawing-{i}.png"))
        Image.fromarray(synthetic_pad(280, shift)["composite"]).save(paths[-1])
    return paths


def draw_requests(url: str, drawings: int, ready: Callable[[], object] = lambda: None) -> tuple[list[float], list[str]]:
    """One visitor: connect, wait for `ready()` (the whole crowd connected), then make `drawings` predictions
    through gradio_client; returns (latencies, what went wrong)."""
    from gradio_client import Client, handle_file

    client = Client(url, verbose=False, download_files=False)  # the label is the answer; skip the image
    folder = tempfile.mkdtemp(prefix="digitpad-visitor-")
    paths = pad_pngs(drawings, folder)
    ready()
    times, failures = [], []
    for path in paths:
        t0 = time.perf_counter()
        try:
            value = {"background": None, "layers": [], "composite": handle_file(path)}
            label = client.predict(value, api_name="/predict")[0].get("label")
            if label != "3":
                failures.append(f"read {label!r}, expected '3'")
        except Exception as e:  # noqa: BLE001 - a failed request is what we count
            failures.append(f"{type(e).__name__}: {e}"[:200])
        times.append(time.perf_counter() - t0)
    shutil.rmtree(folder, ignore_errors=True)
    return times, failures


CROWD: dict = {}  # in a crowd's processes: "connected", the barrier every visitor waits at once connected


def joined_crowd(connected: Barrier) -> None:
    CROWD["connected"] = connected


def visitor_group(url: str, visitors: int, drawings: int) -> tuple[float, list[tuple[list[float], list[str]]]]:
    """`visitors` threads in one of the crowd's processes, each drawing `drawings` times once every visitor of the
    crowd is connected: (when the crowd was released, time.time(); each visitor's latencies and failures)."""
    released: list[float] = []

    def ready() -> None:
        CROWD["connected"].wait(120)
        released.append(time.time())

    def visitor(_: int) -> tuple[list[float], list[str]]:
        try:
            return draw_requests(url, drawings, ready)
        except Exception:
            CROWD["connected"].abort()  # a visitor that cannot connect: the others stop waiting, the crowd fails
            raise

    with ThreadPoolExecutor(visitors) as pool:
        results = list(pool.map(visitor, range(visitors)))
    return min(released), results


def crowd(url: str, visitors: int, drawings: int, processes: int = 6) -> dict:
    """`visitors` gradio_client visitors drawing at once, spread over a few processes so the
    load generator's own Python threads do not queue behind one GIL; the clock starts once all are connected."""

    processes = max(1, min(processes, visitors))
    groups = [visitors // processes + (i < visitors % processes) for i in range(processes)]
    # forked from a clean server process, not from this one: a fork of a process running threads (torch's, a
    # served demo's readers) can inherit a lock one of them held, and wait on it for ever
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])  # a speed-up only; one forkserver per process, the first start wins
    connected = context.Barrier(visitors)
    with ProcessPoolExecutor(processes, context, initializer=joined_crowd, initargs=(connected,)) as pool:
        futures = [pool.submit(visitor_group, url, n, drawings) for n in groups]
        errors = [e for e in (future.exception() for future in futures) if e is not None]
    if errors:  # the visitor's own error, not the broken barrier the others then met
        raise next((e for e in errors if not isinstance(e, threading.BrokenBarrierError)), errors[0])
    started = min(future.result()[0] for future in futures)  # when the last visitor connected: the clock starts
    results = [r for future in futures for r in future.result()[1]]
    wall = time.time() - started
    times = [t for r in results for t in r[0]]
    failures = [f for r in results for f in r[1]]
    return {
        **percentiles(times),
        "requests": len(times),
        "failures": len(failures),
        "requests_per_s": round(len(times) / wall, 1),
        "first_failures": sorted(set(failures))[:3],
    }


def server_section(visitors: int, drawings: int, memory_drawings: int, shared: Server | None = None) -> list[dict]:
    """Visitors through gradio_client, on an idle demo and during a training run, then the memory over many
    drawings; on a demo of its own, or `shared`."""
    from gradio_client import Client

    rows = []
    with served_demo(shared) as server:
        times, failures = draw_requests(server.url, 30)
        rows.append(
            {
                "what": "end to end, one visitor (gradio_client, 280 px PNG)",
                **percentiles(times[5:]),
                "failures": len(failures),
            }
        )
        rows.append({"what": f"crowd {visitors}x{drawings}, idle server", **crowd(server.url, visitors, drawings)})
        # a long run (the best recipe, augmented) so that it trains through both measurements
        trainer = Client(server.url, verbose=False)
        job = trainer.submit("digitnet", "best", 10, 128, 0.003, True, "auto", api_name="/train")
        while not (job.outputs() and job.outputs()[-1][0].startswith("Training")):
            time.sleep(0.2)
        times, failures = draw_requests(server.url, 30)
        rows.append(
            {
                "what": "end to end, one visitor during a training run",
                **percentiles(times[5:]),
                "failures": len(failures),
            }
        )
        rows.append(
            {"what": f"crowd {visitors}x{drawings}, during a training run", **crowd(server.url, visitors, drawings)}
        )
        still_training = job.outputs()[-1][0].startswith("Training")
        rows[-1]["what"] += "" if still_training else " (the run ended before the crowd did)"
        trainer.predict(api_name="/stop")
        job.result()
        before = server.rss_mb()
        draw_requests(server.url, memory_drawings)
        rows.append(
            {
                "what": f"server memory over {memory_drawings} drawings",
                "rss_before_mb": round(before),
                "rss_after_mb": round(server.rss_mb()),
                "growth_mb": round(server.rss_mb() - before, 1),
            }
        )
    return rows
