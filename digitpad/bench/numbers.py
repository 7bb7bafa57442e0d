"""The `numbers` section: `read_number` on numbers composed from MNIST test digits 0-4999 (separate,
touching, photo-like): whole strings and digit counts right, time per number; and how long bad pictures take.
"""

from __future__ import annotations

import time

import numpy as np
import torch

from digitpad.bench.harness import percentiles
from digitpad.read.classifier import load_classifier
from digitpad.synth.number_set import KINDS, number_set
from digitpad.training.data import MNIST
from digitpad.training.device import physical_cores


def number_section(data: MNIST, per_kind: int) -> list[dict]:

    torch.set_num_threads(physical_cores())
    classifier = load_classifier()
    images, labels = data.test_images[:5000].numpy(), data.test_labels[:5000].numpy()
    rows, every = [], []
    for kind in KINDS:
        numbers = number_set(images, labels, kind, per_kind, seed=2026)
        classifier.read_number(numbers[0].picture)  # warm-up
        right = count = 0
        times = []
        for n in numbers:
            t0 = time.perf_counter()
            text = classifier.read_number(n.picture).text
            times.append(time.perf_counter() - t0)
            right += text == n.text
            count += len(text) == len(n.text)
        every += times
        rows.append(
            {
                "what": f"{kind} ({per_kind} numbers of 1-8 digits)",
                "strings_right_pct": round(100 * right / per_kind, 1),
                "count_right_pct": round(100 * count / per_kind, 1),
                **percentiles(times),
            }
        )
    rows.append({"what": "all kinds: time per number", **percentiles(every)})
    for name, picture in bad_number_pictures().items():
        t0 = time.perf_counter()
        try:
            answer = repr(classifier.read_number(picture).text[:12])
        except ValueError as e:  # DrawingError: a clear message is an answer too
            answer = f"error: {e}"[:60]
        rows.append({"what": f"bad input: {name}", "answer": answer, "seconds": round(time.perf_counter() - t0, 3)})
    return rows


def bad_number_pictures() -> dict[str, object]:
    """The issue's bad pictures for the number reader."""
    rng = np.random.default_rng(5)
    specks = np.full((400, 1200), 255, np.uint8)
    for y, x in zip(rng.integers(0, 396, 200), rng.integers(0, 1196, 200), strict=True):
        specks[y : y + 3, x : x + 3] = 0
    strip = np.full((60, 10_000), 255, np.uint8)
    strip[10:50, ::40] = 0
    no_digits = (rng.normal(0.8, 0.08, (600, 800, 3)).clip(0, 1) * 255).astype(np.uint8)
    return {
        "200 specks": specks,
        "10,000 px wide strip": strip,
        "one stroke across the pad": {"strokes": [[[5, 160], [955, 170]]], "width": 960, "height": 320},
        "photo without digits (noisy paper)": no_digits,
    }
