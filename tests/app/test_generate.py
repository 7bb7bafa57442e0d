"""The Generate tab: the functions directly, then `/generate` through the running server."""

from __future__ import annotations

import re

import numpy as np
import pytest
from PIL import Image

from digitpad.app.generate import generate_samples, shown, style_walk
from digitpad.gan.generator import load_generator


@pytest.fixture(scope="module")
def generator():
    return load_generator()


def test_every_sample_says_what_the_classifier_reads(generator, classifier):
    gallery, note, pictures, asked = generate_samples(generator, classifier, "7", 16, 3)
    assert len(gallery) == 16 and pictures.shape == (16, 28, 28) and asked == [7] * 16
    reads = classifier.predict_proba(pictures).argmax(1)
    for k, ((image, caption), read) in enumerate(zip(gallery, reads, strict=True)):
        assert caption.startswith(f"#{k + 1} · reads {read} (") and (" ✗ asked 7" in caption) == (read != 7)
        corner = np.asarray(image)[0, 0]
        assert tuple(corner) == ((220, 38, 38) if read != 7 else (0, 0, 0))  # a red frame marks disagreement
    agreed = int((reads == 7).sum())
    assert f"**{agreed} of 16**" in note or (agreed == 16 and "**all 16**" in note)


def test_any_digit_and_the_same_seed_the_same_grid(generator, classifier):
    first = generate_samples(generator, classifier, "any", 64, 9)
    again = generate_samples(generator, classifier, "any", 64, 9)
    assert np.array_equal(first[2], again[2]) and first[3] == again[3] and len(set(first[3])) == 10


@pytest.mark.parametrize(
    "digit, count, seed, reason",
    [
        ("12", 4, 0, "digit must be 0 to 9"),
        ("x", 4, 0, "digit must be 0 to 9"),
        ("3", 0, 0, "1 to 64"),
        ("3", 65, 0, "1 to 64"),
        ("3", 4, -5, "seed must be between"),
        ("3", 4, 10**30, "seed must be between"),
        ("3", 4, float("nan"), "whole number"),
        ("3", 4, None, "whole number"),
    ],
)
def test_bad_requests_get_a_sentence(generator, classifier, digit, count, seed, reason):
    gallery, note, pictures, asked = generate_samples(generator, classifier, digit, count, seed)
    assert gallery == [] and pictures is None and note.startswith("Can't generate that:") and reason in note


def test_style_walk_strip(generator):
    path, caption = style_walk(generator, [4, 4], 1, 2)
    assert Image.open(path).size == (4 * (8 * 28 + 7 * 2), 4 * 28)
    assert caption == "A 4 walking from seed 1's style (left) to seed 2's (right)."
    assert style_walk(generator, [4], 1, -2) == (
        None,
        f"Can't walk there: the seed must be between 0 and {2**63 - 1:,}, not -2.",
    )


def test_shown_frames_and_enlarges():
    picture = np.zeros((28, 28), np.uint8)
    picture[10, 20] = 200
    wrong, right = np.asarray(shown(picture, wrong=True)), np.asarray(shown(picture, wrong=False))
    assert wrong.shape == right.shape == (118, 118, 3)
    assert tuple(wrong[0, 0]) == (220, 38, 38) and tuple(right[0, 0]) == (0, 0, 0)
    assert (wrong[3 + 40 : 3 + 44, 3 + 80 : 3 + 84] == 200).all() and (wrong[3:-3, 3:-3] == right[3:-3, 3:-3]).all()


@pytest.fixture(scope="module")
def client(server_url):
    from gradio_client import Client

    return Client(server_url, verbose=False)


def test_generate_api_returns_the_grid(client):
    gallery, note = client.predict("5", 12, 7, api_name="/generate")
    assert len(gallery) == 12 and note.startswith("Seed 7: the bundled classifier reads")
    captions = [item["caption"] for item in gallery]
    assert all(re.match(r"#\d+ · reads \d \(\d+%\)", c) for c in captions)
    assert Image.open(gallery[0]["image"]).size == (118, 118)
    assert sum("reads 5" in c for c in captions) >= 10


def test_generate_api_bad_input_then_it_goes_on(client):
    from gradio_client.exceptions import AppError

    for digit, count, seed in (("11", 4, 0), ("3", 4, -1), ("3", 4, 1e300), ("3", 4, 2.5), ("seven", 4, 0)):
        gallery, note = client.predict(digit, count, seed, api_name="/generate")
        assert gallery == [] and note.startswith("Can't generate that:"), note
    with pytest.raises(AppError, match="greater than maximum value 64"):  # the slider's own bounds
        client.predict("3", 500, 0, api_name="/generate")
    assert len(client.predict("any", 3, 1, api_name="/generate")[0]) == 3
