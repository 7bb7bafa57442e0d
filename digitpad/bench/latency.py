"""The `latency` section: pad value -> probabilities (preprocessing and model split) on 280 and 800 px pads,
strokes -> probabilities, and how long bad stroke input takes (in process, and through the running app).
"""

from __future__ import annotations

import time

import torch

from digitpad.bench.harness import percentiles, synthetic_pad
from digitpad.ink.preprocess import to_mnist
from digitpad.ink.strokes import parse_strokes, strokes_to_mnist
from digitpad.read.classifier import load_classifier
from digitpad.synth.pen_digits import stroke_pad_value
from digitpad.training.device import physical_cores


def latency_section(repeats: int) -> list[dict]:

    torch.set_num_threads(physical_cores())
    classifier = load_classifier()
    rows = []
    for size in (280, 800):
        value = synthetic_pad(size)
        pre, model, total = [], [], []
        for i in range(repeats + 5):
            t0 = time.perf_counter()
            image = to_mnist(value)
            t1 = time.perf_counter()
            classifier.predict_proba(image)
            t2 = time.perf_counter()
            if i >= 5:  # warm-up excluded
                pre.append(t1 - t0), model.append(t2 - t1), total.append(t2 - t0)
        rows.append({"what": f"pad {size}x{size}: to_mnist", **percentiles(pre)})
        rows.append({"what": f"pad {size}x{size}: model", **percentiles(model)})
        rows.append({"what": f"pad {size}x{size}: total", **percentiles(total)})
    rows.append({"what": "stroke pad: strokes to probabilities (digits 0-9)", **percentiles(strokes_latency(repeats))})
    return rows


def strokes_latency(repeats: int) -> list[float]:
    """Seconds per stroke pad update, in process: the value as the browser sends it (the test
    digits 0-9 drawn on the 320 px pad) -> parsed -> rendered in MNIST format -> probabilities."""

    classifier = load_classifier()
    values = [stroke_pad_value(d) for d in range(10)]
    times = []
    for i in range(repeats + 5):
        t0 = time.perf_counter()
        classifier.predict_proba(strokes_to_mnist(parse_strokes(values[i % 10]).strokes))
        if i >= 5:  # warm-up excluded
            times.append(time.perf_counter() - t0)
    return times


def bad_strokes() -> dict[str, object]:
    """What a public demo's stroke endpoint will be sent: name -> pad value."""
    line = [[10.0, 10.0], [20.0, 20.0]]
    return {
        "malformed JSON": '{"strokes": [[[1, 2], oops',
        "NaN coordinates": {"strokes": [[[float("nan"), 3.0], [4.0, 5.0]]], "width": 320, "height": 320},
        "points far outside": {"strokes": [[[10, 10], [90_000, 50]]], "width": 320, "height": 320},
        "100,000 points": {"strokes": [[[i % 300, i % 290] for i in range(100_000)]], "width": 320, "height": 320},
        "5,000 strokes": {"strokes": [line] * 5_000, "width": 320, "height": 320},
        "empty list": {"strokes": [], "width": 320, "height": 320},
    }


def bad_input_latency(url: str | None = None) -> list[dict]:
    """Seconds to the answer (a message, or the empty-pad hint) for each bad stroke input: in
    process (`read_strokes`), and through the running app with gradio_client when `url` is given."""
    from digitpad.app.readings import read_strokes

    classifier = load_classifier()
    client = None
    if url:
        from gradio_client import Client

        client = Client(url, verbose=False, download_files=False)
    rows = []
    for name, value in bad_strokes().items():
        t0 = time.perf_counter()
        label, _, verdict = read_strokes(value, classifier)
        row = {"what": f"bad input: {name}", "in_process_ms": round(1000 * (time.perf_counter() - t0), 2)}
        if client is not None and name != "NaN coordinates":  # gradio_client cannot send NaN
            t0 = time.perf_counter()
            try:
                client.predict(value, api_name="/predict_strokes")
            except Exception as e:  # noqa: BLE001 - oversized bodies are refused with a 413
                verdict = f"refused: {e}".splitlines()[0]
            row["through_the_app_ms"] = round(1000 * (time.perf_counter() - t0), 1)
        row["answer"] = verdict[:80]
        rows.append(row)
    return rows
