"""The generator: sampling (shapes, dtype, seeds), walks, bad requests, weights files, the engine,
and the bundled generator's figures on 500 samples."""

from __future__ import annotations

import threading
from dataclasses import replace

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from digitpad.bench.gan_anchors import register
from digitpad.bench.judge import agreement, diversity, judge_features, load_judge
from digitpad.checkpoint import WeightsError
from digitpad.gan.generator import ANY, MAX_COUNT, GenerateError, load_generator, requested_digits, save_generator
from digitpad.gan.trainer import GAN_RECIPES, train_gan
from digitpad.training.data import MNIST

register()  # the benchmark's anchors: the engine trains them too


@pytest.fixture(scope="module")
def generator():
    return load_generator()


def test_one_picture_per_digit_white_on_black(generator):
    pictures = generator.sample([0, 1, 2, 7, 7], seed=3)
    assert pictures.shape == (5, 28, 28) and pictures.dtype == np.uint8
    edges = [pictures[:, :2], pictures[:, -2:], pictures[:, :, :2], pictures[:, :, -2:]]
    border = np.concatenate([e.ravel() for e in edges])
    assert np.median(border) < 10 and pictures.max() > 200  # black paper, white ink, like MNIST
    assert generator.sample(4, seed=1).shape == (1, 28, 28)


def test_the_same_seed_gives_the_same_pictures(generator):
    a = generator.sample([3] * 8, seed=42)
    assert np.array_equal(a, generator.sample([3] * 8, seed=42))
    assert not np.array_equal(a, generator.sample([3] * 8, seed=43))
    assert len({p.tobytes() for p in a}) == 8  # eight different threes
    assert not np.array_equal(generator.sample([5], seed=None), generator.sample([5], seed=None))


def test_a_walk_goes_from_one_seed_to_the_other(generator):
    walk = generator.interpolate(6, 11, 12, steps=8)
    assert walk.shape == (8, 28, 28) and walk.dtype == np.uint8
    assert np.array_equal(walk[0], generator.sample([6], seed=11)[0])
    assert np.array_equal(walk[-1], generator.sample([6], seed=12)[0])
    steps = np.abs(np.diff(walk.astype(int), axis=0)).mean(axis=(1, 2))
    assert steps.max() < np.abs(walk[-1].astype(int) - walk[0]).mean()  # small steps, not a jump


@pytest.mark.parametrize(
    "digits, message",
    [([10], "0 to 9"), ([-1], "0 to 9"), ([3.5], "0 to 9"), (["7"], "0 to 9"), ([], "1 to"), ("12", "list")],
)
def test_bad_digits_are_refused_with_a_reason(generator, digits, message):
    with pytest.raises(GenerateError, match=message):
        generator.sample(digits, seed=0)


@pytest.mark.parametrize("seed", [-1, 2**64, 1.5, float("nan"), "abc", True])
def test_absurd_seeds_are_refused_with_a_reason(generator, seed):
    with pytest.raises(GenerateError, match="seed"):
        generator.sample([1], seed=seed)


def test_requests_count_and_digit():
    assert requested_digits(4, 3, seed=0) == [4, 4, 4]
    assert requested_digits("7", 2.0, seed=0) == [7, 7]
    mixed = requested_digits(ANY, MAX_COUNT, seed=5)
    assert len(mixed) == MAX_COUNT and set(mixed) == set(range(10)) and mixed == requested_digits(None, 64, 5)
    for count in (0, MAX_COUNT + 1, -3, 2.5, "ten", None):
        with pytest.raises(GenerateError, match=f"1 to {MAX_COUNT}"):
            requested_digits(3, count, seed=0)
    for digit in (10, -1, "x", 2.5, [1], "²"):
        with pytest.raises(GenerateError, match="0 to 9"):
            requested_digits(digit, 4, seed=0)


def test_wrong_generator_files_are_refused_naming_the_file(tmp_path, generator):
    path = save_generator(generator, tmp_path / "g.safetensors")
    assert np.array_equal(load_generator(path).sample([1, 2], seed=0), generator.sample([1, 2], seed=0))
    bare = tmp_path / "bare.safetensors"
    save_file({"w": torch.zeros(3)}, str(bare))
    with pytest.raises(WeightsError, match=r"bare\.safetensors: metadata lacks"):
        load_generator(bare)
    meta = dict(generator.metadata, config={"latent": 32, "width": 64, "classes": 10})
    narrow = tmp_path / "narrow.safetensors"
    save_generator(type(generator)(generator.net, meta), narrow)
    with pytest.raises(WeightsError, match=r"narrow\.safetensors: weights do not fit cgan"):
        load_generator(narrow)
    with pytest.raises(WeightsError, match="no such weights file"):
        load_generator(tmp_path / "missing.safetensors")
    odd = tmp_path / "odd.safetensors"
    save_generator(type(generator)(generator.net, dict(generator.metadata, pixel_range=[0, "a"])), odd)
    with pytest.raises(WeightsError, match=r"odd\.safetensors: pixel_range"):
        load_generator(odd)


def small(mnist: MNIST, n: int = 640) -> MNIST:
    return mnist.head(n, 100, 100)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(GAN_RECIPES))
def test_the_engine_trains_every_gan_and_ends_with_a_generator(mnist, name):
    recipe = replace(GAN_RECIPES[name], epochs=0.2 if name == "dcgan" else 1, samples_per_epoch=1)
    events = list(train_gan(recipe, small(mnist), seed=0))
    kinds = [e.kind for e in events]
    assert kinds.count("step") == events[-1].total_steps and kinds[-1] == "done" and "sample" in kinds
    sample = next(e for e in events if e.kind == "sample")
    assert sample.grid.shape == (280, 280) and sample.grid.dtype == np.uint8
    final = events[-1]
    assert final.metadata["architecture"] == recipe.architecture and final.metadata["steps"] == final.step
    assert final.generator.sample([0, 9], seed=1).shape == (2, 28, 28)


@pytest.mark.slow
def test_a_run_is_seeded_and_stops_when_asked(mnist):
    recipe = replace(GAN_RECIPES["cgan"], epochs=0.5)
    runs = [[e for e in train_gan(recipe, small(mnist), seed=7)][-1] for _ in range(2)]
    assert np.array_equal(runs[0].generator.sample([8], seed=0), runs[1].generator.sample([8], seed=0))
    stop = threading.Event()
    events = []
    for event in train_gan(replace(recipe, epochs=5), small(mnist), stop=stop):
        events.append(event)
        if event.step == 3:
            stop.set()
    assert events[-1].kind == "stopped" and events[-1].step == 3 and events[-1].generator is not None


def test_bundled_generator_agreement_and_diversity_on_500_samples(generator, classifier, mnist):
    """The issue's figures on 50 samples of each digit; real digits from the validation split."""
    judge = load_judge()
    asked = np.repeat(np.arange(10), 50)
    pictures = generator.sample(list(asked), seed=2026)
    assert agreement(classifier, pictures, asked) >= 0.97
    assert agreement(judge, pictures, asked) >= 0.97
    real, real_digits = mnist.val_images.numpy(), mnist.val_labels.numpy()
    per_digit = diversity(judge_features(judge, pictures), asked, judge_features(judge, real), real_digits)
    assert per_digit.min() >= 0.7, per_digit
