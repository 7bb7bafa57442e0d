"""The Number tab: its functions directly, then `/read_number` through the running server."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from digitpad.app.number import EMPTY_STATUS, box_tag, number_answer, pad_picture, status_text
from digitpad.read.number_reader import DigitReading, NumberReading
from digitpad.synth.number_set import number_set
from digitpad.synth.pen_digits import number_pad_value
from tests.support.drawing_helpers import marked_number_pad_value, pad_value, render_strokes, uploaded_picture


def reading_of(digits: list[int], confidences: list[float]) -> NumberReading:
    readings = []
    for k, (digit, confidence) in enumerate(zip(digits, confidences, strict=True)):
        probs = np.full(10, (1 - confidence) / 9)
        probs[digit] = confidence
        readings.append(
            DigitReading((10 + 50 * k, 5, 50 + 50 * k, 60), digit, confidence, probs, np.zeros((28, 28), np.uint8))
        )
    return NumberReading(readings)


def test_status_names_the_unsure_digits():
    line = status_text(reading_of([2, 0, 2, 6], [0.99, 0.45, 0.97, 0.98]))
    assert "**2026**" in line and "4 digits" in line
    assert "the 2nd (0, 45%)" in line and "Unsure" in line
    assert "Unsure" not in status_text(reading_of([7], [0.99]))
    assert "No digits found" in status_text(NumberReading([]))


def test_answer_draws_a_box_and_the_digit_over_each(classifier):
    picture = np.full((70, 300), 255, np.uint8)
    image, text, digits, _ = number_answer(picture, reading_of([4, 1], [0.95, 0.4]))
    assert text == "41" and image.shape == (70, 300, 3)
    sure, unsure = np.array([37, 99, 235]), np.array([217, 119, 6])
    assert (image[5:60, 10] == sure).all(1).sum() > 30  # the left edge of the first box, blue
    assert (image[5:60, 60] == unsure).all(1).sum() > 30  # the second box, amber: it is unsure
    assert digits.count("<figure") == 2 and "1 · 40% ?" in digits and 'class="wrong"' in digits


def test_boxes_of_a_real_reading(classifier):
    value = number_pad_value("47")
    image, text, _, _ = number_answer(pad_picture(value), classifier.read_number(value))
    assert text == "47" and image.shape == (320, 960, 3)
    blue = (image == np.array([37, 99, 235])).all(2)
    columns = np.flatnonzero(blue.any(0))
    assert columns.size and columns.min() < 480 < columns.max()  # boxes on both halves


def test_marks_that_are_not_digits_are_left_out_and_boxed_in_grey(classifier):
    value = marked_number_pad_value("#12")
    reading = classifier.read_number(value)
    image, text, digits, status = number_answer(pad_picture(value), reading)
    assert text == "12" and len(reading.not_digits) == 1 and digits.count("<figure") == 2
    assert "Left out 1 mark that is not a digit" in status and "**12**" in status
    grey = (image == np.array([107, 114, 128])).all(2)
    hash_box = reading.not_digits[0].box
    assert hash_box[2] < reading.digits[0].box[0]  # the hash, left of the 1
    assert grey[hash_box[1] : hash_box[3], hash_box[0]].sum() > 30  # the left edge of its box, grey
    one = reading.digits[0].box
    assert not grey[one[1] : one[3], one[0]].any()  # the 1's box is not


def left_out_between(reading: NumberReading, closest: list[int]) -> NumberReading:
    """`reading` with marks left out from between its digits, each read closest to a digit of `closest`."""
    marks = reading_of(closest, [0.5] * len(closest)).digits
    for mark in marks:
        mark.between = True
    return NumberReading(reading.digits, reading.note, marks)


def test_a_mark_left_out_from_between_digits_is_said_with_its_closest_digit():
    one = status_text(left_out_between(reading_of([2, 4, 7], [0.99] * 3), [0]))
    assert "**247**" in one and "1 mark was left out between digits (grey box, closest digit 0)" in one
    assert "if it is a digit, write it again" in one and "not a digit" not in one
    two = status_text(left_out_between(reading_of([2, 4, 7], [0.99] * 3), [0, 8]))
    assert "2 marks were left out between digits (grey boxes, closest digits 0 and 8)" in two
    image = number_answer(np.full((70, 300), 255, np.uint8), left_out_between(reading_of([2, 4, 7], [0.99] * 3), [0]))[
        0
    ]
    assert (image[5:60, 10] == np.array([107, 114, 128])).all(1).sum() > 30  # its box (at the first digit's), grey


def test_box_tags():
    sure, unsure = reading_of([7, 1], [0.99, 0.4]).digits
    assert box_tag(sure, False) == "7" and box_tag(unsure, False) == "1?" and box_tag(unsure, True) == "not a digit"
    unsure.between = True
    assert box_tag(unsure, True) == "1? left out"


def test_a_sign_between_digits_is_boxed_with_its_closest_digit(classifier):
    value = marked_number_pad_value("1#2")
    reading = classifier.read_number(value)
    _, text, _, status = number_answer(pad_picture(value), reading)
    closest = reading.not_digits[0].digit
    assert text == "12" and f"1 mark was left out between digits (grey box, closest digit {closest})" in status


def test_pad_picture_is_the_strokes_on_white():
    picture = pad_picture(number_pad_value("12"))
    assert picture.shape == (320, 960) and picture.dtype == np.uint8
    assert picture.max() == 255 and picture.min() == 0 and (picture < 128).mean() < 0.2
    assert pad_picture({"strokes": [], "width": 960, "height": 320}) is None


# ------------------------------------------------------------------ through the server


@pytest.fixture(scope="module")
def client(server_url):
    from gradio_client import Client

    return Client(server_url, verbose=False)


def test_read_number_api_reads_the_pad(client):
    boxes, text, digits, status = client.predict(number_pad_value("2026"), "bundled", api_name="/read_number")
    assert text == "2026"
    assert Image.open(boxes).size == (960, 320)
    assert "**2026**" in status and digits.count("<figure") == 4


def test_read_number_api_empty_and_bad_pads(client):
    _, text, _, status = client.predict({"strokes": [], "width": 960, "height": 320}, api_name="/read_number")
    assert text == "" and "No digits found" in status
    _, text, _, status = client.predict({"strokes": [[["x", 1]]], "width": 960, "height": 320}, api_name="/read_number")
    assert text == "" and status.startswith("Can't read this drawing")
    assert client.predict(number_pad_value("58"), api_name="/read_number")[1] == "58"  # it goes on serving


def test_read_number_api_takes_a_picture_as_well(client, tmp_path):
    """The sketchpad-style dict `/predict` takes: read as a photo, the boxes drawn on it."""
    strokes = marked_number_pad_value("#12")["strokes"]
    picture = uploaded_picture(pad_value(render_strokes(strokes, (960, 320), width=22)), tmp_path / "number.png")
    boxes, text, _, status = client.predict(picture, "bundled", api_name="/read_number")
    assert text == "12" and Image.open(boxes).size == (960, 320) and "not a digit" in status


def test_read_number_photo_api(client, tmp_path, mnist):
    from gradio_client import handle_file

    n = number_set(mnist.test_images[:5000].numpy(), mnist.test_labels[:5000].numpy(), "photo", 3, seed=9)[2]
    path = tmp_path / "number.jpg"
    Image.fromarray(n.picture).save(path, quality=90)
    boxes, text, _, _ = client.predict(handle_file(str(path)), "bundled", api_name="/read_number_photo")
    assert text == n.text
    assert Image.open(boxes).size == Image.open(path).size


def test_empty_status_mentions_photos():
    assert "photo" in EMPTY_STATUS
