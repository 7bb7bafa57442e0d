"""The `numbers` section: `read_number` on numbers composed from MNIST test digits (separate, touching,
photo-like; `synth.number_set`): whole strings and digit counts right, the line reader alone against the
combined reading per length, repeated digits, boxes, unsure marks, time per number on a 960x320 pad, and how
long bad pictures take. The report uses all 10,000 test digits; nothing here chose anything.
"""

from __future__ import annotations

import tempfile
import time

import numpy as np
import torch

from digitpad.bench.harness import percentiles
from digitpad.read.classifier import load_classifier
from digitpad.read.line_reader import bundled_line_reader
from digitpad.read.number_reader import NumberReading, read_number
from digitpad.synth.number_set import KINDS, MAX_LENGTH, compose, iou, number_set
from digitpad.synth.pen_digits import number_pad_value
from digitpad.training.data import MNIST

IOU_GOOD = 0.5  # a box overlapping the true ink box this much is in the right place
PAD_THREADS = 2


def repeated_numbers(images: np.ndarray, labels: np.ndarray, count: int, seed: int) -> list[tuple[np.ndarray, str]]:
    """Touching numbers of one digit repeated ("11", "00", "777"), 2-4 long."""
    rng = np.random.default_rng([seed, 7])
    numbers = []
    for k in range(count):
        digit, length = k % 10, int(rng.integers(2, 5))
        picks = rng.choice(np.flatnonzero(labels == digit), size=length, replace=False)
        picture, _ = compose([images[i] for i in picks], "touching", rng)
        numbers.append((picture, str(digit) * length))
    return numbers


def pad_numbers(count: int, seed: int) -> list[dict]:
    """960x320 stroke pad values of 1-8 random digits, written as on the Number tab's wide pad."""
    rng = np.random.default_rng([seed, 9])
    texts = ["".join(map(str, rng.integers(0, 10, int(rng.integers(1, MAX_LENGTH + 1))))) for _ in range(count)]
    return [number_pad_value(text, gap=float(rng.uniform(0.05, 0.4))) for text in texts]


def kind_row(classifier, numbers, kind: str) -> tuple[dict, dict]:
    """The row for one kind, and the per-digit tallies (boxes, unsure marks, per length) it adds to."""
    reader = bundled_line_reader()
    tally = {
        "lengths": {},
        "iou_good": 0,
        "iou_all": 0,
        "wrong": 0,
        "wrong_marked": 0,
        "unmarked": 0,
        "unmarked_wrong": 0,
        "right": 0,
        "right_marked": 0,
    }
    right = ctc_right = count = 0
    times = []
    for n in numbers:
        t0 = time.perf_counter()
        reading: NumberReading = classifier.read_number(n.picture)
        times.append(time.perf_counter() - t0)
        ctc_text = read_number(classifier, n.picture, reader, classifier.is_digit, weight=1.0).text
        right += reading.text == n.text
        ctc_right += ctc_text == n.text
        count += len(reading.text) == len(n.text)
        per_length = tally["lengths"].setdefault(len(n.text), [0, 0, 0])
        per_length[0] += 1
        per_length[1] += ctc_text == n.text
        per_length[2] += reading.text == n.text
        if len(reading.text) != len(n.text):
            continue
        truth = n.ink_boxes() or [None] * len(n.text)
        for d, char, box in zip(reading.digits, n.text, truth, strict=True):
            wrong = str(d.digit) != char
            tally["wrong"] += wrong
            tally["wrong_marked"] += wrong and d.unsure
            tally["unmarked"] += not d.unsure
            tally["unmarked_wrong"] += wrong and not d.unsure
            tally["right"] += not wrong
            tally["right_marked"] += not wrong and d.unsure
            if not wrong and box is not None:
                tally["iou_all"] += 1
                tally["iou_good"] += iou(d.box, box) >= IOU_GOOD
    total = len(numbers)
    row = {
        "what": f"{kind} ({total} numbers of 1-8 digits)",
        "strings_right_pct": round(100 * right / total, 1),
        "ctc_alone_pct": round(100 * ctc_right / total, 1),
        "count_right_pct": round(100 * count / total, 1),
        **percentiles(times),
    }
    return row, tally


def number_section(data: MNIST, per_kind: int) -> list[dict]:
    torch.set_num_threads(PAD_THREADS)
    classifier = load_classifier()
    images, labels = data.test_images.numpy(), data.test_labels.numpy()  # all 10,000: the report
    rows, tallies = [], []
    for kind in KINDS:
        numbers = number_set(images, labels, kind, per_kind, seed=2026)
        classifier.read_number(numbers[0].picture)  # warm-up
        row, tally = kind_row(classifier, numbers, kind)
        rows.append(row)
        tallies.append(tally)
    touching = rows[KINDS.index("touching")]["strings_right_pct"]
    repeated = repeated_numbers(images, labels, max(20, per_kind // 3), seed=2026)
    repeated_right = np.mean([classifier.read_number(p).text == t for p, t in repeated])
    rows.append(
        {
            "what": f"repeated digits, touching ({len(repeated)}: 11, 000, 7777 ...)",
            "strings_right_pct": round(100 * repeated_right, 1),
            "touching_pct": touching,
        }
    )
    for length in range(1, MAX_LENGTH + 1):
        n, ctc, combined = (sum(t["lengths"].get(length, [0, 0, 0])[k] for t in tallies) for k in range(3))
        if n:
            rows.append(
                {
                    "what": f"length {length} (all kinds, {n} numbers)",
                    "ctc_alone_pct": round(100 * ctc / n, 1),
                    "combined_pct": round(100 * combined / n, 1),
                }
            )
    rows += marks_rows(tallies)
    pads = pad_numbers(max(20, per_kind // 3), seed=2026)
    classifier.read_number(pads[0])
    times = []
    for value in pads:
        t0 = time.perf_counter()
        classifier.read_number(value)
        times.append(time.perf_counter() - t0)
    pad_row = f"time per number, 960x320 pad, {PAD_THREADS} threads ({len(pads)} numbers)"
    rows.append({"what": pad_row, **percentiles(times)})
    for name, picture in bad_number_pictures().items():
        t0 = time.perf_counter()
        try:
            answer = repr(classifier.read_number(picture).text[:12])
        except ValueError as e:  # DrawingError: a clear message is an answer too
            answer = f"error: {e}"[:60]
        rows.append({"what": f"bad input: {name}", "answer": answer, "seconds": round(time.perf_counter() - t0, 3)})
    return rows


def marks_rows(tallies: list[dict]) -> list[dict]:
    """The boxes and unsure marks over every kind: boxes on their digits, wrong digits marked unsure, errors left
    unmarked, right digits marked all the same."""
    summed = {k: sum(t[k] for t in tallies) for k in tallies[0] if k != "lengths"}

    def share(part: str, whole: str, digits: int = 1) -> float:
        return round(100 * summed[part] / max(1, summed[whole]), digits)

    return [
        {
            "what": "boxes: correctly read digits, IoU >= 0.5 with the ink (separate, touching)",
            "pct": share("iou_good", "iou_all", 2),
            "digits": summed["iou_all"],
        },
        {"what": "wrong digits marked unsure", "pct": share("wrong_marked", "wrong"), "wrong": summed["wrong"]},
        {
            "what": "errors among digits not marked unsure",
            "pct": share("unmarked_wrong", "unmarked", 2),
            "unmarked": summed["unmarked"],
        },
        {"what": "correctly read digits marked unsure all the same", "pct": share("right_marked", "right")},
    ]


def bad_number_pictures() -> dict[str, object]:
    """The issue's bad pictures for the number reader."""
    rng = np.random.default_rng(5)
    specks = np.full((400, 1200), 255, np.uint8)
    for y, x in zip(rng.integers(0, 396, 200), rng.integers(0, 1196, 200), strict=True):
        specks[y : y + 3, x : x + 3] = 0
    strip = np.full((60, 10_000), 255, np.uint8)
    strip[10:50, ::40] = 0
    no_digits = (rng.normal(0.8, 0.08, (600, 800, 3)).clip(0, 1) * 255).astype(np.uint8)
    forty = np.full((120, 40 * 70 + 40, 3), 255, np.uint8)
    for k in range(40):  # forty bars: 40 "digits" in a row
        forty[20:100, 40 + k * 70 : 52 + k * 70] = 0
    return {
        "200 specks": specks,
        "10,000 px wide strip": strip,
        "40 marks in a row": forty,
        "one stroke across the pad": {"strokes": [[[5, 160], [955, 170]]], "width": 960, "height": 320},
        "photo without digits (noisy paper)": no_digits,
        "a broken picture (a PNG file cut short)": broken_png(),
    }


def broken_png() -> str:
    """A file that starts as a PNG and stops after its signature, as an interrupted upload leaves it."""
    with tempfile.NamedTemporaryFile(suffix=".png", delete=False) as f:
        f.write(b"\x89PNG\r\n\x1a\n" + bytes(8))
    return f.name
