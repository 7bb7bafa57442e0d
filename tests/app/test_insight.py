"""The Draw tab's Why?, Inside and Fool it: the functions directly, then `/explain` and `/attack`
through the running server."""

from __future__ import annotations

import re

import numpy as np
import pytest
from PIL import Image

from digitpad.app.gallery import inside_html, map_mosaic
from digitpad.app.inputs import Models
from digitpad.app.insight import FOOL_HINT, WHY_HINT, fool_answer, inside_answer, why_answer
from digitpad.synth.pen_digits import stroke_pad_value
from tests.support.drawing_helpers import drawn_digit, uploaded_picture

BLANK = {"strokes": [], "width": 320, "height": 320}


def test_why_shows_the_answer_and_the_runner_up(classifier):
    path, text = why_answer(classifier, stroke_pad_value(4))
    picture = np.asarray(Image.open(path))
    assert picture.shape == (224, 2 * 224 + 8, 3)
    assert re.match(r"Left: what made it a \*\*4\*\* \(\d+%\)\. Right: why not a \*\*\d\*\*", text), text
    assert why_answer(classifier, BLANK) == (None, WHY_HINT)
    assert why_answer(classifier, "{broken")[1].startswith("Can't read this drawing")


def test_inside_shows_every_layer_and_the_ten_scores(classifier):
    view = inside_answer(classifier, stroke_pad_value(7))
    for layer in ("conv 1: 24 maps of 28x28", "conv 2: 48 maps of 14x14", "conv 3: 96 maps of 7x7"):
        assert layer in view
    scores = re.findall(r'<div class="score( top)?"><span>(\d)</span>', view)
    assert [d for _, d in scores] == [str(d) for d in range(10)] and [d for top, d in scores if top] == ["7"]
    assert "Draw a digit" in inside_answer(classifier, BLANK)


def test_mosaic_places_every_map():
    maps = np.random.default_rng(0).normal(size=(24, 28, 28))
    mosaic = map_mosaic(maps)
    assert mosaic.shape == (3 * 29 - 1, 8 * 29 - 1)
    assert "conv 1" in inside_html([maps], np.full(10, 0.1))


def test_fool_it_says_how_small_a_change_fooled_it(classifier):
    path, text = fool_answer(Models(classifier), classifier, stroke_pad_value(3))
    eps = float(re.search(r"ε = ([\d.]+)", text).group(1))
    assert 0 < eps <= 0.2 and "instead of 3" in text
    assert np.asarray(Image.open(path)).shape == (224, 224)
    assert fool_answer(Models(classifier), classifier, BLANK) == (None, FOOL_HINT)


# ------------------------------------------------------------------ through the server


@pytest.fixture(scope="module")
def client(server_url):
    from gradio_client import Client

    return Client(server_url, verbose=False)


def test_explain_and_attack_apis(client):
    image, text = client.predict(stroke_pad_value(2), "bundled", api_name="/explain")
    assert Image.open(image).size == (2 * 224 + 8, 224) and "made it a **2**" in text
    image, text = client.predict(stroke_pad_value(2), "bundled", api_name="/attack")
    bundled_eps = float(re.search(r"ε = ([\d.]+)", text).group(1))
    robust_eps = float(re.search(r"robust model needs \*\*ε = ([\d.]+)", text).group(1))
    assert Image.open(image).size == (224, 224) and robust_eps > 2 * bundled_eps
    _, text = client.predict(stroke_pad_value(2), "robust", api_name="/attack")
    assert float(re.search(r"ε = ([\d.]+)", text).group(1)) == pytest.approx(robust_eps, abs=0.03)
    assert "robust model needs" not in text  # it is the robust model


def test_bad_input_through_the_server_then_it_goes_on(client):
    assert client.predict(BLANK, "bundled", api_name="/attack") == (None, FOOL_HINT)
    assert client.predict({"strokes": "x"}, "bundled", api_name="/explain")[1].startswith("Can't read this drawing")
    assert client.predict(stroke_pad_value(1), "bundled", api_name="/predict_strokes")[0]["label"] == "1"


def test_explain_and_attack_take_a_picture_as_well(client, tmp_path):
    """The sketchpad-style dict `/predict` takes, its PNG uploaded by gradio_client."""
    picture = uploaded_picture(drawn_digit(2), tmp_path / "two.png")
    image, text = client.predict(picture, "bundled", api_name="/explain")
    assert Image.open(image).size == (2 * 224 + 8, 224) and "made it a **2**" in text
    image, text = client.predict(picture, "bundled", api_name="/attack")
    assert Image.open(image).size == (224, 224) and "instead of 2" in text
    path = {"path": "/etc/hostname", "meta": {"_type": "gradio.FileData"}}
    _, text = client.predict({"background": None, "layers": [], "composite": path}, api_name="/explain")
    assert text.startswith("Can't read this drawing") or "not in the cache" in text  # never read from outside
