"""Teach it: an unusual writer corrects 3 drawings per digit; their new drawings are then read right,
MNIST is not forgotten, and the model others use is untouched."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch

from digitpad.ink.strokes import parse_strokes, strokes_to_mnist
from digitpad.synth.segment_writer import segment_drawings
from digitpad.teach.finetune import teach
from digitpad.training.job import with_corrections


def images_of(values: list[dict]) -> np.ndarray:
    return np.stack([strokes_to_mnist(parse_strokes(v).strokes) for v in values])


@pytest.fixture(scope="module")
def taught(classifier, mnist):
    """30 corrections (3 per digit) of the seven-segment writer, then Teach it; (updates, new drawings)."""
    values, labels = segment_drawings(3, first_seed=0)
    before = {k: v.clone() for k, v in classifier.model.state_dict().items()}
    updates = list(teach(classifier, images_of(values), labels, threading.Event()))
    new_values, new_labels = segment_drawings(20, first_seed=10_000)  # 200 drawings it has not seen
    return updates, images_of(new_values), new_labels, before


@pytest.mark.slow
def test_new_drawings_in_that_style_are_read_right_after_teach_it(classifier, taught):
    updates, images, labels, _ = taught
    final = updates[-1]
    assert final.done and final.classifier is not None, final.status
    before = (classifier.predict_proba(images).argmax(1) == labels).mean()
    after = (final.classifier.predict_proba(images).argmax(1) == labels).mean()
    print(f"seven-segment writer: {before:.1%} read right before Teach it, {after:.1%} after")
    assert before < 0.95 <= after


@pytest.mark.slow
def test_mnist_is_not_forgotten(taught):
    final = taught[0][-1]
    print(f"fine-tuned model: {final.test_acc:.2f}% on MNIST test, {final.train_seconds:.1f} s of training")
    assert final.test_acc >= 99.3
    assert final.classifier.metadata["recipe"] == "finetune" and final.classifier.metadata["corrections"] == 30


@pytest.mark.slow
def test_the_model_others_use_is_untouched(classifier, taught):
    before = taught[3]
    assert all(torch.equal(before[k], v) for k, v in classifier.model.state_dict().items())
    assert taught[0][-1].classifier.model is not classifier.model


@pytest.mark.slow
def test_the_status_streams_while_it_learns(taught):
    statuses = [u.status for u in taught[0]]
    assert any(s.startswith("Teaching your model on cpu: epoch") for s in statuses), statuses


def test_nothing_to_learn_is_a_clear_message(classifier):
    with pytest.raises(ValueError, match="Nothing to learn yet"):
        next(teach(classifier, np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.int64), threading.Event()))


def test_corrections_are_repeated_to_their_share_of_the_mix(mnist):
    images = np.full((30, 28, 28), 7, np.uint8)
    labels = np.arange(30) % 10
    mixed = with_corrections(mnist, 12_000, images, labels, share=0.25)
    extra = len(mixed.train_images) - 12_000
    assert extra % 30 == 0 and abs(extra / len(mixed.train_images) - 0.25) < 0.01
    assert torch.equal(mixed.train_labels[12_000:12_030], torch.from_numpy(labels))
    assert torch.equal(mixed.test_images, mnist.test_images)  # what it is scored on is MNIST's own
