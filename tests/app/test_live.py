"""The pad's live WebSocket (`digitpad.app.live`): answers, bad input, limits, dropped connections, batching."""

from __future__ import annotations

import asyncio
import base64
import io
import json
from dataclasses import replace

import numpy as np
import pytest
from PIL import Image
from starlette.applications import Starlette
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from digitpad.app import live
from digitpad.app.answer_view import answer_view_value
from digitpad.app.draw import live_model
from digitpad.app.inputs import Models
from digitpad.app.live import INLINE_CHARS, MAX_MESSAGE, Batcher, Budget, LiveReader
from digitpad.app.readings import EMPTY_HINT, read_strokes
from digitpad.ink.strokes import pad_to_mnist
from tests.support.bad_inputs import BAD_STROKES
from tests.support.drawing_helpers import doodle_pad_value, letter_pad_value, stroke_pad_value


@pytest.fixture(scope="module")
def reader(classifier):
    return LiveReader(Models(classifier))


@pytest.fixture
def client(reader):
    with TestClient(Starlette(routes=[reader.route()])) as client:
        yield client


def ask(socket, request) -> dict:
    socket.send_text(request if isinstance(request, str) else json.dumps(request))
    return socket.receive_json()


@pytest.mark.parametrize("digit", range(10))
def test_reads_each_digit_with_its_picture(client, classifier, digit):
    value = stroke_pad_value(digit)
    with client.websocket_connect("/live") as socket:
        answer = ask(socket, {"model": "bundled", "value": {**value, "version": 12}, "seq": 3})
    assert answer["top"][0][0] == str(digit) and answer["seq"] == 3 and answer["about"] == "pad"
    assert answer["pad_version"] == 12  # which of the pad's values it answers
    assert answer["verdict"].startswith(f"It&#x27;s a <strong>{digit}</strong>")
    png = base64.b64decode(answer["preview"].removeprefix("data:image/png;base64,"))
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(png))), pad_to_mnist(value))  # the picture read, exactly
    probs = classifier.predict_proba(pad_to_mnist(value))[0]
    assert answer["top"][0][1] == pytest.approx(probs.max(), abs=1e-4)


def test_a_doodle_gets_the_sentence_after_pen_up_only(client, classifier):
    """The same answer as `/predict_strokes`, the closest digits greyed (digit_like false); while the pen is
    down the drawing is read as usual."""
    heart = doodle_pad_value("heart")
    with client.websocket_connect("/live") as socket:
        drawing = ask(socket, {"model": "bundled", "value": {**heart, "pen_down": True}})
        lifted = ask(socket, {"model": "bundled", "value": heart})
    assert drawing["digit_like"] is True and drawing["heading"] is None
    label, _, verdict = read_strokes(heart, classifier)
    assert lifted["digit_like"] is False and lifted["heading"] == "Not a digit" and len(lifted["top"]) == 3
    assert lifted["verdict"].startswith("That doesn&#x27;t look like a digit (closest: <strong>")
    assert lifted == answer_view_value(label, pad_to_mnist(heart), verdict, "pad", digit_like=False)


def test_letters_are_batched_with_the_guard(reader):
    """Three letters at once: one forward pass of the model and one of the guard read them all."""

    async def many():
        return await asyncio.gather(*[reader.reply(json.dumps({"value": letter_pad_value(c)})) for c in "AHW"])

    before = reader.batcher.batches
    answers = asyncio.run(many())
    assert [a["digit_like"] for a in answers] == [False, False, False]
    assert reader.batcher.batches - before == 2  # one for the model, one for the guard


def test_empty_pad_gets_the_hint(client):
    with client.websocket_connect("/live") as socket:
        answer = ask(socket, {"model": "bundled", "value": {"strokes": [], "width": 320, "height": 320}})
    assert answer["heading"] == EMPTY_HINT and answer["top"] == [] and answer["preview"] is None


@pytest.mark.parametrize("name", [name for name, value in BAD_STROKES.items() if len(json.dumps(value)) < MAX_MESSAGE])
def test_bad_input_gets_the_sentence_predict_strokes_gives(client, classifier, name):
    """(Values over MAX_MESSAGE get the HTTP body limit's sentence, as over HTTP: see the oversized test.)"""
    label, _, verdict = read_strokes(BAD_STROKES[name], classifier)
    with client.websocket_connect("/live") as socket:
        answer = ask(socket, {"model": "bundled", "value": BAD_STROKES[name]})
        assert answer == answer_view_value(label, None, verdict, "pad")
        assert ask(socket, {"value": stroke_pad_value(7)})["top"][0][0] == "7"  # and the connection goes on


@pytest.mark.parametrize("message", ["{not json", "null", "[1, 2]", '"text"', json.dumps({"model": "mine"})])
def test_malformed_messages_get_a_sentence(client, message):
    with client.websocket_connect("/live") as socket:
        answer = ask(socket, message)
        assert answer["heading"] in ("Can't read this drawing", EMPTY_HINT)
        assert ask(socket, {"value": stroke_pad_value(1)})["top"][0][0] == "1"


def test_unknown_model_reads_with_the_bundled_one(client):
    """ "mine" lives in the visitor's Gradio session, which the socket cannot see: the page sends events for it."""
    with client.websocket_connect("/live") as socket:
        assert ask(socket, {"model": "mine", "value": stroke_pad_value(4)})["top"][0][0] == "4"


@pytest.mark.parametrize("size", ["100,000 points", "the limit and one"])
def test_oversized_message_is_refused_and_the_connection_closed(client, size):
    """The sentence a body over the limit gets from /predict_strokes (`request_limit`), then close code 1009."""
    huge = json.dumps({"value": BAD_STROKES[size]} if size in BAD_STROKES else {"value": "x" * MAX_MESSAGE})
    assert len(huge) > MAX_MESSAGE
    with client.websocket_connect("/live") as socket:
        answer = ask(socket, huge)
        assert answer["heading"] == "Can't read this drawing" and "Request too large" in answer["verdict"]
        with pytest.raises(WebSocketDisconnect) as closed:
            socket.receive_text()
    assert closed.value.code == 1009


def test_dropped_connections_leave_nothing_behind(client, reader):
    before = reader.connections
    for _ in range(20):
        with client.websocket_connect("/live") as socket:
            socket.send_text(json.dumps({"value": stroke_pad_value(3)}))  # gone before the answer is read
    with client.websocket_connect("/live") as socket:
        assert ask(socket, {"value": stroke_pad_value(3)})["top"][0][0] == "3"
    assert reader.connections == before and not reader.batcher.waiting and not reader.batcher.scheduled


def test_batcher_reads_what_is_ready_together_in_one_pass(classifier):
    images = np.stack([pad_to_mnist(stroke_pad_value(d)) for d in range(10)])

    async def all_at_once(batcher):
        return await asyncio.gather(*(batcher.probabilities(classifier, image) for image in images))

    batcher = Batcher()
    probs = asyncio.run(all_at_once(batcher))
    assert batcher.batches == 1 and batcher.images == 10
    assert np.allclose(np.stack(probs), classifier.predict_proba(images), atol=1e-5)


def test_pad_reads_live_only_with_a_server_model_and_the_views_closed():
    assert live_model("bundled", False, False) == "bundled" and live_model("robust", False, False) == "robust"
    assert live_model("mine", False, False) == ""
    assert live_model("bundled", True, False) == "" and live_model("robust", False, True) == ""


def test_answer_view_escapes_and_orders():
    value = answer_view_value({"1": 0.2, "7": 0.7, "9": 0.1}, None, "It's a **7** <b>", about="photo")
    assert [d for d, _ in value["top"]] == ["7", "1", "9"] and value["heading"] is None
    assert value["verdict"] == "It&#x27;s a <strong>7</strong> &lt;b&gt;" and value["about"] == "photo"


@pytest.mark.parametrize(
    "message",
    [
        "[" * 100_000,  # nesting: refused before it is parsed (it was a RecursionError that closed the socket)
        '{"value":' * 20_000,
        json.dumps({"value": {"strokes": [[[1, 1]]] * 10_000, "width": 1, "height": 1}}),  # 10,000 strokes
        '{"value": {"strokes": [[[1e999, 1]]], "width": 320, "height": 320}}',  # a number too big for a float
        '{"value": {"strokes": [[['
        + "9" * 5000
        + ', 1]]], "width": 320, "height": 320}}',  # an integer of 5,000 digits
    ],
)
def test_hostile_messages_get_a_sentence_and_the_socket_goes_on(client, message, caplog):
    with client.websocket_connect("/live") as socket:
        answer = ask(socket, message)
        assert answer["heading"] == "Can't read this drawing" and answer["verdict"].startswith("Can&#x27;t read this")
        assert ask(socket, {"value": stroke_pad_value(5)})["top"][0][0] == "5"
    assert "Traceback" not in caplog.text and len([r for r in caplog.records if r.name == "digitpad"]) == 1


def test_binary_frames_that_are_not_utf8_get_a_sentence(client):
    with client.websocket_connect("/live") as socket:
        socket.send_bytes(b"\xff\xfe\x00garbage")
        assert socket.receive_json()["heading"] == "Can't read this drawing"
        socket.send_bytes(json.dumps({"value": stroke_pad_value(2)}).encode())
        assert socket.receive_json()["top"][0][0] == "2"


def test_a_page_from_another_site_is_refused_with_a_reason(client):
    with client.websocket_connect("/live", headers={"Origin": "https://evil.example"}) as socket:
        with pytest.raises(WebSocketDisconnect) as closed:
            socket.receive_text()
    assert closed.value.code == 1008 and "digitpad's own page" in closed.value.reason
    with client.websocket_connect("/live", headers={"Origin": "http://testserver"}) as socket:  # its own page
        assert ask(socket, {"value": stroke_pad_value(8)})["top"][0][0] == "8"


def test_an_address_holds_a_limited_number_of_connections(client, reader, monkeypatch):
    monkeypatch.setattr(live, "LIMITS", replace(live.LIMITS, live_connections_per_address=2))
    with client.websocket_connect("/live") as first, client.websocket_connect("/live"):
        with client.websocket_connect("/live") as third:
            with pytest.raises(WebSocketDisconnect) as closed:
                third.receive_text()
        assert closed.value.code == 1013 and "Too many live connections" in closed.value.reason
        assert ask(first, {"value": stroke_pad_value(6)})["top"][0][0] == "6"  # those let in go on
    with client.websocket_connect("/live") as again:  # once they are gone, room again
        assert ask(again, {"value": stroke_pad_value(6)})["top"][0][0] == "6"
    assert reader.per_address == {}


def test_an_idle_connection_is_closed(client, monkeypatch):
    monkeypatch.setattr(live, "LIMITS", replace(live.LIMITS, live_idle_s=0.2))
    with client.websocket_connect("/live") as socket:
        with pytest.raises(WebSocketDisconnect) as closed:
            socket.receive_text()
    assert closed.value.code == 1000 and closed.value.reason == "idle"


def test_a_connection_over_its_budget_waits_before_its_next_message():
    budget = Budget(messages_per_s=10, chars_per_s=1_000, largest=2_000)
    assert budget.delay(2_000) == 0  # a largest message in hand
    assert budget.delay(500) == pytest.approx(0.5, abs=0.05)  # then 500 more characters: half a second
    many = Budget(messages_per_s=10, chars_per_s=1e9, largest=10)
    delays = [many.delay(1) for _ in range(20)]
    assert delays[:10] == [0] * 10 and delays[-1] == pytest.approx(1.0, abs=0.05)  # 10 a second


def test_a_long_drawing_is_read_off_the_event_loop(reader, classifier):
    """A message over INLINE_CHARS is parsed and drawn in the reader's worker process; the answer is the same."""
    value = stroke_pad_value(3)
    dense = {**value, "strokes": [np.repeat(np.asarray(s), 40, axis=0).tolist() for s in value["strokes"]]}
    message = json.dumps({"value": dense})
    assert len(message) > INLINE_CHARS
    answer = asyncio.run(reader.reply(message))
    assert answer["top"][0][0] == "3"


def test_a_live_message_makes_a_retrain_yield_a_core(client, monkeypatch):
    from digitpad.training import cpu_share

    monkeypatch.setattr(cpu_share, "_last_drawing", -cpu_share.DRAWING_RECENT_S)
    monkeypatch.setattr(cpu_share, "physical_cores", lambda: 2)
    assert cpu_share.training_threads() == 2  # nobody draws: both cores train
    with client.websocket_connect("/live") as socket:
        ask(socket, {"model": "bundled", "value": stroke_pad_value(3)})
    assert cpu_share.training_threads() == 1  # someone draws: the live reading keeps one


def test_the_clients_live_url_is_the_apps_live_path():
    """`served.live_url` (for the tests and the benchmark, which must not import Gradio) names the route
    `app.draw.LIVE_PATH` serves."""
    from digitpad.app.draw import LIVE_PATH
    from digitpad.app.served import live_url

    assert live_url("http://127.0.0.1:7860/") == "ws://127.0.0.1:7860" + LIVE_PATH
