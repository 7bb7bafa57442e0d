"""The benchmark's `not_digit` section: its AUROC, its reference digits, and a small run."""

from __future__ import annotations

import numpy as np
import pytest

from digitpad.bench.not_digit import auroc, not_digit_section, reference_redrawn
from digitpad.ink.strokes import strokes_to_mnist
from digitpad.synth.redrawn import redrawn_strokes


def test_auroc():
    assert auroc(np.array([3.0, 4.0]), np.array([1.0, 2.0])) == 1.0
    assert auroc(np.array([1.0, 2.0]), np.array([3.0, 4.0])) == 0.0
    assert auroc(np.array([1.0, 3.0]), np.array([2.0, 2.0])) == 0.5
    rng = np.random.default_rng(0)
    assert auroc(rng.normal(1, 1, 4000), rng.normal(0, 1, 4000)) == pytest.approx(0.76, abs=0.02)  # Φ(1/√2)


def test_reference_digits_are_the_renderer_tests_strokes(mnist):
    """The stroke renderer's reference test re-draws all 10,000 test digits with one generator: skipping to
    digit k gives digit k the very same strokes."""
    images = mnist.test_images[:8].numpy()
    rng = np.random.default_rng(0)
    in_order = np.stack([strokes_to_mnist(redrawn_strokes(image, rng)[0]) for image in images])
    assert np.array_equal(reference_redrawn(images, slice(5, 8)), in_order[5:])


@pytest.mark.slow
def test_a_small_run_reports_each_method_and_the_cost(mnist):
    rows = not_digit_section(mnist, digits=40, variants=1, repeats=5)
    methods = {row["what"].split(" (")[0]: row for row in rows[:3]}
    assert set(methods) == {"max-softmax", "energy", "digit guard"}
    for row in methods.values():
        assert 0 <= row["auroc"] <= 1 and 0 <= row["non_digits_rejected_pct"] <= 100
    assert methods["digit guard"]["auroc"] > methods["max-softmax"]["auroc"]
    cost, accuracy = rows[3:]
    assert cost["with_is_digit_ms"] > 0 and cost["model_ms"] > 0
    assert accuracy["accuracy_pct"] >= 99.6
