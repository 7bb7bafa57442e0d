"""The `teach` section: corrections and Teach it through the running app."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from digitpad.app.served import Server
from digitpad.bench.harness import served_demo
from digitpad.synth.segment_writer import segment_drawings, segment_pad_value
from digitpad.teach.store import CorrectionStore


def teach_section(visitors: int, per_visitor: int, new_per_digit: int, shared: Server | None = None) -> list[dict]:
    """Corrections and Teach it through the running app (a demo of its own, or `shared`, whose database then holds
    no corrections yet): a crowd storing corrections at the same moment; then the seven-segment writer corrects 3
    drawings per digit, presses Teach it, and draws `new_per_digit` new ones of each digit."""
    from gradio_client import Client

    rows = []
    with served_demo(shared) as server:
        home = server.home.name
        clients = [Client(server.url, verbose=False) for _ in range(visitors)]
        start = time.monotonic() + 1.0

        def store_corrections(client: Client) -> list[str]:
            time.sleep(max(0.0, start - time.monotonic()))  # all at the same moment
            return [
                client.predict(segment_pad_value(k % 10, k), k % 10, api_name="/correct") for k in range(per_visitor)
            ]

        with ThreadPoolExecutor(visitors) as pool:
            answers = [a for group in pool.map(store_corrections, clients) for a in group]
        stored = CorrectionStore(Path(home) / "digitpad.sqlite").count()
        rows.append(
            {
                "what": f"{visitors} visitors storing {per_visitor} corrections each at once",
                "rows": stored,
                "errors": sum(not a.startswith("Saved") for a in answers),
                "database_locked": sum("locked" in a or "busy" in a for a in answers),
                "seconds": round(time.monotonic() - start, 2),
            }
        )
        writer = Client(server.url, verbose=False)
        values, labels = segment_drawings(3, first_seed=0)
        for value, label in zip(values, labels, strict=True):
            writer.predict(value, int(label), api_name="/correct")
        new_values, new_labels = segment_drawings(new_per_digit, first_seed=10_000)

        def read_right(choice: str) -> float:
            read = [writer.predict(v, choice, api_name="/predict_strokes")[0]["label"] for v in new_values]
            return round(100 * float(np.mean([r == str(d) for r, d in zip(read, new_labels, strict=True)])), 1)

        before = read_right("bundled")
        t0 = time.monotonic()
        final = writer.predict(api_name="/finetune")[0]
        wall = time.monotonic() - t0
        mnist_acc = float(final.split("reads ")[1].split("%")[0]) if "reads " in final else None
        rows.append(
            {
                "what": f"Teach it: seven-segment writer, {len(values)} corrections, {len(new_values)} new drawings",
                "read_right_before_pct": before,
                "read_right_after_pct": read_right("mine"),
                "teach_wall_s": round(wall, 1),
                "mnist_test_acc_pct": mnist_acc,
            }
        )
    return rows
