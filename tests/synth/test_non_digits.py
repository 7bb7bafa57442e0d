"""Non-digit drawings as strokes: which characters, which fonts, shapes and their variations."""

from __future__ import annotations

import numpy as np
import pytest

from digitpad.synth.non_digits import (
    DIGIT_LIKE,
    HELD_OUT_FONTS,
    NON_DIGIT_CHARS,
    SHAPES,
    TRAIN_FONTS,
    font_drawings,
    font_glyphs,
    jitter,
    non_digit_drawings,
)


def test_letters_that_are_digits_when_handwritten_are_never_non_digits():
    for char in "OoIlSsZzBGqgb|/\\":
        assert char in DIGIT_LIKE and char not in NON_DIGIT_CHARS
    assert not set("0123456789") & set(NON_DIGIT_CHARS)
    assert {"A", "H", "W", "#", "$", "-", "k", "x"} <= set(NON_DIGIT_CHARS)


def test_the_held_out_style_is_never_a_training_font():
    assert not set(HELD_OUT_FONTS) & set(TRAIN_FONTS)


@pytest.mark.parametrize("font", [*TRAIN_FONTS, *HELD_OUT_FONTS])
def test_every_font_draws_the_letters_as_strokes(font):
    glyphs = font_glyphs(font)
    assert set("AHW#") <= set(glyphs) and set(glyphs) <= set(NON_DIGIT_CHARS)
    for strokes in glyphs.values():
        assert all(s.ndim == 2 and s.shape[1] == 2 and np.isfinite(s).all() for s in strokes)


def test_y_points_down():
    a = np.vstack(font_glyphs("futural")["A"])  # an A's apex is its topmost point, half way across
    assert a[a[:, 1].argmin(), 0] == pytest.approx((a[:, 0].min() + a[:, 0].max()) / 2, abs=1)


@pytest.mark.parametrize("name", SHAPES)
def test_shapes_are_finite_strokes(name):
    rng = np.random.default_rng(0)
    for _ in range(20):
        strokes = SHAPES[name](rng)
        assert strokes and all(s.ndim == 2 and s.shape[1] == 2 and np.isfinite(s).all() for s in strokes)


def test_jitter_keeps_the_drawing_and_its_strokes():
    strokes = font_drawings(("rowmans",))[0][1]
    same = jitter(strokes, np.random.default_rng(0), amount=0.0)
    moved = jitter(strokes, np.random.default_rng(0))
    assert len(same) == len(moved) == len(strokes) and [len(s) for s in moved] == [len(s) for s in strokes]
    points, kept = np.vstack(strokes), np.vstack(same)
    scale = np.ptp(points, 0).max() / np.ptp(kept, 0).max()
    assert np.allclose((kept - kept.mean(0)) * scale, points - points.mean(0))  # amount 0: only scaled and moved
    assert np.ptp(np.vstack(moved), 0).max() == pytest.approx(100, rel=0.5)


def test_drawings_are_repeatable_and_mixed():
    first = non_digit_drawings(200, np.random.default_rng(3))
    again = non_digit_drawings(200, np.random.default_rng(3))
    assert [name for name, _ in first] == [name for name, _ in again]
    assert all(
        np.array_equal(a, b) for (_, x), (_, y) in zip(first, again, strict=True) for a, b in zip(x, y, strict=True)
    )
    sources = {name.split(":")[0] for name, _ in first}
    assert "shape" in sources and sources - {"shape"} <= set(TRAIN_FONTS) and len(sources) > 5
