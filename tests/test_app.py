"""The app's functions directly, then the running server through gradio_client."""

import threading
import time

import numpy as np
import pytest
from drawing_helpers import drawn_digit, pad_value
from PIL import Image

from digitpad.app import EMPTY_HINT, read_drawing, verdict_text


def test_read_drawing_top_three(classifier):
    label, preview, verdict = read_drawing(drawn_digit(4), classifier)
    assert list(label)[0] == "4" and len(label) == 3
    assert list(label.values()) == sorted(label.values(), reverse=True)
    assert preview.shape == (224, 224) and preview.dtype == np.uint8  # 28x28 at 8x, nearest-neighbour
    assert verdict.startswith("It's a **4**")


def test_empty_pad_gets_a_hint(classifier):
    label, preview, verdict = read_drawing(pad_value(np.zeros((320, 320), np.uint8)), classifier)
    assert label == EMPTY_HINT and preview is None and "empty" in verdict


def test_unreadable_input_gets_a_message(classifier):
    label, preview, verdict = read_drawing(np.zeros((3, 3, 7)), classifier)
    assert label == "Can't read this picture" and preview is None and "shape" in verdict


def test_unsure_verdict_names_the_runners_up():
    probs = np.array([0.02, 0.4, 0.02, 0.03, 0.05, 0.04, 0.04, 0.3, 0.03, 0.07])
    assert verdict_text(probs) == "Not sure: maybe a **1** (40%), or a 7 (30%) or a 9 (7%)."


# ------------------------------------------------------------------ through the server


@pytest.fixture(scope="module")
def client(server_url):
    from gradio_client import Client

    return Client(server_url, verbose=False)


def png_of(value: dict, path) -> str:
    Image.fromarray(value["composite"]).save(path)
    return str(path)


@pytest.mark.parametrize("digit", [0, 3, 7])
def test_predict_api_reads_a_png(client, tmp_path, digit):
    from gradio_client import handle_file

    path = png_of(drawn_digit(digit), tmp_path / f"{digit}.png")
    label, image, verdict = client.predict(
        {"background": None, "layers": [], "composite": handle_file(path)}, api_name="/predict"
    )
    assert label["label"] == str(digit)
    assert Image.open(image).size == (224, 224)
    assert verdict.startswith(f"It's a **{digit}**")


def test_predict_api_empty_pad_hint(client, tmp_path):
    from gradio_client import handle_file

    path = png_of(pad_value(np.zeros((320, 320), np.uint8)), tmp_path / "blank.png")
    label, image, _ = client.predict(
        {"background": None, "layers": [], "composite": handle_file(path)}, api_name="/predict"
    )
    assert label["label"] == EMPTY_HINT and image is None


def train_args(**overrides):
    args = {
        "model_": "digitnet",
        "recipe_": "quick",
        "epochs_": 0.1,
        "batch_": 256,
        "lr_": 0.004,
        "augment_": False,
        "device_": "auto",
    }
    args.update(overrides)
    return args


def test_train_api_streams_progress_and_finishes(client):
    job = client.submit(**train_args(), api_name="/train")
    statuses = [update[0] for update in job]
    final = job.result()[0]
    assert any(s.startswith("Training digitnet on cpu: epoch") for s in statuses)
    assert final.startswith("done: test accuracy") and "% after" in final


def test_train_api_checks_ranges(client):
    final = client.predict(**train_args(epochs_=500), api_name="/train")[0]
    assert final == "Epochs must be between 0.05 and 30, got 500."


def test_train_api_stop_mid_run(server_url):
    from gradio_client import Client

    client = Client(server_url, verbose=False)
    job = client.submit(**train_args(epochs_=3), api_name="/train")
    while not (job.outputs() and job.outputs()[-1][0].startswith("Training")):
        time.sleep(0.1)
    stopped_at = time.monotonic()
    client.predict(api_name="/stop")
    final = job.result()[0]
    assert time.monotonic() - stopped_at < 10
    assert final.startswith("stopped early: test accuracy")


def test_two_retrains_at_once_one_waits_and_drawing_goes_on(server_url, tmp_path):
    from gradio_client import Client, handle_file

    first, second, drawer = (Client(server_url, verbose=False) for _ in range(3))
    job1 = first.submit(**train_args(epochs_=0.3), api_name="/train")
    while not job1.outputs():
        time.sleep(0.05)
    job2 = second.submit(**train_args(epochs_=0.1), api_name="/train")
    path = png_of(drawn_digit(2), tmp_path / "2.png")
    answers = []

    def draw():
        while not job1.done():
            value = {"background": None, "layers": [], "composite": handle_file(path)}
            answers.append(drawer.predict(value, api_name="/predict")[0]["label"])

    thread = threading.Thread(target=draw)
    thread.start()
    statuses2 = [update[0] for update in job2]
    thread.join()
    assert job1.result()[0].startswith("done")
    assert any(s.startswith("Waiting: another visitor's training run") for s in statuses2)
    assert job2.result()[0].startswith("done")
    assert answers and set(answers) == {"2"}
