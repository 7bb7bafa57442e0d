"""Adversarial attacks: PGD stays in its ball, the bundled model is fooled by small changes, and
the robust model holds (on test digits 0-499), without the signs of gradient masking."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

from digitpad.read.attack import (
    adversarial_batch,
    pgd,
    predict,
    robust_accuracy,
    smallest_flip,
    to_unit,
    transfer_accuracy,
)
from digitpad.read.classifier import ROBUST_WEIGHTS, load_classifier


@pytest.fixture(scope="module")
def robust():
    return load_classifier(ROBUST_WEIGHTS)


def test_pgd_stays_in_the_ball_and_in_range(classifier, mnist):
    x = to_unit(mnist.test_images[:16], torch.device("cpu"))
    y = mnist.test_labels[:16]
    x_adv = pgd(classifier.model.eval(), x, y, 0.1, classifier.mean, classifier.std, steps=10)
    assert (x_adv - x).abs().max() <= 0.1 + 1e-6 and x_adv.min() >= 0 and x_adv.max() <= 1
    assert (predict(classifier.model, x_adv, classifier.mean, classifier.std) != y).sum() > 0


def test_adversarial_batch_leaves_the_parameters_trainable(classifier, mnist):
    model = copy.deepcopy(classifier.model).train()  # a copy: training mode updates batch norm's statistics
    x = to_unit(mnist.test_images[:8], torch.device("cpu"))
    x_adv = adversarial_batch(model, x, mnist.test_labels[:8], 0.3, 1, 0.375, classifier.mean, classifier.std)
    assert all(p.requires_grad for p in model.parameters()) and all(p.grad is None for p in model.parameters())
    assert (x_adv - x).abs().max() <= 0.3 + 1e-6


@pytest.mark.slow
def test_fool_it_flips_the_bundled_model_with_a_small_change(classifier, mnist):
    for i in range(3):
        image = mnist.test_images[i].numpy()
        flip = smallest_flip(classifier.model, image, classifier.mean, classifier.std)
        assert flip.digit != flip.was == int(mnist.test_labels[i])
        assert 0 < flip.eps <= 0.15
        assert np.abs(flip.image.astype(int) - image.astype(int)).max() == round(flip.eps * 255)
        assert classifier.predict_proba(flip.image).argmax() == flip.digit  # read as the app shows it


@pytest.mark.slow
def test_the_bundled_model_collapses_under_attack(classifier, mnist):
    images, labels = mnist.test_images[:200], mnist.test_labels[:200]
    clean = robust_accuracy(classifier.model, images, labels, 0.0, classifier.mean, classifier.std)
    at_01 = robust_accuracy(classifier.model, images, labels, 0.1, classifier.mean, classifier.std)
    print(f"bundled model, test 0-199: clean {clean:.1f}%, PGD-40 at 0.1: {at_01:.1f}%")
    assert clean >= 98 and at_01 <= 50


@pytest.mark.slow
def test_the_robust_model_on_500_test_digits(robust, mnist):
    """Test digits 0-499: clean accuracy, and PGD-40 (step 0.01, random start) at ε = 0.3."""
    images, labels = mnist.test_images[:500], mnist.test_labels[:500]
    clean = robust_accuracy(robust.model, images, labels, 0.0, robust.mean, robust.std)
    at_03 = robust_accuracy(robust.model, images, labels, 0.3, robust.mean, robust.std)
    print(f"robust model, test 0-499: clean {clean:.1f}%, PGD-40 at 0.3: {at_03:.1f}%")
    assert clean >= 98.5 and at_03 >= 85


@pytest.mark.slow
def test_no_sign_of_gradient_masking(robust, classifier, mnist):
    """Accuracy falls as ε and the steps grow; restarts and a black-box (transfer) attack do no better
    than one white-box PGD run by more than noise."""
    images, labels = mnist.test_images[:200], mnist.test_labels[:200]
    norm = (robust.mean, robust.std)
    by_eps = [robust_accuracy(robust.model, images, labels, eps, *norm) for eps in (0.1, 0.2, 0.3, 0.4)]
    assert by_eps == sorted(by_eps, reverse=True) and by_eps[-1] < by_eps[0]
    few = robust_accuracy(robust.model, images, labels, 0.3, *norm, steps=5, step_size=0.08)
    restarts = robust_accuracy(robust.model, images, labels, 0.3, *norm, restarts=3)
    transfer = transfer_accuracy(
        classifier.model, (classifier.mean, classifier.std), robust.model, norm, images, labels, 0.3
    )
    print(f"robust, test 0-199: by ε {by_eps}; PGD-5 {few:.1f}%, 3 restarts {restarts:.1f}%, transfer {transfer:.1f}%")
    assert few >= by_eps[2] - 1  # fewer steps: no stronger
    assert restarts >= by_eps[2] - 3  # restarts find a few more, not many
    assert transfer >= by_eps[2]  # another model's examples fool it less than its own gradients


@pytest.mark.slow
def test_fool_it_needs_a_larger_change_for_the_robust_model(robust, classifier, mnist):
    for i in range(3):
        image = mnist.test_images[i].numpy()
        bundled = smallest_flip(classifier.model, image, classifier.mean, classifier.std).eps
        hard = smallest_flip(robust.model, image, robust.mean, robust.std).eps
        assert hard >= 2 * bundled
