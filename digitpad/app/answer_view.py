"""AnswerView: the Draw tab's answer (verdict line, top-3 guesses, the 28x28 picture read) as one `gr.HTML`.

One component, so that one value says everything about an answer, whichever way it came:
- from a Gradio event (a photo, another model chosen, a pad read while Why?/Inside are open), as the
  handler's output;
- from the pad's live WebSocket (`app.live`): the pad dispatches a `digitpad-answer` DOM event and this
  view's script sets `props.value`, which re-renders the template. No event reaches the server for it.

Value (JSON; `answer_view_value` builds it)::

    {"verdict": "It's a <strong>7</strong> (98% sure).",   # HTML, escaped here
     "heading": null,                                       # a hint or "Can't read this drawing" instead of guesses
     "top": [["7", 0.98], ["1", 0.01], ["9", 0.004]],       # the three best guesses, best first
     "preview": "data:image/png;base64,...",                # the 28x28 picture the network read (None: nothing)
     "about": "pad",                                        # what the answer is about: "pad" or "photo"
     "digit_like": true,                                    # false: not a digit at all; the guesses, greyed
                                                            # under "Not a digit", are only the closest digits
     "pad_version": 12}                                     # an answer about the pad: the `version` of the pad
                                                            # value read (see `stroke_pad`), shown as the view's
                                                            # data-pad-version; absent or null otherwise

`about` tells the other views (Why?, corrections) which picture the answer is about, and it lives in
the page: a live answer makes it "pad" without a round trip.
"""

from __future__ import annotations

import base64
import html
import io
import re
from typing import Any

import gradio as gr
import numpy as np
from PIL import Image

from digitpad.app.assets import asset, template_literal

__all__ = ["AnswerView", "answer_view_value"]

PREVIEW_SIDE = 224  # px on screen: the 28x28 picture, 8x, pixelated

_BOLD = re.compile(r"\*\*(.+?)\*\*")

# The view's front end, read from static/: its template is JavaScript in a template literal over `value` ("" before
# the first answer; every field optional) and `side`; its script makes a live answer from the pad its value.
_HTML_TEMPLATE = template_literal("answer-view.template.js")
_CSS_TEMPLATE = asset("answer-view.css")
_JS_ON_LOAD = asset("answer-view.js")


def verdict_html(verdict: str) -> str:
    """A verdict line (markdown-style **bold** only) as safe HTML."""
    return _BOLD.sub(r"<strong>\1</strong>", html.escape(verdict))


def png_data_uri(image: np.ndarray) -> str:
    """A uint8 grey image as a PNG data URI (a 28x28 picture is about 400 bytes)."""
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, "png", compress_level=1)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def answer_view_value(
    label: dict | str, image: np.ndarray | None, verdict: str, about: str, digit_like: bool = True
) -> dict[str, Any]:
    """(top-3 label {digit: p} or a heading, the 28x28 image read or None, verdict line) -> the view's value.
    `digit_like` False: the drawing is not a digit at all; the guesses are shown greyed, under "Not a digit"."""
    top = sorted(label.items(), key=lambda item: -item[1]) if isinstance(label, dict) else []
    return {
        "verdict": verdict_html(verdict),
        "heading": None if top and digit_like else "Not a digit" if top else str(label),
        "top": [[str(digit), round(float(p), 4)] for digit, p in top],
        "preview": None if image is None else png_data_uri(image),
        "about": about,
        "digit_like": digit_like,
    }


class AnswerView(gr.HTML):
    """The Draw tab's answer; its value is `answer_view_value(...)`. `pad_id`: the pad whose live answers it shows."""

    def __init__(
        self,
        value: dict | None = None,
        *,
        pad_id: str,
        elem_id: str | None = None,
        elem_classes: list[str] | str | None = None,
        visible: bool = True,
        render: bool = True,  # Gradio copies a component per session with render=False
        key: int | str | None = None,
    ) -> None:
        super().__init__(
            value,
            html_template=_HTML_TEMPLATE,
            css_template=_CSS_TEMPLATE,
            js_on_load=_JS_ON_LOAD,
            apply_default_css=False,
            elem_id=elem_id,
            elem_classes=elem_classes,
            visible=visible,
            render=render,
            key=key,
            pad_id=pad_id,
            side=PREVIEW_SIDE,
        )

    def preprocess(self, payload: Any) -> Any:  # type: ignore[override]
        """The value as the page holds it (a dict), untouched."""
        return payload

    def postprocess(self, value: Any) -> Any:  # type: ignore[override]
        return value

    def api_info(self) -> dict[str, Any]:
        return {"type": "object", "description": "the Draw tab's answer (see digitpad.app.answer_view)"}

    def example_payload(self) -> Any:
        return answer_view_value("Draw a digit (0-9)", None, "The pad is empty.", about="pad")

    def example_value(self) -> Any:
        return self.example_payload()
