"""StrokePad: a drawing pad built on Gradio's own custom-HTML component (`gr.HTML`).

A visitor draws on a `<canvas>` with the mouse, a pen or a finger (pointer events, so all three
behave alike). The pad keeps the strokes as lists of points and sends them to Python while the
stroke is still being drawn, so a model can answer live.

Value
-----
The value is a JSON object in the canvas's own coordinate space (W x H = the `width` and `height`
given to the constructor, whatever size the pad is shown at)::

    {"strokes": [[[x, y], [x, y], ...], ...], "width": W, "height": H}

Coordinates are rounded to 0.1 px and clamped to 0..W, 0..H (pointer capture lets a stroke leave
the canvas; its points are kept on the edge). A point closer than 1.5 px to the previous one is
skipped. An empty pad is `{"strokes": [], "width": W, "height": H}`; `empty_value(W, H)` builds it.
A value sent while a stroke is still being drawn also has `"pen_down": true` (absent once the pen is up).
Every value the pad sends is numbered, `"version": 1, 2, ...`, and the pad's root element carries the
number of the latest in `data-version` (empty for a value set from Python): an answer that echoes it
(the Draw tab's `AnswerView` does) says which drawing it is about, so the page, and a test, can tell
the answer to the finished drawing from a late answer to strokes still in progress.
The canvas is on the page a moment before its script runs; ink drawn then would be lost, so the root
element gets `data-ready` once the script listens, and the hint ("Draw a digit here") shows only from then on.

How the value reaches Python
----------------------------
`gr.HTML` has no data model: the browser posts `props.value` as JSON and `preprocess` hands it over
untouched, so the Python function gets a plain `dict` (nested lists of numbers inside: JSON gives
int for 40 and float for 40.5) and never a JSON string. The same holds for API clients: whatever
JSON a client sends arrives as is, so a garbage payload ("garbage", None, a list, a dict missing
keys, "NaN" strings) reaches the function without Gradio raising, and the function must validate
it. A raw HTTP client may even send the JSON literals NaN and Infinity, which arrive as float nan
and inf. `api_info` describes the object, so `gradio_client` sends the dict itself::

    Client(url).predict({"strokes": [[[10, 10], [50, 60]]], "width": 320, "height": 320}, api_name="/predict_strokes")

Wiring
------
The pad fires an `input` event about every 60 ms while a stroke is drawn (the value then includes
the stroke in progress), once at pen-up, and after Undo or Clear canvas::

    pad = StrokePad(elem_id="pad")
    pad.input(read, [pad], [answer], trigger_mode="always_last", show_progress="hidden", concurrency_limit=None)

`trigger_mode="always_last"` makes the browser drop stale requests: while one answer is pending
only the newest drawing is sent next. Not quite always: two values sent a few ms apart can still be
read at once, and the older answer can arrive last; `PadReads` (in a `gr.State`) lets the handler drop
it. Returning a value for the pad from Python (for instance `empty_value(320, 320)`) redraws it; that
does not fire `input` again. Listen to `input`, not `change`: Gradio fires `change` for every send as
well and also when Python sets the value, so a `change` listener doubles the traffic.

Live reading without events: given `live_url` and `live_model`, the pad sends each update over one
WebSocket instead (see `digitpad.app.live`), keeps at most one message in flight (the newest strokes
go when the answer comes back), and hands each answer to the page as a `digitpad-answer` DOM event
that bubbles up from the pad (`detail.answer`) for an `AnswerView` to show. `props.value` is
still set on every update, so other events that take the pad as input see the current drawing. With
`live_model` "" (set from Python with `gr.update(live_model="")`), or once the socket has closed twice
without an answer (refused, or dropped by a proxy), the pad fires `input` as above.

How gr.HTML works underneath (Gradio 6.31, read from its frontend code)
------------------------------------------------------------------------
- `html_template` and `css_template` are rendered (Handlebars, then as a JS template literal with
  the props as variables) when the component mounts and again whenever a prop changes, including
  `props.value`. The new HTML is diffed into the DOM; an identical render string is a no-op. The
  template here uses only the fixed constructor props, never `${value}`, so drawing never re-renders
  the canvas. State the script toggles lives in data attributes on the root element, which the
  diff never touches.
- `js_on_load` runs once per mounted component, as a function of `element` (the component's root),
  `trigger`, `props`, `watch` and a few more. All state lives in that closure, so several pads on a
  page are independent.
- Setting `props.value` only takes effect when a new object is assigned (the props proxy compares
  by reference), so every send builds a fresh value.
- `watch('value', fn)` fires when Python changes the value, not when the script sets it itself.
- A `null` value arrives in the browser as `""`; the script treats anything malformed as empty.
- Subclassing a Gradio component makes Gradio write a `.pyi` stub next to this file at import time
  (git and ruff ignore it).
- In a `gr.Tab` that is not selected the pad is mounted when the tab is first opened; switching tabs
  later keeps the same canvas and strokes.
"""

from __future__ import annotations

import html
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypedDict, TypeVar

import gradio as gr
import numpy as np
from gradio.utils import get_upload_folder, is_in_or_equal

from digitpad.app.assets import asset
from digitpad.ink.preprocess import Refused, Upload
from digitpad.ink.strokes import MAX_POINTS, MAX_STROKES  # the server's caps: the pad stops taking ink there too

__all__ = ["PadReads", "StrokePad", "StrokePadValue", "empty_value", "sent_version"]

T = TypeVar("T")

SEND_INTERVAL_MS = 60  # while drawing, send at most this often
MIN_POINT_DISTANCE = 1.5  # canvas px; closer points are skipped


class StrokePadValue(TypedDict):
    """What a StrokePad sends, in the canvas's own `width` x `height` space."""

    strokes: list[list[list[float]]]
    width: int
    height: int


def is_picture(value: Any) -> bool:
    """Whether a value sent for the pad is a picture (a sketchpad-style dict) rather than strokes."""
    return (
        isinstance(value, dict) and "strokes" not in value and bool({"background", "layers", "composite"} & set(value))
    )


def uploaded_picture(payload: Any) -> Any:
    """The trust boundary of what a request sends for the pad: strokes (a dict or its JSON text) pass through
    for the reader to check; nothing in it is ever opened as a path.

    An API client may send a picture instead of strokes: the sketchpad-style dict `/predict` takes,
    {"background": ..., "layers": [...], "composite": ...}, whose images `gradio_client` uploads as files.
    Those arrive as file objects ({"path": ..., "meta": {"_type": "gradio.FileData"}}); one that lies in
    Gradio's upload folder becomes an `Upload`, which the picture reader opens. A path string, a URL or a file
    object for any other file becomes `Refused`: reading it answers with a sentence, the same one whether or not
    the path exists. Other text than JSON is refused the same way."""
    if isinstance(payload, (str, bytes)) and payload.lstrip()[:1] not in ("{", b"{"):
        return Refused("the pad sends strokes or an uploaded picture; this text is neither")
    if not is_picture(payload):
        return payload

    def slot(item: Any) -> Any:
        if item is None or isinstance(item, (list, np.ndarray)):
            return item  # no picture, or its pixels (`as_array` checks them)
        path = item.get("path") if isinstance(item, dict) else None
        if isinstance(path, str) and is_in_or_equal(path, get_upload_folder()) and Path(path).is_file():
            return Upload(path)
        return Refused("a picture must be sent as an uploaded file, not named by a path or a link")

    layers = payload.get("layers")
    return {
        **payload,
        "background": slot(payload.get("background")),
        "composite": slot(payload.get("composite")),
        "layers": [slot(layer) for layer in layers] if isinstance(layers, list) else layers,
    }


def empty_value(width: int = 320, height: int = 320) -> StrokePadValue:
    """The value of an empty pad; return it from a handler to clear the pad."""
    return {"strokes": [], "width": width, "height": height}


def sent_version(value: Any) -> int | None:
    """The number the page gave a value it sent (`"version"`), or None (a value set from Python, an API client's)."""
    version = value.get("version") if isinstance(value, dict) else None
    return version if isinstance(version, int) and not isinstance(version, bool) else None


class PadReads:
    """The newest of one pad's values read for a visitor: keep one per pad in a `gr.State(PadReads())`.

    `trigger_mode="always_last"` is not quite one request at a time: Gradio 6.31's page registers an
    event's request only after awaiting its inputs, so two values sent a few ms apart (the last points,
    then pen-up) can be read at once, and the older answer can come back last and stay on the page. The
    handler returns `reads.unless_overtaken(value, read, gr.skip())`: an answer to a value older than one
    already being read is never sent.
    """

    def __init__(self) -> None:
        self.newest = 0
        self._lock = threading.Lock()  # concurrent reads for one visitor run in Gradio's worker threads

    def __deepcopy__(self, memo: dict) -> PadReads:  # gr.State copies its default for each visitor
        return PadReads()

    def begin(self, value: Any) -> int | None:
        """Note that `value` is being read; its version (None when the page did not number it)."""
        version = sent_version(value)
        if version is not None:
            with self._lock:
                self.newest = max(self.newest, version)
        return version

    def overtaken(self, version: int | None) -> bool:
        """Whether a newer value than `version` has begun to be read since."""
        return version is not None and self.newest > version

    def unless_overtaken(self, value: Any, read: Callable[[], T], skipped: T) -> T:
        """`read()`, the answer to `value`; `skipped` instead when a newer value began to be read meanwhile."""
        version = self.begin(value)
        answer = read()
        return skipped if self.overtaken(version) else answer


# The pad's front end, read from static/: only fixed props appear in its HTML, never ${value}, so that a changed value
# does not re-render the canvas; the script runs once per mounted pad (see the module docstring).
_HTML_TEMPLATE = asset("stroke-pad.html")
_CSS_TEMPLATE = asset("stroke-pad.css")
_JS_ON_LOAD = asset("stroke-pad.js")


class StrokePad(gr.HTML):
    """A canvas to draw strokes on; its value is `{"strokes": [...], "width": W, "height": H}`.

    The drawing size is fixed at W x H canvas px: on a narrower screen the pad is scaled down and
    the points are still reported in W x H space. Listen to `.input` (see the module docstring).

    Parameters (the rest are gr.HTML's):
        value: the initial drawing; None for an empty pad.
        width, height: the drawing size in canvas px, fixed from page load on.
        brush: the ink width in canvas px.
        label: the pad's accessible name (also its label in the API docs).
        hint: a line shown on the empty canvas; "" for none.
        max_points, max_strokes: client-side caps; past them the pad takes no new ink.
        live_url: a WebSocket path (relative to the page) that reads the strokes live (see `app.live`);
            "" sends Gradio `input` events only.
        live_model: the model the live socket reads with; "" sends Gradio events instead. A handler
            changes it with `gr.update(live_model=...)` (the canvas is not re-rendered).
    """

    def __init__(
        self,
        value: StrokePadValue | dict[str, Any] | None = None,
        *,
        width: int = 320,
        height: int = 320,
        brush: float = 22,
        label: str = "Drawing pad",
        hint: str = "Draw a digit here",
        max_points: int = MAX_POINTS,
        max_strokes: int = MAX_STROKES,
        live_url: str = "",
        live_model: str = "",
        elem_id: str | None = None,
        elem_classes: list[str] | str | None = None,
        visible: bool = True,
        render: bool = True,
        key: int | str | None = None,
        scale: int | None = None,
        min_width: int | None = None,
    ) -> None:
        self.width = int(width)
        self.height = int(height)
        super().__init__(
            value if value is not None else empty_value(self.width, self.height),
            label=label,
            html_template=_HTML_TEMPLATE,
            css_template=_CSS_TEMPLATE,
            js_on_load=_JS_ON_LOAD,
            apply_default_css=False,
            elem_id=elem_id,
            elem_classes=elem_classes,
            visible=visible,
            render=render,
            key=key,
            scale=scale,
            min_width=min_width,
            # Template props: fixed for the pad's life, so the canvas is never re-rendered.
            width=self.width,
            height=self.height,
            brush=brush,
            canvas_label=html.escape(label),
            hint=html.escape(hint),
            cap_message=html.escape("Drawing limit reached: Undo or Clear to draw more"),
            max_points=int(max_points),
            max_strokes=int(max_strokes),
            send_interval_ms=SEND_INTERVAL_MS,
            min_point_distance=MIN_POINT_DISTANCE,
            live_url=live_url,
            live_model=live_model,
        )

    def preprocess(self, payload: Any) -> Any:  # type: ignore[override]
        """Passes the payload through untouched (a dict from the browser, anything from an API client; the
        event handler validates it), except a picture: see `uploaded_picture`."""
        return uploaded_picture(payload)

    def postprocess(self, value: Any) -> Any:  # type: ignore[override]
        """None clears the pad; anything else is sent as is (the browser ignores malformed ink)."""
        return empty_value(self.width, self.height) if value is None else value

    def api_info(self) -> dict[str, Any]:
        point = {"type": "array", "items": {"type": "number"}, "description": "[x, y] in canvas px"}
        return {
            "type": "object",
            "properties": {
                "strokes": {"type": "array", "items": {"type": "array", "items": point}},
                "width": {"type": "integer"},
                "height": {"type": "integer"},
            },
            "required": ["strokes", "width", "height"],
            "description": "strokes as lists of [x, y] points in a width x height canvas",
        }

    def example_payload(self) -> StrokePadValue:
        return {"strokes": [[[10.0, 10.0], [50.0, 60.0]]], "width": self.width, "height": self.height}

    def example_value(self) -> StrokePadValue:
        return self.example_payload()
