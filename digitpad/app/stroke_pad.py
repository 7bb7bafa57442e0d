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


# Only fixed props appear here, never ${value}: a changed value must not re-render the canvas.
_HTML_TEMPLATE = """
<div class="stroke-pad">
  <div class="surface">
    <canvas role="img" aria-label="${canvas_label}"></canvas>
    <span class="hint" aria-hidden="true">${hint}</span>
    <span class="cap" role="status">${cap_message}</span>
  </div>
  <div class="tools">
    <button type="button" data-action="undo" aria-label="Undo" title="Undo the last stroke">
      <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" fill="none" stroke="currentColor"
           stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
        <path d="M9 14 4 9l5-5"/><path d="M4 9h10.5a5.5 5.5 0 0 1 0 11H11"/>
      </svg>
      <span>Undo</span>
    </button>
    <button type="button" data-action="clear" aria-label="Clear canvas" title="Clear the canvas">
      <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" fill="none" stroke="currentColor"
           stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
        <path d="M3 6h18"/><path d="M8 6V4h8v2"/><path d="M19 6l-1 14H6L5 6"/>
      </svg>
      <span>Clear</span>
    </button>
  </div>
</div>
"""

# Scoped by Gradio to this component (nested under its root's id); `&` is the root element.
_CSS_TEMPLATE = """
.stroke-pad { width: 100%; max-width: calc(${width}px + 4px); }
.surface {
  position: relative;
  border: 2px solid #8a8f98;
  border-radius: 3px;
  background: #fff;
  overflow: hidden;
  user-select: none;
  -webkit-user-select: none;
}
canvas {
  display: block;
  width: 100%;
  height: auto;
  aspect-ratio: ${width} / ${height};
  background: #fff;
  touch-action: none;
  cursor: crosshair;
}
.hint, .cap { position: absolute; pointer-events: none; }
.hint {
  inset: 0;
  display: flex;
  align-items: center;
  justify-content: center;
  color: #9ca3af;
  font-size: 1.1rem;
}
.cap {
  display: none;
  left: 0;
  right: 0;
  bottom: 0;
  padding: 2px 6px;
  background: rgba(255, 243, 205, 0.95);
  color: #6b4500;
  font-size: 0.8rem;
  text-align: center;
}
&:not([data-ready]) .hint, &[data-drawn] .hint { display: none; }
&:not([data-ready]) canvas { cursor: progress; }
&[data-capped] .cap { display: block; }
.tools { display: flex; justify-content: flex-end; gap: 8px; margin-top: 8px; }
.tools button {
  display: inline-flex;
  align-items: center;
  gap: 4px;
  min-height: 32px;
  padding: 4px 12px;
  border: 1px solid var(--button-secondary-border-color, #d1d5db);
  border-radius: var(--button-small-radius, 6px);
  background: var(--button-secondary-background-fill, #f3f4f6);
  color: var(--button-secondary-text-color, #1f2937);
  font: inherit;
  font-size: var(--button-small-text-size, 0.875rem);
  cursor: pointer;
}
.tools button:hover { background: var(--button-secondary-background-fill-hover, #e5e7eb); }
.tools button:focus-visible { outline: 2px solid var(--color-accent, #f97316); outline-offset: 2px; }
"""

# Runs once per mounted pad with `element`, `trigger`, `props` and `watch` in scope.
_JS_ON_LOAD = """
const W = Number(props.width), H = Number(props.height), BRUSH = Number(props.brush);
const MAX_POINTS = Number(props.max_points), MAX_STROKES = Number(props.max_strokes);
const SEND_MS = Number(props.send_interval_ms), MIN_DIST = Number(props.min_point_distance);

let strokes = [];      // finished strokes: arrays of [x, y] points
let current = null;    // the stroke being drawn, or null
let pointerId = null;  // the pointer drawing it
let points = 0;        // points in strokes and current together
let timer = null;      // pending throttled send
let lastSent = 0;
let version = 0;       // numbers the values sent

const canvas = () => element.querySelector('canvas');
const round = (v) => Math.round(v * 10) / 10;
const clamp = (v, hi) => Math.min(Math.max(v, 0), hi);

// The canvas keeps W x H coordinates; its backing store follows devicePixelRatio for crisp ink.
function context() {
  const c = canvas();
  if (!c) return null;
  const dpr = window.devicePixelRatio || 1;
  const bw = Math.round(W * dpr), bh = Math.round(H * dpr);
  const ctx = c.getContext('2d');
  if (c.width !== bw || c.height !== bh) {
    c.width = bw;
    c.height = bh;
    ctx.setTransform(bw / W, 0, 0, bh / H, 0, 0);
    paint(ctx);
  }
  return ctx;
}

function ink(ctx) {
  ctx.strokeStyle = '#000';
  ctx.fillStyle = '#000';
  ctx.lineWidth = BRUSH;
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
}

function dot(ctx, p) {
  ctx.beginPath();
  ctx.arc(p[0], p[1], BRUSH / 2, 0, 2 * Math.PI);
  ctx.fill();
}

function paint(ctx) {
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, W, H);
  ink(ctx);
  for (const s of current ? strokes.concat([current]) : strokes) {
    if (s.length === 1) { dot(ctx, s[0]); continue; }
    ctx.beginPath();
    ctx.moveTo(s[0][0], s[0][1]);
    for (let i = 1; i < s.length; i++) ctx.lineTo(s[i][0], s[i][1]);
    ctx.stroke();
  }
}

function redraw() {
  const ctx = context();
  if (ctx) paint(ctx);
  showState();
}

function showState() {
  element.toggleAttribute('data-drawn', strokes.length > 0 || current !== null);
  element.toggleAttribute('data-capped', points >= MAX_POINTS || strokes.length >= MAX_STROKES);
}

// --- sending: props.value must be a new object each time, then trigger('input') or the live socket ---
function send() {
  clearTimeout(timer);
  timer = null;
  lastSent = performance.now();
  const all = current ? strokes.concat([current]) : strokes;
  props.value = { strokes: all.map((s) => s.slice()), width: W, height: H };
  if (current) props.value.pen_down = true;  // a stroke in progress: see `draw.pen_down`
  props.value.version = ++version;
  element.dataset.version = String(version);
  if (!(props.live_url && props.live_model && live.send(props.value))) trigger('input');
}

// --- the live socket: one connection, at most one message in flight, the newest strokes next ---
const live = (() => {
  let socket = null, open = false, answered = false, failures = 0, broken = false;
  let inFlight = false, pending = null, seq = 0;
  function connect() {
    const url = new URL(props.live_url, window.location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    socket = new WebSocket(url);
    socket.onopen = () => { open = true; answered = false; flush(); };
    socket.onmessage = (e) => {
      inFlight = false;
      answered = true;
      failures = 0;
      let answer = null;
      try { answer = JSON.parse(e.data); } catch (err) { answer = null; }
      if (answer && element.isConnected) {
        element.dispatchEvent(new CustomEvent('digitpad-answer', { bubbles: true, detail: { answer } }));
      }
      flush();
    };
    socket.onclose = () => {
      // twice closed before any answer (refused, or a proxy that drops it): Gradio events from now on
      if (!answered && ++failures >= 2) broken = true;
      answered = false;
      const unanswered = inFlight;
      socket = null; open = false; inFlight = false;
      if (unanswered && pending === null) pending = props.value;  // resend what was lost, on a new connection
      if (pending !== null) { const value = pending; pending = null; if (!send_(value)) trigger('input'); }
    };
  }
  function flush() {
    if (!open || inFlight || pending === null) return;
    socket.send(JSON.stringify({ model: props.live_model, value: pending, seq: ++seq }));
    pending = null;
    inFlight = true;
  }
  // Queue `value` for the socket; false when this page cannot use one (then send a Gradio event).
  function send_(value) {
    if (broken || typeof WebSocket === 'undefined') return false;
    pending = value;
    if (socket === null) connect();
    flush();
    return true;
  }
  return { send: send_ };
})();

function sendSoon() {
  if (timer !== null) return;
  timer = setTimeout(send, Math.max(0, lastSent + SEND_MS - performance.now()));
}

// --- drawing with pointer events (mouse, pen and touch alike) ---
function toCanvas(e) {
  const r = canvas().getBoundingClientRect();
  return [round(clamp(((e.clientX - r.left) * W) / r.width, W)), round(clamp(((e.clientY - r.top) * H) / r.height, H))];
}

function addPoint(e) {
  const last = current[current.length - 1];
  const p = toCanvas(e);
  if (Math.hypot(p[0] - last[0], p[1] - last[1]) < MIN_DIST) return false;
  if (points >= MAX_POINTS) { showState(); return false; }
  current.push(p);
  points++;
  const ctx = context();
  ink(ctx);
  ctx.beginPath();
  ctx.moveTo(last[0], last[1]);
  ctx.lineTo(p[0], p[1]);
  ctx.stroke();
  return true;
}

function endStroke() {
  if (current === null) return;
  strokes.push(current);
  current = null;
  pointerId = null;
  showState();
  send();
}

element.addEventListener('pointerdown', (e) => {
  if (e.target !== canvas() || current !== null || (e.pointerType === 'mouse' && e.button !== 0)) return;
  e.preventDefault();
  if (points >= MAX_POINTS || strokes.length >= MAX_STROKES) { showState(); return; }
  try { e.target.setPointerCapture(e.pointerId); } catch (err) { /* capture is a nicety */ }
  pointerId = e.pointerId;
  current = [toCanvas(e)];
  points++;
  dot(context(), current[0]);
  showState();
  sendSoon();
});

element.addEventListener('pointermove', (e) => {
  if (e.pointerId !== pointerId || current === null) return;
  // a mouse released outside the page without capture never sent pointerup: end the stroke here
  if (e.pointerType === 'mouse' && e.buttons === 0) { endStroke(); return; }
  e.preventDefault();
  const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [];
  let added = false;
  for (const ev of events.length ? events : [e]) added = addPoint(ev) || added;
  if (added) sendSoon();
});

for (const type of ['pointerup', 'pointercancel', 'lostpointercapture']) {
  element.addEventListener(type, (e) => { if (e.pointerId === pointerId) endStroke(); });
}
element.addEventListener('contextmenu', (e) => { if (e.target === canvas()) e.preventDefault(); });

// --- Undo and Clear canvas ---
element.addEventListener('click', (e) => {
  const button = e.target.closest('button[data-action]');
  if (!button || !element.contains(button)) return;
  if (current !== null) { current = null; pointerId = null; }
  if (button.dataset.action === 'undo') strokes.pop();
  else strokes = [];
  points = strokes.reduce((n, s) => n + s.length, 0);
  redraw();
  send();
});

// --- values set from Python (initial value, a handler's output) ---
function load(value) {
  if (typeof value === 'string') {
    try { value = JSON.parse(value); } catch (err) { value = null; }
  }
  const ok = value && typeof value === 'object' && Array.isArray(value.strokes);
  element.dataset.version = ok && Number.isInteger(value.version) ? String(value.version) : '';
  const sx = ok && Number(value.width) > 0 ? W / Number(value.width) : 1;
  const sy = ok && Number(value.height) > 0 ? H / Number(value.height) : 1;
  strokes = [];
  points = current ? current.length : 0;
  for (const s of ok ? value.strokes : []) {
    if (!Array.isArray(s) || strokes.length >= MAX_STROKES) continue;
    const kept = [];
    for (const p of s) {
      if (!Array.isArray(p) || points >= MAX_POINTS) continue;
      const x = Number(p[0]) * sx, y = Number(p[1]) * sy;
      if (Number.isFinite(x) && Number.isFinite(y)) { kept.push([round(clamp(x, W)), round(clamp(y, H))]); points++; }
    }
    if (kept.length) strokes.push(kept);
  }
  redraw();
}

watch('value', () => load(props.value));
// Zooming changes devicePixelRatio: re-fit the backing store (drawing does it too).
const refit = () => (element.isConnected ? context() : window.removeEventListener('resize', refit));
window.addEventListener('resize', refit);
load(props.value);
element.toggleAttribute('data-ready', true);  // the pad takes ink from now on: the hint shows
"""


class StrokePad(gr.HTML):
    """A canvas to draw strokes on; its value is `{"strokes": [...], "width": W, "height": H}`.

    The drawing size is fixed at W x H canvas px: on a narrower screen the pad is scaled down and
    the points are still reported in W x H space. Listen to `.input` (see the module docstring).
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
        """
        Parameters:
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
