"""The `browser` section, in headless Chromium: pen-up to the answer on the stroke pad, answers while a
stroke is still being drawn, Retrain-to-done with the defaults, and bad input through the running app.
"""

from __future__ import annotations

import contextlib
import shutil
import statistics
import time
from pathlib import Path

from digitpad.app.served import ANSWERS_LATEST_DRAWING, CHROMIUM_ARGS, PAD_TAKES_INK, Server
from digitpad.bench.harness import percentiles, served_demo
from digitpad.bench.latency import bad_input_latency
from digitpad.synth.pen_digits import DIGITS  # the same pen strokes the tests draw

LABEL = "#prediction .top-label"  # the Draw tab's top guess, in its answer view
# In the page: when the pen went down and up on the pad, and when what the answer shows (the
# top label and the 28x28 image read) changed, on the page's own clock.
RECORD_JS = """
() => {
  window.digitpadLog = [];
  const log = (kind, shown) => window.digitpadLog.push([kind, performance.now(), shown]);
  // on the window, before anything else sees them, and the canvas looked up each time (it may be re-rendered)
  const onPad = (e) => e.target === document.querySelector('#pad canvas');
  window.addEventListener('pointerdown', (e) => { if (onPad(e)) log('down', ''); }, true);
  window.addEventListener('pointerup', (e) => { if (onPad(e)) log('up', ''); }, true);
  let last = '';
  const observer = new MutationObserver(() => {
    const label = document.querySelector(LABEL);
    const image = document.querySelector('#model-input img');
    const shown = (label ? label.innerText : '') + ' ' + (image ? image.getAttribute('src') : '');
    if (shown !== last && label && /^[0-9]$/.test(label.innerText)) log('answer', shown);
    last = shown;
  });
  // a live answer may repeat what is shown (no DOM change): its arrival is what the visitor waited for
  window.addEventListener('digitpad-answer', () => log('answer', 'live'));
  observer.observe(document.querySelector('#answer'), {subtree: true, childList: true, characterData: true,
                                                       attributes: true});
}
""".replace("LABEL", repr(LABEL))


POINTER_HZ = 60  # a mouse or finger reports about 60 points a second


def stroke_timings(log: list) -> tuple[list[float], list[float | None]]:
    """From one drawing's log: per stroke, seconds from pen-up to the last change of the answer
    (0 when the answer had already arrived), and per stroke, seconds from pen-down to the first
    change while that stroke was still being drawn (None if none came before pen-up)."""
    after_up, during = [], []
    strokes, down = [], None  # (pen-down, pen-up) of each stroke; an up with no down before it is not one
    for kind, t, _ in log:
        if kind == "down":
            down = t
        elif kind == "up" and down is not None:
            strokes.append((down, t))
            down = None
    answers = [t for kind, t, _ in log if kind == "answer"]  # a new digit or a new 28x28 image on screen
    for k, (down, up) in enumerate(strokes):
        next_down = strokes[k + 1][0] if k + 1 < len(strokes) else float("inf")
        late = [t for t in answers if up <= t < next_down]
        after_up.append((late[-1] - up) / 1000 if late else 0.0)
        early = [t for t in answers if down <= t < up]
        during.append((early[0] - down) / 1000 if early else None)
    return after_up, during


def draw_like_a_person(page, strokes: list[list[tuple[float, float]]]) -> None:
    """Replay strokes (page px) at POINTER_HZ, as a hand would."""
    for stroke in strokes:
        page.mouse.move(*stroke[0])
        page.mouse.down()
        for point in stroke[1:]:
            time.sleep(1 / POINTER_HZ)
            page.mouse.move(*point)
        page.mouse.up()
        time.sleep(0.3)  # between strokes


def browser_section(drawings: int, shared: Server | None = None) -> list[dict]:
    """In headless Chromium: the stroke pad's latency, and Retrain-to-done with the defaults (on a demo of its
    own, or `shared`)."""
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        return [{"what": "browser section skipped: Chromium is missing (apt-get install -y chromium)"}]
    from playwright.sync_api import sync_playwright

    with served_demo(shared) as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(server.url)
        page.wait_for_function(PAD_TAKES_INK, arg="#pad", timeout=60_000)
        rows = pad_latency_rows(page, drawings)
        rows.append(retrain_row(page))
        browser.close()
        rows += bad_input_latency(server.url)
    return rows


def pad_latency_rows(page, drawings: int) -> list[dict]:
    """`drawings` digits drawn on the Draw tab's pad as a person would: pen-up to the answer, the first answer
    while the first stroke is still drawn, and how many were read right."""
    from digitpad.app.readings import EMPTY_HINT

    page.evaluate(RECORD_JS)
    box = page.locator("#pad canvas").bounding_box()
    after_up, during, right = [], [], 0
    for k in range(drawings):
        digit = k % 10
        strokes = [
            [(box["x"] + (0.25 + 0.5 * x) * box["width"], box["y"] + (0.1 + 0.8 * y) * box["height"]) for x, y in s]
            for s in DIGITS[digit]
        ]
        page.evaluate("() => { window.digitpadLog = []; }")
        draw_like_a_person(page, strokes)
        answered(page)
        pen_up, pen_down = stroke_timings(page.evaluate("() => window.digitpadLog"))
        after_up += pen_up
        during.append(pen_down[0])
        right += page.locator(LABEL).inner_text() == str(digit)
        page.click('#pad button[aria-label="Clear canvas"]')
        page.wait_for_function(
            f"() => document.querySelector('#prediction').innerText.includes('{EMPTY_HINT}')", timeout=10_000
        )
    seen = [t for t in during if t is not None]
    return [
        {
            "what": "pen-up to the answer for the finished stroke",
            **percentiles(after_up),
            "strokes": len(after_up),
            "drawings_read_right": f"{right}/{drawings}",
        },
        {
            "what": "first answer while the first stroke is still drawn",
            "yes": f"{len(seen)}/{len(during)}",
            **({"median_ms": round(1000 * statistics.median(seen))} if seen else {}),
        },
    ]


def answered(page, seconds: float = 10) -> None:
    """Until the answer shown is the one to the pad's latest value (the answers come in order: every one is in),
    or `seconds`; a drawing never answered is then read wrong."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    with contextlib.suppress(PlaywrightTimeoutError):
        page.wait_for_function(ANSWERS_LATEST_DRAWING, timeout=seconds * 1000)


def retrain_row(page) -> dict:
    """Retrain with the Train tab's defaults, from the click to the status saying it ended."""
    page.get_by_role("tab", name="Train").click()
    page.click("#retrain")
    started = time.monotonic()
    status = page.locator("#train-status textarea")
    while time.monotonic() - started < 300 and not status.input_value().startswith(("done", "stopped", "Failed")):
        time.sleep(0.1)
    seconds = round(time.monotonic() - started, 1)
    return {"what": "Retrain with the defaults, click to done", "seconds": seconds, "status": status.input_value()[:90]}
