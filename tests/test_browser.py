"""End to end in headless Chromium: draw digits with the mouse, read the answers; retrain.

Needs Debian's Chromium (/usr/bin/chromium). Without it these tests skip on a laptop and
fail in CI (DIGITPAD_REQUIRE_BROWSER=1, set by .ci/run).
"""

import os
import shutil
import time
from pathlib import Path

import pytest
from drawing_helpers import DIGITS

from digitpad.app import CANVAS

pytestmark = pytest.mark.browser
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# The README's screenshot: refreshed when DIGITPAD_UPDATE_SCREENSHOT=1, else taken to a temp file.
README_SCREENSHOT = Path(__file__).resolve().parent.parent / "docs" / "draw-tab.png"


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        message = "Chromium is missing: apt-get install -y chromium"
        if os.environ.get("DIGITPAD_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
                  "--disable-background-networking"],
        )  # fmt: skip
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server_url):
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(server_url)
    page.wait_for_selector('#pad button[aria-label="Brush"].highlight', timeout=30_000)
    yield page
    page.close()


def draw(page, digit: int, box: tuple[float, float, float, float]) -> None:
    """Draw `digit` with the mouse, its strokes fitted in box = (left, top, width, height) as
    fractions of the drawing area."""
    canvas = page.locator("#pad canvas").first.bounding_box()
    side = CANVAS  # the drawing area: a CANVAS px square (zoom 100%) centred in the canvas element
    x0 = canvas["x"] + (canvas["width"] - side) / 2
    y0 = canvas["y"] + (canvas["height"] - side) / 2
    left, top, width, height = box
    for stroke in DIGITS[digit]:
        points = [(x0 + (left + x * width) * side, y0 + (top + y * height) * side) for x, y in stroke]
        page.mouse.move(*points[0])
        page.mouse.down()
        for point in points[1:]:
            page.mouse.move(*point, steps=3)
        page.mouse.up()


def settled_prediction(page, previous: str | None = None, timeout: float = 20) -> str:
    """The top guess once #prediction has changed from `previous` and stayed put for 0.6 s."""
    locator = page.locator('#prediction [data-testid="label-output-value"]')
    deadline = time.monotonic() + timeout
    last, since = None, time.monotonic()
    while time.monotonic() < deadline:
        text = locator.inner_text() if locator.count() else ""
        if text != last:
            last, since = text, time.monotonic()
        elif text and text != previous and time.monotonic() - since >= 0.6:
            return text
        time.sleep(0.1)
    return last or ""


def clear(page) -> None:
    page.click('#pad button[aria-label="Clear canvas"]')
    page.wait_for_selector('#pad button[aria-label="Brush"].highlight', timeout=10_000)
    assert settled_prediction(page, previous="") == "Draw a digit (0-9)"


# Three places and sizes per digit, as fractions of the pad: centred and large, small in a
# corner, off to one side.
BOXES = [(0.25, 0.1, 0.5, 0.8), (0.08, 0.1, 0.28, 0.42), (0.58, 0.38, 0.32, 0.55)]


def test_thirty_drawn_digits(page, tmp_path):
    screenshot = README_SCREENSHOT if os.environ.get("DIGITPAD_UPDATE_SCREENSHOT") == "1" else tmp_path / "draw.png"
    results = []
    for round_, box in enumerate(BOXES):
        for digit in range(10):
            draw(page, digit, box)
            got = settled_prediction(page, previous="Draw a digit (0-9)")
            results.append((digit, got))
            if round_ == 0 and digit == 3:
                page.screenshot(path=str(screenshot))
            clear(page)  # and the next digit is drawn without picking the brush again
    wrong = [(d, g) for d, g in results if str(d) != g]
    print(f"{len(results) - len(wrong)}/{len(results)} read right; wrong: {wrong}")
    assert len(results) == 30 and len(wrong) <= 1, wrong


def test_model_input_is_shown(page):
    draw(page, 7, BOXES[0])
    assert settled_prediction(page, previous="Draw a digit (0-9)") == "7"
    image = page.locator("#model-input img")
    image.wait_for(timeout=10_000)
    assert image.evaluate("img => getComputedStyle(img).imageRendering") == "pixelated"


def test_retrain_with_defaults_then_draw_with_the_new_model(page):
    """Retrain with the tab's defaults (the quick recipe): curves while it runs, >= 99% at the end."""
    page.get_by_role("tab", name="Train").click()
    page.click("#retrain")
    started = time.monotonic()
    status = page.locator("#train-status textarea")
    page.locator("#curves canvas, #curves svg").first.wait_for(timeout=60_000)
    assert not status.input_value().startswith("done")  # the curve shows while the run goes on
    while time.monotonic() - started < 300 and not status.input_value().startswith("done"):
        time.sleep(0.5)
    final = status.input_value()
    print(f"retrain with defaults: {time.monotonic() - started:.1f}s wall in the browser; {final}")
    assert final.startswith("done: test accuracy")
    assert float(final.split("test accuracy ")[1].split("%")[0]) >= 99.0
    page.locator("#confusion").get_by_role("img").or_(page.locator("#confusion canvas")).first.wait_for()
    assert page.locator("#weights-download").get_by_text(".safetensors").count() >= 1
    page.get_by_role("tab", name="Draw").click()
    assert page.get_by_label("My retrained model").is_checked()
    draw(page, 0, BOXES[0])
    assert settled_prediction(page, previous="Draw a digit (0-9)") == "0"
