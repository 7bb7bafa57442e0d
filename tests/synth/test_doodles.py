"""The held-out hand-made doodles."""

from __future__ import annotations

import numpy as np

from digitpad.synth.doodles import DOODLES, doodle_drawings
from digitpad.synth.non_digits import SHAPES


def test_each_doodle_is_drawn_as_is_then_jittered():
    drawings = doodle_drawings(3, seed=1)
    assert [name for name, _ in drawings] == [name for name in DOODLES for _ in range(3)]
    for name, strokes in drawings:
        assert strokes and all(s.ndim == 2 and s.shape[1] == 2 and np.isfinite(s).all() for s in strokes), name
    heart, heart_jittered = drawings[0][1], drawings[1][1]
    assert len(heart) == len(heart_jittered) == 1 and not np.allclose(heart[0], heart_jittered[0])


def test_doodles_are_not_the_training_shapes():
    assert not set(DOODLES) & set(SHAPES)


def test_the_fresh_doodles_are_another_set():
    from digitpad.synth.doodles import FRESH_DOODLES

    assert not set(FRESH_DOODLES) & set(DOODLES) and not set(FRESH_DOODLES) & set(SHAPES)
    drawings = doodle_drawings(2, seed=0, doodles=FRESH_DOODLES)
    assert [name for name, _ in drawings] == [name for name in FRESH_DOODLES for _ in range(2)]
    assert all(np.isfinite(s).all() for _, strokes in drawings for s in strokes)
