"""digitpad.training.line_training: the line reader's training lines, batches, and a short run that learns."""

import numpy as np
import pytest

from digitpad.checkpoint import LINE_READER_WEIGHTS
from digitpad.read.line_reader import FRAME, STRIP_HEIGHT
from digitpad.training.line_training import (
    ReaderRecipe,
    angular_zero,
    batches,
    collate,
    make_lines,
    mark_ink,
    train_line_reader,
)


@pytest.fixture(scope="module")
def lines(mnist):
    return make_lines(mnist.val_images[:2000].numpy(), mnist.val_labels[:2000].numpy(), 40, seed=3, workers=1)


def test_lines_are_strips_with_their_texts(lines, mnist):
    assert len(lines.strips) == len(lines.texts) == 40
    assert all(s.dtype == np.uint8 and s.shape[0] == STRIP_HEIGHT and s.max() > 128 for s in lines.strips)
    assert all(t.isdigit() and 1 <= len(t) <= 12 for t in lines.texts)
    # long lines are long strips: about a line height per digit
    assert np.corrcoef([len(t) for t in lines.texts], [s.shape[1] for s in lines.strips])[0, 1] > 0.8
    again = make_lines(mnist.val_images[:2000].numpy(), mnist.val_labels[:2000].numpy(), 40, seed=3, workers=1)
    assert again.texts == lines.texts
    assert all(np.array_equal(a, b) for a, b in zip(again.strips, lines.strips, strict=True))


def test_marks_that_are_no_digit_are_drawn_at_the_line_height():
    rng = np.random.default_rng(0)
    for _ in range(20):
        ink = mark_ink(80, rng)
        assert ink.dtype == np.float32 and ink.max() == 1.0 and 0.01 < ink.mean() < 0.7
        assert max(ink.shape) <= 80 * (1 + 2 * 0.14) + 2  # the longer side up to the height, plus the pen


def test_batches_hold_every_line_once_with_similar_widths():
    widths = np.random.default_rng(0).integers(20, 400, 1000)
    chunks = batches(widths, 32, np.random.default_rng(1))
    assert sorted(np.concatenate(chunks).tolist()) == list(range(1000))
    assert np.median([np.ptp(widths[c]) for c in chunks]) <= 20  # vs ~370 for random batches


def test_collate_pads_with_paper_and_counts_frames(lines):
    index = np.arange(5)
    x, targets, input_lengths, target_lengths = collate(lines, index, np.random.default_rng(0))
    assert x.shape[:3] == (5, 1, STRIP_HEIGHT) and 0 <= x.min() and x.max() <= 1
    assert target_lengths.tolist() == [len(lines.texts[i]) for i in index]
    assert targets.tolist() == [int(c) for i in index for c in lines.texts[i]]
    assert all(n <= x.shape[3] // FRAME for n in input_lengths.tolist())
    plain = collate(lines, index, None)[2]
    assert plain.tolist() == [lines.strips[i].shape[1] // FRAME for i in index]  # no jitter without rng


@pytest.mark.slow
def test_a_short_run_learns(mnist):
    recipe = ReaderRecipe(lines=400, val_lines=40, epochs=3, batch_size=16, workers=1, val_numbers=2)
    events = list(train_line_reader(mnist, recipe, threads=2))
    steps = [e for e in events if e.kind == "step"]
    evals = [e for e in events if e.kind == "eval"]
    done = events[-1]
    assert len(evals) == 3 and done.kind == "done" and done.model is not None
    assert steps[-1].step == steps[-1].total_steps == len(steps)
    assert np.mean([e.train_loss for e in steps[-10:]]) < 0.7 * np.mean([e.train_loss for e in steps[:10]])
    assert done.metadata["architecture"] == "linenet" and 0 <= done.metadata["ctc_weight"] <= 1
    assert set(done.metadata["ctc_weights_tried"]) == {"0.0", "0.25", "0.5", "0.75", "1.0"}
    assert 0 <= done.metadata["peak_at"] <= 1 and 0.6 <= done.metadata["unsure_below"] < 1


def test_zeros_with_straight_sides_are_zeros_to_the_classifier(classifier):
    rng = np.random.default_rng(0)
    zeros = np.stack([angular_zero(rng) for _ in range(30)])
    assert zeros.dtype == np.uint8 and zeros.shape == (30, 28, 28) and (zeros.max((1, 2)) > 200).all()
    assert np.mean(classifier.predict_proba(zeros).argmax(1) == 0) >= 0.9
    assert len({z.tobytes() for z in zeros}) == 30  # each a little different


@pytest.mark.slow
def test_a_run_goes_on_from_a_trained_line_reader(mnist):
    """From the bundled weights, a few steps at a low rate keep most of what it reads; from scratch, nothing."""
    recipe = ReaderRecipe(
        lines=64,
        val_lines=40,
        epochs=1,
        batch_size=16,
        workers=1,
        val_numbers=2,
        lr=1e-4,
        init=str(LINE_READER_WEIGHTS),
        angular_zeros=0.3,
    )
    done = list(train_line_reader(mnist, recipe, threads=2))[-1]
    assert done.val_strings >= 50 and done.metadata["best_epoch"] == 1
    assert done.metadata["started_from"]["recipe"]["lines"] > 1000 and done.metadata["recipe"]["init"]
