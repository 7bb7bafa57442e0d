"""Small HTML views: digits with captions, filters, a confusion matrix (Train tab), a number's digits (Number tab).

Plain HTML (images inlined as PNG data URIs) so that every number a visitor sees is text
in the page: readable on a phone, and checkable by the browser tests.
"""

from __future__ import annotations

import base64
import html
import io

import numpy as np
from PIL import Image

from digitpad.mnist_format import NUM_CLASSES
from digitpad.read.number_reader import DigitReading

DIGIT_SCALE = 2  # 28x28 digits shown at 56x56
FILTER_SCALE = 8  # 5x5 kernels shown at 40x40


def png_data_uri(image: np.ndarray, scale: int) -> str:
    """uint8 (H, W) grey -> a PNG data URI, enlarged `scale` times pixel for pixel."""
    big = np.kron(image, np.ones((scale, scale), np.uint8))
    buffer = io.BytesIO()
    Image.fromarray(big).save(buffer, "png")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def figure(image: np.ndarray, scale: int, caption: str, alt: str, wrong: bool = False) -> str:
    css = ' class="wrong"' if wrong else ""
    return (
        f'<figure{css}><img src="{png_data_uri(image, scale)}" alt="{html.escape(alt)}">'
        f"<figcaption>{html.escape(caption)}</figcaption></figure>"
    )


def guesses_html(images: np.ndarray, labels: np.ndarray, probs: np.ndarray) -> str:
    """Watched digits with the model's current guess under each; wrong ones marked ✗."""
    figures = []
    for k, (image, label) in enumerate(zip(images, labels, strict=True)):
        guess = int(np.argmax(probs[k]))
        wrong = guess != int(label)
        caption = f"{guess} {probs[k][guess]:.0%}" + (" ✗" if wrong else "")
        figures.append(figure(image, DIGIT_SCALE, caption, f"a {label}, read as {guess}", wrong))
    return f'<div class="digit-gallery">{"".join(figures)}</div>'


def mistakes_html(images: np.ndarray, labels: np.ndarray, guesses: np.ndarray, confidence: np.ndarray) -> str:
    """Test digits the model got wrong: "true → read (confidence)" under each."""
    if len(images) == 0:
        return "<p>No mistakes on the test set.</p>"
    figures = [
        figure(image, DIGIT_SCALE, f"{label} → {guess} ({conf:.0%})", f"a {label}, read as {guess}", wrong=True)
        for image, label, guess, conf in zip(images, labels, guesses, confidence, strict=True)
    ]
    return f'<div class="digit-gallery">{"".join(figures)}</div>'


def filters_html(images: np.ndarray) -> str:
    """First-layer kernels as greys float (K, kh, kw) in [0, 1] (`model.filter_images`), as small squares."""
    figures = []
    for k, image in enumerate(np.round(images * 255).astype(np.uint8)):
        figures.append(figure(image, FILTER_SCALE, str(k + 1), f"filter {k + 1}"))
    return f'<div class="digit-gallery filters">{"".join(figures)}</div>'


def confusion_html(matrix: np.ndarray) -> str:
    """(10, 10) counts, row = true digit, column = guess, as a table shaded by a log scale."""
    total = max(1, int(matrix.sum()))
    accuracy = 100 * np.trace(matrix) / total
    shade = np.log1p(matrix) / np.log1p(max(1, matrix.max()))
    head = "".join(f"<th>{d}</th>" for d in range(NUM_CLASSES))
    rows = []
    for t in range(NUM_CLASSES):
        cells = []
        for p in range(NUM_CLASSES):
            n = int(matrix[t, p])
            kind = "hit" if t == p else "miss" if n else ""
            style = f' style="--shade: {shade[t, p]:.2f}"' if n else ""
            cells.append(f'<td class="{kind}"{style}>{n if n else ""}</td>')
        rows.append(f"<tr><th>{t}</th>{''.join(cells)}</tr>")
    return (
        f'<table class="confusion"><caption>Confusion matrix: {accuracy:.2f}% of {total:,} test digits right '
        f"(rows: true digit, columns: guess)</caption><tr><th></th>{head}</tr>{''.join(rows)}</table>"
    )


def number_digits_html(digits: list[DigitReading]) -> str:
    """A number's digits as the network read them, left to right: "7 · 98%" under each, unsure ones marked "?"."""
    if not digits:
        return ""
    figures = []
    for d in digits:
        caption = f"{d.digit} · {d.confidence:.0%}" + (" ?" if d.unsure else "")
        alt = f"read as {d.digit}, {d.confidence:.0%} sure" + (", unsure" if d.unsure else "")
        figures.append(figure(d.image, DIGIT_SCALE, caption, alt, wrong=d.unsure))
    return f'<div class="digit-gallery number-digits">{"".join(figures)}</div>'


def map_mosaic(maps: np.ndarray) -> np.ndarray:
    """Feature maps float (C, H, W) -> one grey mosaic uint8, 8 or 16 maps a row, 1 px apart, each
    map scaled to its own range (white: where it responds most)."""
    count, h, w = maps.shape
    columns = 8 if count <= 64 else 16
    rows = -(-count // columns)
    mosaic = np.full((rows * (h + 1) - 1, columns * (w + 1) - 1), 255, np.uint8)
    low = maps.min(axis=(1, 2), keepdims=True)
    span = np.maximum(maps.max(axis=(1, 2), keepdims=True) - low, 1e-8)
    greys = np.round(255 * (maps - low) / span).astype(np.uint8)
    for k in range(count):
        r, c = divmod(k, columns)
        mosaic[r * (h + 1) : r * (h + 1) + h, c * (w + 1) : c * (w + 1) + w] = greys[k]
    return mosaic


def inside_html(maps: list[np.ndarray], probs: np.ndarray) -> str:
    """Each convolution's feature maps as a grey mosaic ("conv 1: 24 maps of 28x28"), then the ten
    output probabilities as bars."""
    layers = []
    for k, layer in enumerate(maps):
        count, h, w = layer.shape
        caption = f"conv {k + 1}: {count} maps of {h}x{w}"
        layers.append(figure(map_mosaic(layer), max(1, 28 // h), caption, caption))
    top = int(np.argmax(probs))
    bars = "".join(
        f'<div class="score{" top" if d == top else ""}"><span>{d}</span>'
        f'<span class="bar" style="width: {100 * p:.1f}%"></span><span>{p:.1%}</span></div>'
        for d, p in enumerate(probs)
    )
    return (
        f'<div class="inside"><div class="digit-gallery layers">{"".join(layers)}</div>'
        f'<div class="scores" aria-label="output probabilities">{bars}</div></div>'
    )
