"""The benchmark's `pen` section: its balanced digits, and a small run of its rows."""

from __future__ import annotations

import numpy as np
import pytest

from digitpad.bench.pen import balanced, pen_section


def test_balanced_takes_the_first_of_each_digit_from_5000_on(mnist):
    labels = mnist.test_labels.numpy()
    index = balanced(labels, 3)
    assert len(index) == 30 and index.min() >= 5000 and np.all(np.diff(index) > 0)
    assert np.array_equal(np.bincount(labels[index], minlength=10), np.full(10, 3))
    for digit in range(10):
        first = 5000 + np.flatnonzero(labels[5000:] == digit)[:3]
        assert set(first) <= set(index.tolist())


@pytest.mark.slow
def test_a_small_run_reports_the_issue_rows(mnist):
    rows = pen_section(mnist, per_digit=3, repeats=5, retrain_runs=0, drawers=0)
    pad, reference, raw, photos, reading = rows
    assert pad["what"].startswith("test digits 5000-9999 as pad strokes (30")
    for row in (pad, reference, photos):
        assert 0 <= row["accuracy_pct"] <= 100 and row["errors"] == round(30 * (1 - row["accuracy_pct"] / 100))
    assert pad["accuracy_pct"] >= 90 and 0 <= pad["guard_rejects_pct"] <= 100
    assert raw["accuracy_pct"] >= 99.6 and raw["errors"] == round(100 * (100 - raw["accuracy_pct"]))
    assert photos["accuracy_pct"] >= 80
    assert reading["ms"] > 0
