import numpy as np
import pytest

from digitpad.read.classifier import BUNDLED_WEIGHTS
from digitpad.training.evaluation import evaluate


@pytest.mark.slow
def test_bundled_weights_meet_the_bar(classifier, mnist):
    acc, _, _ = evaluate(classifier.model, mnist.test_images, mnist.test_labels, classifier.mean, classifier.std)
    assert acc >= 99.60


def test_bundled_metadata_is_complete(classifier):
    meta = classifier.metadata
    assert BUNDLED_WEIGHTS.is_file() and classifier.name == "digitnet" and str(classifier.device) == "cpu"
    for key in (
        "config",
        "normalization",
        "recipe",
        "hyperparameters",
        "seed",
        "date",
        "device",
        "train_seconds",
        "val_acc",
        "test_acc",
        "data_md5",
    ):
        assert key in meta, key
    assert meta["recipe"] == "best"


def test_predict_proba(classifier, mnist):
    images = mnist.test_images[:64].numpy()
    probs = classifier.predict_proba(images)
    assert probs.shape == (64, 10) and probs.dtype == np.float32
    assert np.allclose(probs.sum(1), 1, atol=1e-5)
    assert (probs.argmax(1) == mnist.test_labels[:64].numpy()).mean() > 0.95
    assert classifier.predict_proba(images[0]).shape == (1, 10)  # a single (28, 28) image


def test_many_images_are_read_a_batch_at_a_time_as_one_by_one(classifier, mnist):
    """Over INFERENCE_BATCH images the reading goes in batches: each image gets what it gets alone; none: (0, 10)."""
    from digitpad.model import INFERENCE_BATCH

    images = mnist.test_images[: INFERENCE_BATCH + 44].numpy()
    probs = classifier.predict_proba(images)
    assert probs.shape == (len(images), 10)
    for i in (0, INFERENCE_BATCH - 1, INFERENCE_BATCH, len(images) - 1):
        assert np.allclose(probs[i], classifier.predict_proba(images[i])[0], atol=1e-5)
    assert classifier.predict_proba(np.zeros((0, 28, 28), np.uint8)).shape == (0, 10)


def test_the_guard_reads_an_empty_batch_as_no_drawings():
    from digitpad.read.classifier import bundled_guard

    guard = bundled_guard()
    assert guard.predict_proba(np.zeros((0, 28, 28), np.uint8)).shape == (0, 11)
    assert guard.is_digit(np.zeros((0, 28, 28), np.uint8)).shape == (0,)


@pytest.mark.parametrize("bad", [np.zeros((2, 28, 28), np.float32), np.zeros((2, 32, 32), np.uint8)])
def test_predict_proba_rejects_other_formats(classifier, bad):
    with pytest.raises(ValueError, match=r"expected uint8 images of shape \(N, 28, 28\)"):
        classifier.predict_proba(bad)


def test_classify_reads_a_stroke_pad_value_or_a_picture(classifier):
    from digitpad.synth.pen_digits import stroke_pad_value

    value = stroke_pad_value(3)
    probs, image = classifier.classify(value)
    assert np.array_equal(image, classifier.classify_strokes(value)[1]) and probs.argmax() == 3
    picture = 255 - np.kron(image, np.ones((8, 8), np.uint8))  # the digit it read, dark on white
    assert classifier.classify(picture)[0].argmax() == 3
    assert classifier.classify({"strokes": [], "width": 320, "height": 320}) == (None, None)


# ------------------------------------------------------------------ a digit at all?


def test_digit_likeness_of_one_image_or_a_batch(classifier, mnist):
    images = mnist.test_images[:64].numpy()
    one, batch = classifier.digit_likeness(images[0]), classifier.digit_likeness(images)
    assert isinstance(one, float) and 0 <= one <= 1 and batch.shape == (64,)
    assert ((batch >= 0) & (batch <= 1)).all() and batch[0] == pytest.approx(one, abs=1e-6)
    assert isinstance(classifier.is_digit(images[0]), bool) and classifier.is_digit(images).dtype == bool
    assert classifier.is_digit(images).mean() >= 0.95  # MNIST test digits (0-63)


def test_is_digit_tells_digits_from_letters_signs_and_doodles(classifier):
    from digitpad.ink.strokes import pad_to_mnist
    from digitpad.synth.pen_digits import stroke_pad_value
    from tests.support.drawing_helpers import doodle_pad_value, letter_pad_value

    digits = np.stack([pad_to_mnist(stroke_pad_value(d)) for d in range(10)])
    others = np.stack(
        [pad_to_mnist(letter_pad_value(c)) for c in "AHWKM#$"] + [pad_to_mnist(doodle_pad_value("heart"))]
    )
    assert classifier.is_digit(digits).all()
    assert not classifier.is_digit(others).any(), classifier.digit_likeness(others)


@pytest.mark.parametrize("bad", [np.zeros((28, 28)), np.zeros((3, 28, 27), np.uint8), "image"])
def test_digit_likeness_refuses_other_formats(classifier, bad):
    with pytest.raises(ValueError, match="expected uint8 images"):
        classifier.digit_likeness(bad)
