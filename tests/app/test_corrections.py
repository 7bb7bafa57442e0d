"""The Draw tab's corrections: `save_correction` directly, then `/correct`, `/finetune` and
`/forget` through the running server, with two visitors who must not see each other's."""

from __future__ import annotations

import numpy as np
import pytest

from digitpad.app.clients import Client
from digitpad.app.corrections import save_correction
from digitpad.synth.segment_writer import segment_drawings, segment_pad_value
from digitpad.teach.store import CorrectionStore
from tests.support.drawing_helpers import drawn_digit, uploaded_picture

VISITOR = Client("s", "127.0.0.1")


def test_saved_says_how_many(tmp_path, classifier):
    store = CorrectionStore(tmp_path / "db.sqlite")
    line = save_correction(store, VISITOR, classifier, "bundled", segment_pad_value(6, 1), "6")
    assert line.startswith("Saved as a 6: you have taught 1 drawing.")
    line = save_correction(store, VISITOR, classifier, "bundled", segment_pad_value(6, 2), 6)
    assert line.startswith("Saved as a 6: you have taught 2 drawings.")
    (first, _) = store.corrections("s")
    assert first.model == "bundled digitnet (best)" and first.guess == 5  # what the model read


@pytest.mark.parametrize(
    "picture, label, message",
    [
        (segment_pad_value(6, 1), "12", "Not saved: A correction is a digit from 0 to 9, not '12'."),
        ({"strokes": [], "width": 320, "height": 320}, 3, "Not saved: The pad is empty: draw the digit first"),
        ({"strokes": [[[1, "x"]]], "width": 320, "height": 320}, 3, "Not saved: "),
        ("{not json", 3, "Not saved: "),
    ],
)
def test_bad_input_gets_a_sentence_and_stores_nothing(tmp_path, classifier, picture, label, message):
    store = CorrectionStore(tmp_path / "db.sqlite")
    line = save_correction(store, VISITOR, classifier, "bundled", picture, label)
    assert line.startswith(message) and store.count() == 0


def test_a_damaged_database_gets_a_sentence(tmp_path, classifier):
    path = tmp_path / "db.sqlite"
    path.write_bytes(b"garbage" * 1000)
    line = save_correction(CorrectionStore(path), VISITOR, classifier, "bundled", segment_pad_value(6, 1), 6)
    assert line.startswith("Not saved: the corrections database") and "is damaged" in line


# ------------------------------------------------------------------ through the server


@pytest.fixture(scope="module")
def visitors(server_url):
    from gradio_client import Client

    return Client(server_url, verbose=False), Client(server_url, verbose=False)


def top_guess(client, value, choice: str = "mine") -> str:
    return client.predict(value, choice, api_name="/predict_strokes")[0]["label"]


@pytest.mark.slow
def test_correct_teach_it_then_new_drawings_are_read_right_for_this_visitor_only(visitors):
    me, other = visitors
    values, labels = segment_drawings(3, first_seed=0)
    for k, (value, label) in enumerate(zip(values, labels, strict=True)):
        line = me.predict(value, int(label), api_name="/correct")
        assert line.startswith(f"Saved as a {label}: you have taught {k + 1} drawing")
    assert other.predict(segment_pad_value(1, 5), 1, api_name="/correct").startswith("Saved as a 1: you have taught 1 ")
    new_six = segment_pad_value(6, 10_006)
    assert top_guess(me, new_six) == "5"  # no model of my own yet: the bundled one reads it
    job = me.submit(api_name="/finetune")
    statuses = [update[0] for update in job]
    final = job.result()[0]
    assert any(s.startswith("Teaching your model on") for s in statuses), statuses
    assert final.startswith("Your model has learnt your 30 drawings"), final
    new_values, new_labels = segment_drawings(2, first_seed=20_000)
    read = [top_guess(me, v) for v in new_values]
    assert np.mean([r == str(d) for r, d in zip(read, new_labels, strict=True)]) >= 0.95, read
    assert top_guess(other, new_six) == "5"  # the other visitor still has the bundled model
    assert other.predict(api_name="/forget").startswith("Forgot your 1 drawing:")
    assert me.predict(api_name="/forget").startswith("Forgot your 30 drawings:")
    assert "Nothing to learn yet" in me.predict(api_name="/finetune")[0]


def test_bad_corrections_through_the_server_then_it_goes_on(visitors):
    me, _ = visitors
    assert me.predict(segment_pad_value(6, 1), 10, api_name="/correct").startswith("Not saved: A correction is")
    blank = {"strokes": [], "width": 320, "height": 320}
    assert me.predict(blank, 4, api_name="/correct").startswith("Not saved: The pad is empty")
    assert me.predict({"strokes": "nope"}, 4, api_name="/correct").startswith("Not saved:")
    assert top_guess(me, segment_pad_value(1, 3), "bundled") == "1"


def test_correct_takes_a_picture_as_well(server_url, tmp_path):
    """The sketchpad-style dict `/predict` takes, its PNG uploaded by gradio_client (a visitor of its own)."""
    from gradio_client import Client

    visitor = Client(server_url, verbose=False)
    picture = uploaded_picture(drawn_digit(7), tmp_path / "seven.png")
    assert visitor.predict(picture, 7, api_name="/correct").startswith("Saved as a 7: you have taught 1 drawing")
    assert visitor.predict(api_name="/forget").startswith("Forgot your 1 drawing:")


def test_a_damaged_database_leaves_the_demo_reading_drawings(tmp_path):
    """The whole app on a damaged database: every corrections endpoint answers with a sentence,
    drawings are still read, and the file is left as it was."""
    from gradio_client import Client

    from digitpad.app import build_demo, launch_kwargs

    path = tmp_path / "digitpad.sqlite"
    path.write_bytes(b"not a database" * 500)
    demo = build_demo(store=CorrectionStore(path))
    demo.queue().launch(prevent_thread_lock=True, quiet=True, **launch_kwargs(demo))  # the first free port from 7860
    try:
        client = Client(demo.local_url, verbose=False)
        assert "is damaged" in client.predict(segment_pad_value(6, 1), 6, api_name="/correct")
        assert "is damaged" in client.predict(api_name="/finetune")[0]
        assert client.predict(api_name="/forget").startswith("Not forgotten: the corrections database")
        assert top_guess(client, segment_pad_value(1, 3), "bundled") == "1"
    finally:
        demo.close()
    assert path.read_bytes() == b"not a database" * 500
