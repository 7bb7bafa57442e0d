import numpy as np
import pytest

from tests.support.drawing_helpers import redrawn_strokes
from tests.support.every_core import map_on_every_core

CHUNK = 250  # digits a worker re-strokes at a time


def redrawn_from(chunk: tuple[int, np.ndarray]) -> list[tuple[list, float]]:
    """Test digits `start`, `start + 1`, ... re-stroked exactly as one generator seeded 0 re-strokes all 10,000 in
    order: advanced past the four numbers `redrawn_strokes` draws for each digit before."""
    start, images = chunk
    rng = np.random.default_rng(0)
    rng.uniform(size=4 * start)
    return [redrawn_strokes(image, rng, 400) for image in images]


@pytest.fixture(scope="session")
def redrawn_test_digits(mnist) -> list[tuple[list, float]]:
    """All 10,000 MNIST test digits re-stroked on a 400 px pad (`synth.redrawn`, seeded 0, in order): (strokes,
    brush width) each. Both reference tests read these strokes, one through the stroke renderer and one as a
    bitmap, so they are drawn once (on every core)."""
    images = mnist.test_images.numpy()
    chunks = [(start, images[start : start + CHUNK]) for start in range(0, len(images), CHUNK)]
    return [digit for chunk in map_on_every_core(redrawn_from, chunks) for digit in chunk]
