"""The app's functions directly, then the running server through gradio_client."""

import copy
import re
import threading
import time
from pathlib import Path

import gradio as gr
import numpy as np
import pytest
from PIL import Image

from digitpad.app.readings import (
    EMPTY_HINT,
    NOT_A_DIGIT,
    pad_view_value,
    read_drawing,
    read_strokes,
    strokes_reading,
    verdict_text,
)
from digitpad.app.stroke_pad import PadReads
from tests.support.bad_inputs import BAD_STROKES
from tests.support.drawing_helpers import (
    doodle_pad_value,
    drawn_digit,
    letter_pad_value,
    pad_value,
    render_strokes,
    stroke_pad_value,
)


def test_read_drawing_top_three(classifier):
    label, preview, verdict = read_drawing(drawn_digit(4), classifier)
    assert list(label)[0] == "4" and len(label) == 3
    assert list(label.values()) == sorted(label.values(), reverse=True)
    assert Image.open(preview).size == (224, 224)  # 28x28 at 8x, nearest-neighbour
    assert verdict.startswith("It's a **4**")


def test_empty_pad_gets_a_hint(classifier):
    label, preview, verdict = read_drawing(pad_value(np.zeros((320, 320), np.uint8)), classifier)
    assert label == EMPTY_HINT and preview is None and "empty" in verdict


def test_unreadable_input_gets_a_message(classifier):
    label, preview, verdict = read_drawing(np.zeros((3, 3, 7)), classifier)
    assert label == "Can't read this picture" and preview is None and "shape" in verdict


@pytest.mark.parametrize("digit", range(10))
def test_read_strokes(classifier, digit):
    label, preview, verdict = read_strokes(stroke_pad_value(digit), classifier)
    assert list(label)[0] == str(digit) and verdict.startswith(f"It's a **{digit}**")
    assert Image.open(preview).size == (224, 224)


@pytest.mark.parametrize("version, echoed", [(7, 7), (None, None), ("7", None), (True, None), (2.5, None)])
def test_an_answer_about_the_pad_says_which_of_its_values_it_read(classifier, version, echoed):
    value = {**stroke_pad_value(3), "version": version}
    shown = pad_view_value(strokes_reading(value, classifier), value)
    assert shown["top"][0][0] == "3" and shown["about"] == "pad" and shown.get("pad_version") == echoed


@pytest.fixture(scope="module")
def demo():
    from digitpad.app import build_demo

    return build_demo()


@pytest.mark.parametrize("pad", ["pad", "number-pad"])
def test_a_pads_answer_overtaken_by_a_newer_drawing_is_not_sent(demo, pad):
    """Two values the pad sends a few ms apart can be read at once (see `PadReads`): the older answer, if it
    comes back last, is skipped, so the page keeps the answer to the newer drawing."""
    (event,) = [f for f in demo.fns.values() if f.name == "read_sent" and f.inputs[0].elem_id == pad]
    (state,) = [block for block in event.inputs if isinstance(getattr(block, "value", None), PadReads)]
    reads = copy.deepcopy(state.value)  # what each visitor gets
    older, newer = ({**stroke_pad_value(3), "version": version} for version in (5, 6))
    reads.begin(newer)  # the newer value's reading has begun
    late = event.fn(older, "bundled", None, reads)
    assert all(isinstance(output, type(gr.skip())) for output in (late if isinstance(late, tuple) else [late]))
    answer = event.fn(newer, "bundled", None, reads)
    assert (answer["top"][0][0] if pad == "pad" else answer[1]) == "3"
    # and it says which value it answers (the Draw tab's answer; the Number tab's digits), as the page checks
    assert answer["pad_version"] == 6 if pad == "pad" else 'data-pad-version="6"' in answer[2]


@pytest.mark.parametrize(
    "value", [None, {"strokes": [], "width": 320, "height": 320}, {"strokes": [[]]}, {"width": 320, "height": 320}]
)
def test_empty_stroke_pad_gets_the_hint(classifier, value):
    assert read_strokes(value, classifier) == (
        EMPTY_HINT,
        None,
        "The pad is empty: draw a digit and I'll read it as you go.",
    )


@pytest.mark.parametrize("name", BAD_STROKES)
def test_bad_strokes_get_a_clear_message(classifier, name):
    label, preview, verdict = read_strokes(BAD_STROKES[name], classifier)
    assert label == "Can't read this drawing" and preview is None, (name, verdict)
    assert verdict.startswith("Can't read this drawing: ") and len(verdict) > len("Can't read this drawing: ") + 10


@pytest.mark.parametrize("value", [letter_pad_value("A"), letter_pad_value("W"), doodle_pad_value("heart")])
def test_a_drawing_that_is_not_a_digit_gets_the_sentence_and_its_closest_digits(classifier, value):
    label, preview, verdict = read_strokes(value, classifier)
    closest = re.fullmatch(rf"{NOT_A_DIGIT} \(closest: \*\*(\d)\*\*, (\d+)%\)\.", verdict)
    assert closest and len(label) == 3 and list(label)[0] == closest.group(1), verdict  # the top 3 stay
    assert round(100 * label[closest.group(1)]) == int(closest.group(2)) and preview is not None


def test_a_picture_that_is_not_a_digit_gets_the_sentence(classifier):
    strokes = letter_pad_value("H")["strokes"]
    _, _, verdict = read_drawing(pad_value(render_strokes(strokes, width=22)), classifier)
    assert verdict.startswith(NOT_A_DIGIT)


def test_while_the_pen_is_down_nothing_is_called_not_a_digit(classifier):
    """A stroke in progress ("pen_down": true) is never nagged: the first strokes of a 4 or an A are not a
    drawing yet. At pen-up the verdict comes."""
    letter = letter_pad_value("A")
    _, _, drawing = read_strokes({**letter, "pen_down": True}, classifier)
    _, _, lifted = read_strokes(letter, classifier)
    assert not drawing.startswith(NOT_A_DIGIT) and re.match(r"(It's a|Not sure)", drawing), drawing
    assert lifted.startswith(NOT_A_DIGIT)
    half_four = stroke_pad_value(4)
    half_four["strokes"] = half_four["strokes"][:1]
    assert not read_strokes({**half_four, "pen_down": True}, classifier)[2].startswith(NOT_A_DIGIT)
    assert read_strokes({**stroke_pad_value(4), "pen_down": False}, classifier)[2].startswith("It's a **4**")


def test_a_picture_sent_for_the_stroke_pad_is_read_as_a_picture(classifier):
    label, _, verdict = read_strokes(drawn_digit(3), classifier)
    assert list(label)[0] == "3" and verdict.startswith("It's a **3**")


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


@pytest.mark.parametrize("digit", [1, 4, 8])
def test_predict_strokes_api(client, digit):
    label, image, verdict = client.predict(stroke_pad_value(digit), "bundled", api_name="/predict_strokes")
    assert label["label"] == str(digit) and verdict.startswith(f"It's a **{digit}**")
    assert Image.open(image).size == (224, 224)


def test_predict_strokes_api_bad_input_then_it_goes_on_serving(client):
    for name, value in BAD_STROKES.items():
        if name in ("nan", "infinite", "100,000 points"):  # see the raw HTTP tests below
            continue
        label, image, verdict = client.predict(value, api_name="/predict_strokes")
        assert label["label"] == "Can't read this drawing" and image is None, (name, verdict)
    empty = client.predict({"strokes": [], "width": 320, "height": 320}, api_name="/predict_strokes")
    assert empty[0]["label"] == EMPTY_HINT
    assert client.predict(stroke_pad_value(2), api_name="/predict_strokes")[0]["label"] == "2"


def test_predict_strokes_with_nan_over_raw_http(server_url):
    """JSON's NaN and Infinity literals, which only a raw client sends, get the message too."""
    import httpx

    body = '{"data": [{"strokes": [[[NaN, 1], [Infinity, 2]]], "width": 320, "height": 320}, "bundled"]}'
    post = httpx.post(
        f"{server_url}gradio_api/call/predict_strokes",
        content=body,
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert post.status_code == 200, post.text
    event_id = post.json()["event_id"]
    stream = httpx.get(f"{server_url}gradio_api/call/predict_strokes/{event_id}", timeout=30).text
    assert "Can't read this drawing" in stream and "NaN or infinite" in stream, stream


def test_oversized_request_is_refused_before_gradio_reads_it(server_url, client):
    """100,000 points (1.5 MB of JSON) get a 413 with a sentence, not a second of the server's CPU."""
    import json

    import httpx

    value = {"strokes": [[[i % 300 + 0.5, i % 290 + 0.5] for i in range(100_000)]], "width": 320, "height": 320}
    body = json.dumps({"data": [value, "bundled"]})
    post = httpx.post(
        f"{server_url}gradio_api/call/predict_strokes",
        content=body,
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert post.status_code == 413
    assert post.json()["error"].startswith("Request too large (1,") and "at most 20,000 points" in post.json()["error"]
    assert client.predict(stroke_pad_value(5), api_name="/predict_strokes")[0]["label"] == "5"


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


@pytest.mark.slow
def test_train_api_streams_progress_and_finishes(client):
    job = client.submit(**train_args(), api_name="/train")
    statuses = [update[0] for update in job]
    final = job.result()[0]
    assert any(s.startswith("Training digitnet on cpu: epoch") for s in statuses)
    assert final.startswith("done: test accuracy") and "% after" in final


def test_train_api_checks_ranges(client):
    final = client.predict(**train_args(epochs_=500.1), api_name="/train")[0]
    assert final == "Epochs must be between 0.05 and 500, got 500.1."


@pytest.mark.slow
def test_train_api_stop_mid_run(server_url):
    from gradio_client import Client

    client = Client(server_url, verbose=False)
    job = client.submit(**train_args(epochs_=3), api_name="/train")
    # after the first evaluation: by then it has learnt (a stop after a handful of steps, as on a
    # loaded machine, rightly ends in "did not learn")
    while not (job.outputs() and "test accuracy" in job.outputs()[-1][0]):
        time.sleep(0.1)
    stopped_at = time.monotonic()
    client.predict(api_name="/stop")
    final = job.result()[0]
    assert time.monotonic() - stopped_at < 10
    assert final.startswith("stopped early: test accuracy")


@pytest.mark.slow
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
    assert any(s.startswith("Waiting: 1 run ahead of yours; ") for s in statuses2)
    assert job2.result()[0].startswith("done")
    assert answers and set(answers) == {"2"}


def test_bad_input_through_the_server_then_it_goes_on_serving(client, tmp_path):
    """Every bad file gets the hint, an answer, or an error that says what is wrong."""
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    from tests.support.bad_inputs import bad_files

    verdicts = {}
    for name, path in bad_files(tmp_path).items():
        try:
            label, _, verdict = client.predict(
                {"background": None, "layers": [], "composite": handle_file(str(path))}, api_name="/predict"
            )
        except AppError as e:  # Gradio's own error, with a traceback in the log: never for a picture
            raise AssertionError(f"{name}: {e}") from e
        assert label["label"] in (EMPTY_HINT, "Can't read this picture") or label["label"] in "0123456789", name
        verdicts[name] = verdict
    assert "this photo is too large (over 16 megapixels)" in verdicts.pop("bomb.png")
    for name, verdict in verdicts.items():
        assert "not a picture digitpad can read" in verdict or not verdict.startswith("Can't"), (name, verdict)
    assert client.predict(None, api_name="/predict")[0]["label"] == EMPTY_HINT
    path = png_of(drawn_digit(6), tmp_path / "6.png")
    assert (
        client.predict({"background": None, "layers": [], "composite": handle_file(path)}, api_name="/predict")[0][
            "label"
        ]
        == "6"
    )


def test_upload_size_limit_is_enforced(client, server_url, tmp_path):
    import httpx
    from gradio_client import handle_file

    big = tmp_path / "big.png"
    noise = np.random.default_rng(0).integers(0, 255, (2200, 2200, 3), dtype=np.uint8)
    Image.fromarray(noise).save(big, compress_level=0)
    assert big.stat().st_size > 10_000_000
    with pytest.raises(ValueError, match="exceeds the maximum file size of 10485760 bytes"):
        client.predict({"background": None, "layers": [], "composite": handle_file(str(big))}, api_name="/predict")
    with open(big, "rb") as f:  # the server refuses it too, whatever the client
        response = httpx.post(f"{server_url}gradio_api/upload", files={"files": f}, timeout=60)
    assert response.status_code == 413 and "maximum allowed size of 10485760 bytes" in response.text


@pytest.mark.slow
def test_crowd_of_visitors(server_url):
    """A scaled-down crowd: 10 visitors x 5 drawings at once, no failures."""
    from digitpad.bench.crowd import crowd

    result = crowd(server_url, visitors=10, drawings=5)
    print(result)
    assert result["requests"] == 50 and result["failures"] == 0, result["first_failures"]


@pytest.mark.slow
def test_one_visitor_gets_one_training_run_at_a_time(server_url):
    """A second Retrain from the same visitor (their cookie) gets a sentence, not a second place in line;
    their Stop stops their own run only, and then they may train again."""
    from gradio_client import Client

    visitor, other = Client(server_url, verbose=False), Client(server_url, verbose=False)
    job = visitor.submit(**train_args(epochs_=0.3), api_name="/train")
    while not job.outputs():
        time.sleep(0.05)
    again = visitor.predict(**train_args(), api_name="/train")[0]
    assert again.startswith("You already have a training run waiting or running")
    assert other.predict(api_name="/stop") == "Nothing to stop."  # the other visitor cannot stop it
    assert visitor.predict(api_name="/stop") == "Stopping..."
    assert job.result()[0].lower().startswith(("stopped", "done", "failed")), job.result()[0]  # it ended
    assert not visitor.predict(**train_args(), api_name="/train")[0].startswith("You already have")


@pytest.mark.parametrize("api", ["/predict_strokes", "/read_number", "/explain", "/correct"])
def test_a_path_in_a_payload_is_never_opened(client, api):
    """A picture named by a path on the server (this very checkout's screenshot) is refused with the same
    sentence as a path that does not exist: nothing is read, saved or said about the server's files."""
    answers = []
    for path in (str(Path("docs/number-tab.png").resolve()), "/no/such/file.png"):
        value = {"background": None, "layers": [], "composite": path}
        extra = ["3"] if api == "/correct" else ["bundled"]
        answer = client.predict(value, *extra, api_name=api)
        answers.append(str(answer[-1] if isinstance(answer, tuple) else answer))
    assert answers[0] == answers[1] and "uploaded file" in answers[0], answers
    assert "Saved" not in answers[0] and "338855" not in answers[0]
    assert client.predict(stroke_pad_value(4), "bundled", api_name="/predict_strokes")[0]["label"] == "4"


def test_a_huge_canvas_is_read_at_a_bounded_cost(client):
    """10,000 x 10,000 px with one stroke: read (or refused) with a sentence, the boxes picture drawn small."""
    value = {"strokes": [[[10, 10], [9_990, 9_990]]], "width": 10_000, "height": 10_000}
    picture, _, _, status = client.predict(value, "bundled", api_name="/read_number")
    assert status and (picture is None or max(Image.open(picture).size) <= 2_000)


@pytest.mark.parametrize("api", ["/predict", "/read_number_photo"])
def test_a_photo_over_the_pixel_limit_gets_a_sentence(client, api, tmp_path):
    """25 MP of white (a small PNG) is refused before it is decoded, with a sentence, not Gradio's error."""
    from gradio_client import handle_file

    from digitpad.ink.preprocess import MAX_PIXELS

    path = tmp_path / "huge.png"
    Image.new("L", (5_000, 5_000), 255).save(path)
    photo = handle_file(str(path))
    value = {"background": None, "layers": [], "composite": photo} if api == "/predict" else photo
    answer = client.predict(value, "bundled", api_name=api)
    assert answer[-1].endswith(
        f"this photo is too large (over {MAX_PIXELS // 1_000_000} megapixels): send a smaller one"
    )
    assert client.predict(stroke_pad_value(9), "bundled", api_name="/predict_strokes")[0]["label"] == "9"
