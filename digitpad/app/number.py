"""The Number tab: write a whole number on a wide pad, or give a photo (upload, paste, webcam).

Wiring only. `Classifier.read_number` finds and reads the digits; this module shows the
number in large type, the picture with a box and the digit over each detection, and each
digit as the network saw it with its confidence (unsure ones marked, not hidden). Marks that are not
digits (a "#", a "$", a letter) are left out of the number and boxed in grey as "not a digit"; one left out
from between digits is boxed in grey with the closest digit ("0? left out"), and the status says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from digitpad.app.draw import BRUSH
from digitpad.app.gallery import number_digits_html
from digitpad.app.inputs import PICTURE_EVENTS, Models, Photo, chosen_model
from digitpad.app.outputs import guarded, why_unreadable
from digitpad.app.stroke_pad import PadReads, StrokePad, is_picture, sent_version
from digitpad.config import LIMITS
from digitpad.ink.preprocess import DrawingError, pad_picture_array
from digitpad.ink.strokes import parse_strokes, strokes_to_ink
from digitpad.read.classifier import Classifier
from digitpad.read.number_line import MAX_DIGITS, PAD_PEN
from digitpad.read.number_reader import DigitReading, NumberReading

PAD_WIDTH, PAD_HEIGHT = 960, 320  # px: a 3:1 pad, room for 4-6 digits
EMPTY_STATUS = f"Write a number (up to {MAX_DIGITS} digits) on the pad, or give a photo: it is read as you write."

SURE_COLOUR, UNSURE_COLOUR = "#2563eb", "#d97706"  # blue boxes; amber for digits marked unsure
NOT_DIGIT_COLOUR, NOT_DIGIT_TAG = "#6b7280", "not a digit"  # grey boxes: marks left out of the number
LEFT_OUT_TAG = "left out"  # a mark left out from between digits: its box names the closest digit ("0? left out")

# (the picture with boxes, the number, its digits as read, a status line)
NumberAnswer = tuple[np.ndarray | None, str, str, str]


def pad_picture(value: object) -> np.ndarray | None:
    """The stroke pad's strokes as the visitor sees them: dark ink on white, uint8 (H, W), canvas px (scaled
    down to LIMITS.shown_pixels for a canvas larger than that: the boxes follow, see `boxes_picture`)."""
    parsed = parse_strokes(value)
    if not parsed.strokes:
        return None
    scale = min(1.0, (LIMITS.shown_pixels / (parsed.width * parsed.height)) ** 0.5)
    ink = strokes_to_ink(parsed, scale, PAD_PEN * parsed.height)
    return np.round(255 * (1 - ink)).astype(np.uint8)


def picture_shown(value: dict) -> np.ndarray | None:
    """A picture sent for the pad (the sketchpad-style dict; see `stroke_pad.uploaded_picture`) as the boxes are
    drawn on: its composite (else background) as uint8 grey or RGB(A); None when it has neither."""
    array = pad_picture_array(value)
    return None if array is None else np.round(255 * array).astype(np.uint8)


def shrunk_to(picture: np.ndarray, pixels: int) -> np.ndarray:
    """A uint8 picture scaled down (area averaging) to about `pixels` pixels."""
    scale = (pixels / (picture.shape[0] * picture.shape[1])) ** 0.5
    size = max(1, round(picture.shape[1] * scale)), max(1, round(picture.shape[0] * scale))
    return np.asarray(Image.fromarray(picture).resize(size, Image.Resampling.BOX))


def status_text(reading: NumberReading) -> str:
    """One line: how many digits, which are unsure, what was left out (as no digit, or from between digits: maybe
    a digit after all), and any note."""
    between = [d for d in reading.not_digits if d.between]
    left_out = len(reading.not_digits) - len(between)
    said = []
    if between:
        closest = " and ".join(str(d.digit) for d in between)
        if len(between) == 1:
            said.append(
                f"1 mark was left out between digits (grey box, closest digit {closest}): "
                "if it is a digit, write it again more clearly."
            )
        else:
            said.append(
                f"{len(between)} marks were left out between digits (grey boxes, closest digits {closest}): "
                "if they are digits, write them again more clearly."
            )
    if left_out:
        marks = f"{left_out} mark{'s' if left_out > 1 else ''} that {'are' if left_out > 1 else 'is'} not a digit"
        said.append(f"Left out {marks} (grey boxes).")
    if said:
        reading = NumberReading(reading.digits, " ".join(said + [reading.note]).strip())
    if not reading.digits:
        return reading.note or "No digits found: write a number on the pad, or try a sharper photo."
    count = len(reading.digits)
    line = f"Read {count} digit{'s' if count > 1 else ''}: **{reading.text}**."
    unsure = [(i, d) for i, d in enumerate(reading.digits) if d.unsure]
    if unsure:
        which = ", ".join(f"the {ordinal(i + 1)} ({d.digit}, {d.confidence:.0%})" for i, d in unsure)
        line += f" Unsure (marked ?): {which}."
    return f"{line} {reading.note}".strip()


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def boxes_picture(picture: np.ndarray, reading: NumberReading, read_width: float | None = None) -> np.ndarray:
    """The picture with a box round each digit found and the digit read over it (amber and "?" when unsure), and
    a grey box tagged "not a digit" round each mark left out of the number ("0? left out" from between digits).
    `read_width`: the width of what was read, in the px of the reading's boxes, when the picture is drawn at
    another size (None: the same)."""
    image = Image.fromarray(picture).convert("RGB")
    pen = ImageDraw.Draw(image)
    box_scale = picture.shape[1] / read_width if read_width else 1.0  # the picture may be drawn smaller
    scale = max(1.0, max(image.size) / 960)  # lines and labels keep their size on large photos
    font = ImageFont.load_default(size=round(22 * scale))
    marked = [(d, False) for d in reading.digits] + [(d, True) for d in reading.not_digits]
    for d, not_digit in marked:
        box = tuple(round(v * box_scale) for v in d.box)
        colour = NOT_DIGIT_COLOUR if not_digit else UNSURE_COLOUR if d.unsure else SURE_COLOUR
        pen.rectangle(box, outline=colour, width=round(3 * scale))
        label = box_tag(d, not_digit)
        left, top, right, bottom = pen.textbbox((box[0], box[1]), label, font=font)
        tag = (left, top - (bottom - top) - 6 * scale, right + 8 * scale, top)  # above the box, inside the picture
        shift = max(0.0, -tag[1])
        pen.rectangle((tag[0], tag[1] + shift, tag[2], tag[3] + shift), fill=colour)
        pen.text((left + 4 * scale, tag[1] + shift + 2 * scale - (top - box[1])), label, fill="white", font=font)
    return np.asarray(image)


def box_tag(d: DigitReading, not_digit: bool) -> str:
    """What a box says: the digit ("7", "7?" when unsure), "not a digit", or "0? left out" from between digits."""
    if d.between:
        return f"{d.digit}? {LEFT_OUT_TAG}"
    if not_digit:
        return NOT_DIGIT_TAG
    return f"{d.digit}?" if d.unsure else str(d.digit)


def number_answer(picture: np.ndarray | None, reading: NumberReading, read_width: float | None = None) -> NumberAnswer:
    """A reading -> what the tab shows (see `NumberAnswer`; `read_width`: see `boxes_picture`). A picture over
    LIMITS.shown_pixels is shown smaller (a 16 MP photo would cost a second to encode, and a phone no more)."""
    if picture is not None and picture.shape[0] * picture.shape[1] > LIMITS.shown_pixels:
        read_width = read_width or picture.shape[1]
        picture = shrunk_to(picture, LIMITS.shown_pixels)
    shown = None if picture is None else boxes_picture(picture, reading, read_width)
    return shown, reading.text, number_digits_html(reading.digits), status_text(reading)


def read_number_answer(picture: object, shown: np.ndarray | None, classifier: Classifier, what: str) -> NumberAnswer:
    """Read `picture`; bad input gets a message, never a crash."""
    reading, error = guarded(lambda: classifier.read_number(picture), what)
    if error:
        return None, "", "", error
    strokes = isinstance(picture, dict) and "strokes" in picture  # read in canvas px; `shown` may be smaller
    return number_answer(shown, reading, picture.get("width") if strokes else None)


def versioned(digits_html: str, version: int | None) -> str:
    """The digits' HTML in a block that carries the `version` of the pad value they answer (`data-pad-version`,
    as the Draw tab's answer does), so the page and its tests can tell the answer to the latest strokes from a
    late one to strokes in progress. Unchanged when the value was not numbered (an API client's)."""
    if version is None:
        return digits_html
    return f'<div class="number-answer" data-pad-version="{version}">{digits_html}</div>'


class NumberHandlers:
    """The Number tab's event functions, bound to the server's models (a visitor's own model comes as `mine`)."""

    def __init__(self, models: Models):
        self.models = models

    def read_number(self, pad_value, choice: str = "bundled", mine: Classifier | None = None) -> NumberAnswer:
        try:
            shown = picture_shown(pad_value) if is_picture(pad_value) else pad_picture(pad_value)
        except DrawingError as e:
            return None, "", "", why_unreadable(e, "drawing")
        return read_number_answer(pad_value, shown, chosen_model(choice, mine, self.models), "drawing")

    def read_sent(self, pad_value, choice: str, mine: Classifier | None, reads: PadReads) -> NumberAnswer:
        """What the pad sent, read, its digits marked with the value's version (see `versioned`); nothing when a
        newer value is read meanwhile (see `PadReads`)."""

        def read() -> NumberAnswer:
            shown, text, digits, status = self.read_number(pad_value, choice, mine)
            return shown, text, versioned(digits, sent_version(pad_value)), status

        skipped = (gr.skip(),) * 4  # the four outputs of a NumberAnswer
        return reads.unless_overtaken(pad_value, read, skipped)

    def read_number_photo(self, photo, choice: str = "bundled", mine: Classifier | None = None) -> NumberAnswer:
        return read_number_answer(photo, photo, chosen_model(choice, mine, self.models), "photo")

    def read_photo_or_pad(self, photo, pad_value, choice: str, mine: Classifier | None) -> NumberAnswer:
        """A new photo is read; once it is removed, the pad is read again."""
        if photo is None:
            return self.read_number(pad_value, choice, mine)
        return self.read_number_photo(photo, choice, mine)


@dataclass
class NumberViews:
    """The Number tab's components, as `number_layout` places them."""

    pad: StrokePad
    photo: Photo
    outputs: list  # what a reading fills: boxes, text, digits, status (a `NumberAnswer`)
    api_only: gr.Button  # `/read_number_photo` for API clients: a picture in, the answer out
    pad_reads: gr.State  # the newest pad value read for this visitor


def number_layout() -> NumberViews:
    gr.Markdown("Write a whole number, left to right. The whole line is read at once, so digits may touch.")
    hint = "Write a number here, e.g. 2026"
    pad = StrokePad(
        elem_id="number-pad", width=PAD_WIDTH, height=PAD_HEIGHT, brush=BRUSH, label="Number pad", hint=hint
    )
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=300):
            text = gr.Textbox(
                label="The number", elem_id="number-text", interactive=False, buttons=["copy"], max_lines=1
            )
            status = gr.Markdown(EMPTY_STATUS, elem_id="number-status")
            digits = gr.HTML(elem_id="number-digits", label="Each digit as the network read it")
            boxes = gr.Image(
                label="What was found", elem_id="number-boxes", interactive=False, format="png", buttons=[]
            )
        with gr.Column(scale=2, min_width=260):
            photo = Photo(
                label="Or a photo of a handwritten number (upload, paste or webcam)",
                elem_id="number-photo",
                type="numpy",
                sources=["upload", "clipboard", "webcam"],
                height=260,
            )
    return NumberViews(pad, photo, [boxes, text, digits, status], gr.Button(visible=False), gr.State(PadReads()))


def build_number_tab(models: Models, my_model: gr.State, model_choice: gr.Radio) -> None:
    """The Number tab. It reads with the model chosen on the Draw tab."""
    with gr.Tab("Number", id="number"):
        views = number_layout()
    on, pad, photo, chosen = NumberHandlers(models), views.pad, views.photo, [model_choice, my_model]
    # the pad's strokes cost little, but an API client may send a picture for the pad: a few at once
    live = {
        "trigger_mode": "always_last",
        "show_progress": "hidden",
        "concurrency_limit": 4,
        "concurrency_id": "number",
    }
    pictures = {**live, **PICTURE_EVENTS}
    pad.input(on.read_sent, [pad, *chosen, views.pad_reads], views.outputs, api_name="read_number", **live)
    photo.change(on.read_photo_or_pad, [photo, pad, *chosen], views.outputs, api_visibility="private", **pictures)
    api = {"api_name": "read_number_photo", **PICTURE_EVENTS}
    views.api_only.click(on.read_number_photo, [photo, *chosen], views.outputs, **api)
