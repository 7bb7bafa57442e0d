"""digitpad.read.line_reader: the CTC line reader's network, greedy decoding and the bundled weights."""

import numpy as np
import pytest
import torch

from digitpad.checkpoint import LINE_READER_WEIGHTS
from digitpad.read.line_decode import BLANK, greedy_decode
from digitpad.read.line_reader import FRAME, STRIP_HEIGHT, LineNet, bundled_line_reader


def frames_of(*classes: int, sure: float = 0.9) -> np.ndarray:
    """Log-probabilities (T, 11) whose best class in each frame is the one given."""
    probs = np.full((len(classes), 11), (1 - sure) / 10)
    probs[np.arange(len(classes)), classes] = sure
    return np.log(probs)


def test_greedy_decoding_merges_repeats_and_drops_blanks():
    _ = BLANK
    found = greedy_decode(frames_of(_, 1, 1, _, 1, _, _, 7, 7, 7, _, 0))
    assert [f.digit for f in found] == [1, 1, 7, 0]  # "11" needs the blank between its two 1s
    assert [f.frame for f in found][:2] == [1, 4] and 7 <= found[2].frame <= 9
    assert all(f.probs.shape == (10,) and f.probs.sum() == pytest.approx(1) for f in found)
    assert greedy_decode(frames_of(_, _, _)) == []


def test_the_peak_is_the_surest_frame_of_a_run():
    log_probs = frames_of(BLANK, 3, 3, 3, BLANK)
    log_probs[3, 3] = np.log(0.99)
    assert greedy_decode(log_probs)[0].frame == 3


def test_one_output_per_frame_for_any_width():
    model = LineNet().eval()
    with torch.inference_mode():
        for width in (2, 64, 301):
            out = model(torch.rand(2, 1, STRIP_HEIGHT, width))
            assert out.shape == (2, width // FRAME, 11)
            assert torch.allclose(out.exp().sum(-1), torch.ones(2, width // FRAME), atol=1e-5)


def test_bundled_weights_are_small_and_say_what_they_are():
    assert LINE_READER_WEIGHTS.stat().st_size <= 2_000_000
    reader = bundled_line_reader()
    meta = reader.metadata
    assert meta["architecture"] == "linenet" and "CTC" in meta["task"]
    assert 0 <= reader.weight <= 1 and meta["ctc_weight"] == reader.weight
    assert 0.2 <= reader.peak_at <= 0.8 and 0.6 <= reader.unsure_below < 1  # measured on validation numbers
    assert meta["val_strings_pct"] >= 80  # lines of 1-12 digits, with marks: harder than the numbers
    runs = meta["train_seconds"] + (meta["started_from"] or {}).get("train_seconds", 0)  # and the run it went on from
    assert runs <= 2 * 60 * 60  # the training budget: 2 hours on the 2-core CPU


def test_reads_a_blank_strip_as_nothing():
    assert bundled_line_reader().read(np.zeros((STRIP_HEIGHT, 120), np.float32)) == []
