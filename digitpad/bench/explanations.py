"""The `insight` section: the Draw tab's Why?, Inside and Fool it: the explanations' deletion check and
the time each view costs per drawing.
"""

from __future__ import annotations

import time

import torch

from digitpad.bench.harness import percentiles
from digitpad.read.attack import smallest_flip
from digitpad.read.classifier import ROBUST_WEIGHTS, load_classifier
from digitpad.read.explain import deletion_drops, explain
from digitpad.synth.pen_digits import stroke_pad_value
from digitpad.training.data import MNIST
from digitpad.training.device import physical_cores


def insight_section(data: MNIST, drawings: int, checked: int = 200) -> list[dict]:
    """The Draw tab's Why?, Inside and Fool it, in process on test digits 0-4999: the deletion check on
    `checked` digits and the time each view costs per drawing, over `drawings` drawings."""
    from digitpad.app.inputs import Models
    from digitpad.app.insight import fool_answer, inside_answer, why_answer

    torch.set_num_threads(physical_cores())
    clf = load_classifier()
    robust = load_classifier(ROBUST_WEIGHTS) if ROBUST_WEIGHTS.exists() else None
    images = data.test_images[:5000].numpy()
    top, random = deletion_drops(clf.model, images[:checked], clf.mean, clf.std)
    rows = [
        {
            "what": f"deletion check, {checked} test digits: probability lost, top-15% vs random-15% of the ink",
            "top": round(float(top.mean()), 3),
            "random": round(float(random.mean()), 3),
            "ratio": round(float(top.mean() / random.mean()), 1),
        }
    ]

    def timed(what: str, fn, count: int) -> None:
        fn(0)  # warm-up
        times = []
        for k in range(count):
            t0 = time.perf_counter()
            fn(k)
            times.append(time.perf_counter() - t0)
        rows.append({"what": what, **percentiles(times)})

    pad = [stroke_pad_value(k % 10) for k in range(10)]
    timed(
        "explain: integrated gradients, one 28x28 image",
        lambda k: explain(clf.model, images[k], clf.mean, clf.std),
        drawings,
    )
    timed("Why? view: two explanations, overlays, PNG", lambda k: why_answer(clf, pad[k % 10]), drawings)
    timed("Inside view: feature maps and scores as HTML", lambda k: inside_answer(clf, pad[k % 10]), drawings)
    timed(
        "Fool it: bundled model",
        lambda k: smallest_flip(clf.model, images[k], clf.mean, clf.std),
        max(3, drawings // 5),
    )
    if robust is not None:
        timed(
            "Fool it button: bundled, then the robust model",
            lambda k: fool_answer(Models(clf, robust), clf, pad[k % 10]),
            max(3, drawings // 5),
        )
    return rows
