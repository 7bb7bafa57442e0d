"""Explanations: integrated gradients that are faithful (the deletion check), the overlay's colours,
and the feature maps of the Inside view."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from digitpad.model import build_model
from digitpad.read.explain import PixelModel, deletion_drops, explain, layer_maps, overlay


@pytest.mark.slow
def test_deleting_the_top_ink_costs_at_least_twice_a_random_deletion(classifier, mnist):
    """200 test digits (0-199, inside 0-4999): delete the 15% of the ink with the largest attribution,
    or a random 15%: the read digit's probability falls at least 2x as much on average."""
    images = mnist.test_images[:200].numpy()
    top, random = deletion_drops(classifier.model, images, classifier.mean, classifier.std)
    print(
        f"deletion check: top-15% drop {top.mean():.3f}, random-15% drop {random.mean():.3f}, "
        f"ratio {top.mean() / random.mean():.1f}"
    )
    assert top.mean() >= 2 * random.mean()


def test_attributions_add_up_to_the_change_in_the_logit(classifier, mnist):
    """Integrated gradients' completeness: the attributions sum to logit(digit) - logit(blank)."""
    image = mnist.test_images[3].numpy()
    attribution = explain(classifier.model, image, classifier.mean, classifier.std, target=0)
    assert attribution.shape == (28, 28) and attribution.dtype == np.float32
    pixels = PixelModel(classifier.model.eval(), classifier.mean, classifier.std)
    with torch.no_grad():
        x = torch.from_numpy(image).float()[None, None] / 255
        change = float(pixels(x)[0, 0] - pixels(torch.zeros_like(x))[0, 0])
    assert abs(attribution.sum() - change) <= 0.05 * abs(change)


def test_the_classifier_explains_what_it_reads(classifier, mnist):
    image = mnist.test_images[1].numpy()
    assert np.allclose(classifier.explain(image), explain(classifier.model, image, classifier.mean, classifier.std))
    assert classifier.explain(image).sum() > classifier.explain(image, target=7).sum()


def test_the_runner_up_can_be_explained_too(classifier, mnist):
    image = mnist.test_images[0].numpy()  # a 7
    for_seven = explain(classifier.model, image, classifier.mean, classifier.std)
    for_one = explain(classifier.model, image, classifier.mean, classifier.std, target=1)
    assert not np.allclose(for_seven, for_one)
    assert for_seven.sum() > for_one.sum()  # the ink speaks for the 7 more than for a 1


def test_overlay_is_red_for_and_blue_against():
    image = np.zeros((28, 28), np.uint8)
    image[10:18, 10:18] = 255
    attribution = np.zeros((28, 28), np.float32)
    attribution[10:14, 10:18] = 1.0
    attribution[14:18, 10:18] = -1.0
    rgb = overlay(image, attribution, scale=2)
    assert rgb.shape == (56, 56, 3) and rgb.dtype == np.uint8
    red, blue, dim = rgb[22, 22], rgb[32, 22], rgb[2, 2]
    assert red[0] == 255 and red[2] < 120 and blue[2] == 255 and blue[0] < 120
    assert dim.max() < 40  # the background stays dark


def test_feature_maps_of_every_convolution(classifier, mnist):
    maps, probs = layer_maps(classifier.model, mnist.test_images[0].numpy(), classifier.mean, classifier.std)
    assert [m.shape for m in maps] == [(24, 28, 28), (48, 14, 14), (96, 7, 7)]
    assert probs.shape == (10,) and abs(probs.sum() - 1) < 1e-5 and probs.argmax() == 7
    lenet_maps, _ = layer_maps(build_model("lenet5").eval(), mnist.test_images[0].numpy(), 0.5, 0.5)
    assert [m.shape for m in lenet_maps] == [(6, 24, 24), (16, 8, 8)]
