"""The generator's measures: Fréchet distance, diversity, agreement, and the judge itself."""

from __future__ import annotations

import numpy as np
import pytest

from digitpad.bench.judge import (
    agreement,
    diversity,
    frechet_distance,
    judge_features,
    load_judge,
    mean_pairwise_distance,
)


@pytest.fixture(scope="module")
def judge():
    return load_judge()


def test_judge_is_an_independent_lenet5_that_reads_mnist(judge, mnist):
    assert judge.name == "lenet5" and judge.metadata["recipe"] == "judge"
    x, y = mnist.val_images[:2000].numpy(), mnist.val_labels[:2000].numpy()
    assert agreement(judge, x, y) >= 0.98


def test_features_are_fc2_after_relu(judge, mnist):
    f = judge_features(judge, mnist.val_images[:300].numpy())
    assert f.shape == (300, 84) and f.dtype == np.float64 and f.min() >= 0
    # the judge's own last layer on these features gives its logits
    fc3 = judge.model.fc3
    logits = f @ fc3.weight.detach().double().numpy().T + fc3.bias.detach().double().numpy()
    assert (logits.argmax(1) == judge.predict_proba(mnist.val_images[:300].numpy()).argmax(1)).all()


def test_frechet_distance_of_gaussians():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(20000, 4))
    assert frechet_distance(a, a) == pytest.approx(0, abs=1e-6)
    # N(0, I) vs N(m, 4I) in 4 dims: |m|^2 + tr(I + 4I - 2 * 2I) = |m|^2 + 4
    b = 2 * rng.normal(size=(20000, 4)) + np.array([1.0, 0, 0, 2.0])
    assert frechet_distance(a, b) == pytest.approx(5 + 4, rel=0.05)


def test_diversity_is_one_for_real_digits_and_zero_for_a_repeated_picture(judge, mnist):
    x, y = mnist.val_images[:1000].numpy(), mnist.val_labels[:1000].numpy()
    f = judge_features(judge, x)
    assert np.allclose(diversity(f, y, f, y), 1.0)
    copies = np.repeat(f[:1], 1000, axis=0)
    per_digit = diversity(np.concatenate([copies] * 10), np.repeat(np.arange(10), 1000), f, y)
    assert np.allclose(per_digit, 0.0)
    with pytest.raises(ValueError, match="at least 2"):
        mean_pairwise_distance(f[:1])
    assert mean_pairwise_distance(np.array([[0.0, 0.0], [3.0, 4.0]])) == pytest.approx(5.0)
