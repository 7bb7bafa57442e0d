"""StrokePad (digitpad/app/stroke_pad.py): the component alone, in a tiny Blocks served in-process.

The browser tests need Debian's Chromium (/usr/bin/chromium): without it they skip, or fail when
DIGITPAD_REQUIRE_BROWSER=1 (CI). The gradio_client and unit tests run everywhere.
"""

from __future__ import annotations

import copy
import json
import math
import re
import socket
from typing import Any

import gradio as gr
import pytest

from digitpad.app.readings import strokes_reading
from digitpad.app.served import PAD_TAKES_INK
from digitpad.app.stroke_pad import PadReads, StrokePad, empty_value, sent_version
from digitpad.read.classifier import load_classifier

WAIT_MS = 15_000  # an upper bound for waits in the browser, never a speed assertion
ANSWER = re.compile(r"^strokes=(\d+) points=(\d+)(?: box=(\S+),(\S+),(\S+),(\S+))?$")
PADS = {"pad": (320, 320), "wide": (960, 320), "capped": (200, 200), "preset": (160, 160)}
PRESET = {"strokes": [[[20, 80], [140, 80]]], "width": 160, "height": 160}


def describe(value: Any) -> str:
    """What the test app answers: "strokes=N points=M box=x0,y0,x1,y1", or "invalid: ..."."""
    if not isinstance(value, dict) or not isinstance(value.get("strokes"), list):
        return f"invalid: {type(value).__name__}"
    try:
        points = [(float(x), float(y)) for stroke in value["strokes"] for x, y in stroke]
    except (TypeError, ValueError):
        return "invalid: points"
    answer = f"strokes={len(value['strokes'])} points={len(points)}"
    if points:
        xs, ys = [x for x, _ in points], [y for _, y in points]
        answer += f" box={min(xs)},{min(ys)},{max(xs)},{max(ys)}"
    return answer


def build_app() -> gr.Blocks:
    with gr.Blocks() as demo:
        pads = {
            "pad": StrokePad(elem_id="pad"),
            "wide": StrokePad(elem_id="wide", width=960, height=320, hint="Draw a number here"),
            "capped": StrokePad(elem_id="capped", width=200, height=200, max_strokes=3, max_points=40),
            "preset": StrokePad(PRESET, elem_id="preset", width=160, height=160),
        }
        for name, pad in pads.items():
            out = gr.Textbox(elem_id=f"{name}-out", label=f"{name} answer")
            kwargs = {"api_name": "describe"} if name == "pad" else {"api_visibility": "undocumented"}
            pad.input(
                describe,
                [pad],
                [out],
                trigger_mode="always_last",
                show_progress="hidden",
                concurrency_limit=None,
                **kwargs,
            )
        gr.Button("Reset from Python", elem_id="py-reset").click(lambda: empty_value(), None, pads["pad"])
        gr.HTML("<div style='height: 1500px'></div>")  # makes the page scroll, for the touch test
    return demo


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_url():
    demo = build_app()
    port = free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    yield f"http://127.0.0.1:{port}/"
    demo.close()


def open_app(context, url: str):
    page = context.new_page()
    page.goto(url)
    page.wait_for_function(PAD_TAKES_INK, arg="#pad", timeout=30_000)  # the page has loaded
    for pad in PADS:  # every pad's script listens (the others may be below the fold)
        page.locator(f"#{pad} [data-ready] canvas").wait_for(timeout=30_000)
    return page


@pytest.fixture
def page(desktop, app_url):
    """A desktop page, 1280 px wide, device pixel ratio 1."""
    page = open_app(desktop, app_url)
    yield page
    page.close()


@pytest.fixture
def phone(browser, app_url):
    """A phone-sized page: 400 px wide, touch, device pixel ratio 2."""
    context = browser.new_context(viewport={"width": 400, "height": 800}, has_touch=True, device_scale_factor=2)
    yield open_app(context, app_url)
    context.close()


# --- helpers: positions are given in the pad's own W x H space and mapped onto the page ---


def canvas_box(page, pad: str) -> dict[str, float]:
    canvas = page.locator(f"#{pad} canvas")
    canvas.scroll_into_view_if_needed()
    return canvas.bounding_box()


def on_page(page, pad: str, x: float, y: float) -> tuple[float, float]:
    box = canvas_box(page, pad)
    width, height = PADS[pad]
    return box["x"] + x * box["width"] / width, box["y"] + y * box["height"] / height


def stroke(page, pad: str, points: list[tuple[float, float]]) -> None:
    """One mouse stroke through `points`, pressed from the first to the last."""
    page.mouse.move(*on_page(page, pad, *points[0]))
    page.mouse.down()
    for point in points[1:]:
        page.mouse.move(*on_page(page, pad, *point))
    page.mouse.up()


def wait_answer(page, pad: str, pattern: str) -> re.Match:
    """Waits until the pad's answer matches `pattern` (a regex, anchored at the start)."""
    page.wait_for_function(
        "([id, pattern]) => new RegExp(pattern).test(document.querySelector('#' + id + ' textarea').value)",
        arg=[f"{pad}-out", "^" + pattern],
        timeout=WAIT_MS,
    )
    match = ANSWER.match(page.locator(f"#{pad}-out textarea").input_value())
    assert match, "the answer has the expected format"
    return match


def answer_box(match: re.Match) -> list[float]:
    return [float(v) for v in match.group(3, 4, 5, 6)]


def ink_at(page, pad: str, x: float, y: float) -> bool:
    """Whether the canvas pixel under (x, y) in W x H space is dark."""
    return page.evaluate(
        """([id, x, y, w]) => {
            const c = document.querySelector('#' + id + ' canvas');
            const s = c.width / w;
            return c.getContext('2d').getImageData(Math.floor(x * s), Math.floor(y * s), 1, 1).data[0] < 128;
        }""",
        [pad, x, y, PADS[pad][0]],
    )


def line(x0: float, y0: float, x1: float, y1: float, n: int) -> list[tuple[float, float]]:
    return [(x0 + (x1 - x0) * i / n, y0 + (y1 - y0) * i / n) for i in range(n + 1)]


# --- browser tests ---


@pytest.mark.browser
def test_mouse_stroke_is_sent_while_drawing_and_at_pen_up(page):
    box_at_load = canvas_box(page, "pad")
    assert (box_at_load["width"], box_at_load["height"]) == (320, 320)
    page.eval_on_selector("#pad canvas", "c => { c.dataset.probe = 'same canvas' }")
    points = line(40, 40, 280, 280, 12)  # 13 points, 28 px apart
    page.mouse.move(*on_page(page, "pad", *points[0]))
    page.mouse.down()
    for point in points[1:7]:
        page.mouse.move(*on_page(page, "pad", *point))
    wait_answer(page, "pad", r"strokes=1 ")  # an answer arrives while the button is still down
    assert ink_at(page, "pad", 40, 40) and ink_at(page, "pad", 160, 160)
    for point in points[7:]:
        page.mouse.move(*on_page(page, "pad", *point))
    page.mouse.up()
    answer = wait_answer(page, "pad", r"strokes=1 points=13 ")
    assert answer_box(answer) == pytest.approx([40, 40, 280, 280], abs=1)
    assert ink_at(page, "pad", 280, 280) and not ink_at(page, "pad", 280, 40)
    # the value is never rendered into the template: the canvas is the same element
    assert page.eval_on_selector("#pad canvas", "c => c.dataset.probe") == "same canvas"
    assert page.eval_on_selector("#pad", "e => e.querySelector('[data-drawn] .hint') !== null")
    assert page.locator("#pad .hint").is_hidden()
    assert canvas_box(page, "pad")["width"] == box_at_load["width"]


@pytest.mark.browser
def test_the_hint_invites_drawing_only_once_the_pad_takes_ink(page):
    """The canvas is on the page a moment before the script that keeps its ink runs; until then (no
    `data-ready`) the hint is hidden and the cursor says the page is busy."""
    assert page.locator("#pad .hint").is_visible()
    assert page.eval_on_selector("#pad canvas", "c => getComputedStyle(c).cursor") == "crosshair"
    page.eval_on_selector("#pad [data-ready]", "e => e.removeAttribute('data-ready')")
    assert page.locator("#pad .hint").is_hidden()
    assert page.eval_on_selector("#pad canvas", "c => getComputedStyle(c).cursor") == "progress"


@pytest.mark.browser
def test_undo_and_clear_canvas_keep_the_canvas_size(page):
    def size() -> tuple[float, float]:
        box = canvas_box(page, "pad")
        return box["width"], box["height"]

    at_load = size()
    assert page.locator("#pad .hint").is_visible()
    stroke(page, "pad", line(30, 50, 290, 50, 10))
    stroke(page, "pad", line(30, 250, 290, 250, 5))
    wait_answer(page, "pad", r"strokes=2 points=17 ")
    assert size() == at_load
    page.click('#pad button[aria-label="Undo"]')
    assert answer_box(wait_answer(page, "pad", r"strokes=1 points=11 ")) == pytest.approx([30, 50, 290, 50], abs=1)
    assert ink_at(page, "pad", 160, 50) and not ink_at(page, "pad", 160, 250)
    assert size() == at_load
    stroke(page, "pad", line(30, 250, 290, 250, 5))
    wait_answer(page, "pad", r"strokes=2 ")
    page.focus('#pad button[aria-label="Undo"]')  # the buttons work from the keyboard
    page.keyboard.press("Enter")
    wait_answer(page, "pad", r"strokes=1 ")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.getAttribute('aria-label')") == "Clear canvas"
    page.keyboard.press("Space")
    assert wait_answer(page, "pad", r"strokes=0 points=0$").group(0) == "strokes=0 points=0"
    assert not ink_at(page, "pad", 160, 50)
    assert page.locator("#pad .hint").is_visible()
    assert size() == at_load
    # the buttons sit below the drawing surface, not on it
    canvas = canvas_box(page, "pad")
    for label in ("Undo", "Clear canvas"):
        button = page.locator(f'#pad button[aria-label="{label}"]').bounding_box()
        assert button["y"] >= canvas["y"] + canvas["height"]


@pytest.mark.browser
def test_python_sets_the_value(page):
    # an initial value from Python is drawn (scaled into the pad's own 160 x 160 space)
    assert ink_at(page, "preset", 80, 80) and not ink_at(page, "preset", 80, 20)
    assert page.locator("#preset .hint").is_hidden()
    # a handler that returns an empty value clears the pad; drawing goes on from there
    stroke(page, "pad", line(60, 60, 260, 60, 4))
    wait_answer(page, "pad", r"strokes=1 points=5 ")
    page.click("#py-reset")
    page.wait_for_function("() => !document.querySelector('#pad [data-drawn]')", timeout=WAIT_MS)
    assert not ink_at(page, "pad", 160, 60)
    stroke(page, "pad", line(60, 200, 260, 200, 4))
    assert answer_box(wait_answer(page, "pad", r"strokes=1 points=5 ")) == pytest.approx([60, 200, 260, 200], abs=1)


@pytest.mark.browser
def test_caps_stop_new_ink_and_say_so(page):
    assert page.locator("#capped .cap").is_hidden()
    for y in (30, 80, 130):
        stroke(page, "capped", line(20, y, 180, y, 4))
    wait_answer(page, "capped", r"strokes=3 points=15 ")
    assert page.locator("#capped .cap").is_visible()
    stroke(page, "capped", line(20, 180, 180, 180, 4))  # a 4th stroke is refused
    assert not ink_at(page, "capped", 100, 180)
    page.click('#capped button[aria-label="Undo"]')
    wait_answer(page, "capped", r"strokes=2 points=10 ")
    assert page.locator("#capped .cap").is_hidden()
    stroke(page, "capped", line(20, 180, 180, 180, 40))  # 41 points: the stroke stops at 40 in total
    wait_answer(page, "capped", r"strokes=3 points=40 ")
    assert page.locator("#capped .cap").is_visible()
    page.click('#capped button[aria-label="Clear canvas"]')
    wait_answer(page, "capped", r"strokes=0 points=0$")


@pytest.mark.browser
def test_touch_drawing_does_not_scroll_the_page(phone):
    assert phone.evaluate("() => document.documentElement.scrollHeight > window.innerHeight + 500")
    phone.evaluate("() => window.scrollTo(0, 0)")
    points = [on_page(phone, "pad", *p) for p in line(160, 300, 160, 20, 10)]  # a finger dragged upwards
    assert phone.evaluate("() => window.scrollY") == 0
    cdp = phone.context.new_cdp_session(phone)
    for kind, (x, y) in zip(["touchStart"] + ["touchMove"] * (len(points) - 1), points, strict=True):
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": [{"x": x, "y": y}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    answer = wait_answer(phone, "pad", r"strokes=1 points=11 ")
    assert answer_box(answer) == pytest.approx([160, 20, 160, 300], abs=1.5)
    assert phone.evaluate("() => window.scrollY") == 0
    assert ink_at(phone, "pad", 160, 160)


@pytest.mark.browser
def test_narrow_screen_scales_the_pad_but_not_its_coordinates(phone):
    assert phone.evaluate("() => [window.innerWidth, devicePixelRatio]") == [400, 2]
    for pad, (width, height) in PADS.items():
        box = canvas_box(phone, pad)
        assert box["x"] >= 0 and box["x"] + box["width"] <= 400, pad
        if width <= 300:  # fits: shown at its own size
            assert box["width"] == pytest.approx(width, abs=0.5), pad
        assert box["height"] == pytest.approx(box["width"] * height / width, abs=1), pad
    assert canvas_box(phone, "wide")["width"] < 400  # 960 px wide, shown scaled down
    # crisp ink: a backing store of W x H device pixels, coordinates still in W x H
    assert phone.eval_on_selector("#wide canvas", "c => [c.width, c.height]") == [1920, 640]
    stroke(phone, "wide", line(96, 160, 864, 160, 8) + line(864, 160, 864, 300, 2)[1:])
    answer = wait_answer(phone, "wide", r"strokes=1 points=11 ")
    step = 960 / canvas_box(phone, "wide")["width"]  # canvas px per CSS px
    assert answer_box(answer) == pytest.approx([96, 160, 864, 300], abs=step + 0.2)
    assert ink_at(phone, "wide", 480, 160) and not ink_at(phone, "wide", 480, 60)
    # pads are independent: the other pads did not move
    assert phone.locator("#pad-out textarea").input_value() == ""
    assert not phone.eval_on_selector("#pad", "e => !!e.querySelector('[data-drawn]')")


# --- gradio_client and the Python side ---


def test_gradio_client_sends_a_dict_and_garbage_goes_through(app_url):
    from gradio_client import Client

    client = Client(app_url, verbose=False)
    info = client.view_api(return_format="dict", print_info=False)["named_endpoints"]["/describe"]
    assert info["parameters"][0]["type"]["type"] == "object"
    valid = {"strokes": [[[10, 10], [50, 60]]], "width": 320, "height": 320}
    assert client.predict(valid, api_name="/describe") == "strokes=1 points=2 box=10.0,10.0,50.0,60.0"
    garbage = ["garbage", None, [1, 2, 3], 7, {"width": 320}, {"strokes": "xx"}, {"strokes": [[["a"]]]}]
    for payload in garbage:
        assert client.predict(payload, api_name="/describe").startswith("invalid: "), payload
    nan = client.predict({"strokes": [[["NaN", "nan"]]], "width": "NaN"}, api_name="/describe")
    assert nan == "strokes=1 points=1 box=nan,nan,nan,nan"
    assert client.predict(valid, api_name="/describe").startswith("strokes=1 ")  # the server is fine


def test_python_side_passes_payloads_through():
    pad = StrokePad(width=960, height=320)
    assert pad.value == {"strokes": [], "width": 960, "height": 320}
    for payload in ('{"strokes": []}', None, [1], {"strokes": []}, {"strokes": [[[math.nan, 1.0]]]}):
        assert pad.preprocess(payload) is payload  # the reader checks strokes and says what is wrong
    assert pad.postprocess(None) == empty_value(960, 320)
    assert pad.api_info()["required"] == ["strokes", "width", "height"]
    config = pad.get_config()
    assert config["props"]["width"] == 960 and config["props"]["height"] == 320
    assert "${value}" not in config["html_template"] and "{{value}}" not in config["html_template"]


@pytest.mark.parametrize("version, number", [(7, 7), (None, None), ("7", None), (True, None), (2.5, None)])
def test_only_the_numbers_the_page_gives_count_as_versions(version, number):
    assert sent_version({**empty_value(), "version": version}) == number
    assert sent_version(empty_value()) is None and sent_version("garbage") is None


def test_pad_reads_tell_an_answer_overtaken_by_a_newer_value():
    reads = copy.deepcopy(PadReads())  # each visitor's gr.State gets a fresh copy
    older = reads.begin({**empty_value(), "version": 5})
    newer = reads.begin({**empty_value(), "version": 6})
    assert reads.overtaken(older) and not reads.overtaken(newer)
    assert reads.begin({**empty_value(), "version": 4}) == 4 and reads.overtaken(4)  # an old value read late
    assert reads.begin(empty_value()) is None and not reads.overtaken(None)  # set from Python, or an API client's
    assert copy.deepcopy(reads).newest == 0 and reads.newest == 6
    assert reads.unless_overtaken({**empty_value(), "version": 5}, lambda: "late", "skipped") == "skipped"
    assert reads.unless_overtaken({**empty_value(), "version": 7}, lambda: "answer", "skipped") == "answer"


@pytest.mark.parametrize(
    "payload",
    [
        "/etc/hostname",
        {"background": None, "layers": [], "composite": "/etc/hostname"},
        {"background": "/etc/hostname", "layers": [], "composite": None},
        {"background": None, "layers": ["/etc/hostname"], "composite": None},
        {
            "background": None,
            "layers": [],
            "composite": {"path": "/etc/hostname", "meta": {"_type": "gradio.FileData"}},
        },
        {"background": None, "layers": [], "composite": {"url": "http://127.0.0.1/x.png"}},
    ],
)
def test_no_path_in_a_payload_is_opened(payload):
    """A path string (or a file the server did not receive as an upload) is refused with a sentence, and the
    sentence is the same whether or not the path exists."""
    pad = StrokePad(width=960, height=320)
    missing = json.loads(json.dumps(payload).replace("/etc/hostname", "/no/such/file"))
    readings = [strokes_reading(pad.preprocess(p), load_classifier()) for p in (payload, missing)]
    assert readings[0].image is None and readings[0].verdict.startswith("Can't read this")
    assert readings[0].verdict == readings[1].verdict
    assert "hostname" not in readings[0].verdict and "Error" not in readings[0].verdict
