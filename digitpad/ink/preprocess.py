"""Any drawing or picture of a digit -> the 28x28 uint8 image an MNIST model expects.

MNIST's own recipe (LeCun et al.): the digit's bounding box is scaled, keeping its aspect
ratio, so that the longer side is 20 px, with anti-aliasing; then it is placed in a 28x28
field so that its centre of mass sits at the centre. White digit on black, 0..255.

Steps of `to_mnist`:
  1. ink map: float (H, W) in [0, 1], 1 = ink. From a Gradio pad's layer alpha when there
     are strokes; otherwise from the picture (light or dark background detected, uneven
     lighting flattened, paper texture thresholded away with Otsu's method).
  2. specks and anti-aliasing fringes are dropped; the rest is cropped to its bounding box.
  3. the crop is scaled to a 4x working size (longer side 80 px) and its stroke width is
     brought to MNIST's (measured on MNIST itself), so a blob drawn with a fat brush and a
     hairline both look like pen strokes.
  4. fitted into 20x20 with area averaging, centred by centre of mass in 28x28.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError
from scipy import ndimage

from digitpad.config import LIMITS
from digitpad.mnist_format import DIGIT_BOX, IMAGE_SIZE

WORK_SCALE = 4  # stroke widths are adjusted at 4x the final resolution
WORK_BOX = DIGIT_BOX * WORK_SCALE  # 80 px
# Stroke width of MNIST digits drawn at 4x (80 px box), measured by `stroke_width` on the
# training set fitted to the 80 px box: median 12.1 px (10-90%: 9.3-16.1). Drawings are brought within this band.
MNIST_STROKE_WIDTH = 12.1
STROKE_TOLERANCE = 0.25  # leave widths within +-25% of MNIST's alone
INK_LEVEL = 0.35  # ink below this (anti-aliasing fringes, paper texture) does not count
SPECK_FRACTION = 0.02  # connected ink blobs smaller than 2% of all ink are specks
MIN_INK_PIXELS = 4  # fewer ink pixels than this is an empty pad
MAX_PIXELS = LIMITS.picture_pixels  # refuse larger pictures before decoding them
WORKING_SIDE = 1024  # larger pictures are downscaled to this before anything else
EIGHT_NEIGHBOURS = np.ones((3, 3), bool)  # ink touching at a corner is connected
WITHIN_2_STEPS = ndimage.iterate_structure(ndimage.generate_binary_structure(2, 1), 2)  # a 5x5 diamond


class DrawingError(ValueError):
    """The input is not a picture we can read; the message says why."""


@dataclass(frozen=True)
class Upload:
    """A picture file the server received as an upload (the caller checked it lies in the upload folder).
    Pictures inside a request (the sketchpad-style dict) are read from arrays or from these, never from a
    path the request names: a path string there is `Refused`."""

    path: str


@dataclass(frozen=True)
class Refused:
    """Something a request sent where a picture goes that the server will not open (a path, a URL, a file
    it did not receive); reading it raises DrawingError with `why`."""

    why: str


# ----------------------------------------------------------------------- 1. the ink map


def open_image(path: str | Path) -> Image.Image:
    """Open an image file, refusing huge ones before their pixels are decoded."""
    path = Path(path)
    try:
        image = Image.open(path)
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise DrawingError(
                f"{path.name}: {width}x{height} px is too large (limit {MAX_PIXELS // 1_000_000} megapixels)"
            )
        image.draft("L", (WORKING_SIDE, WORKING_SIDE))  # JPEGs decode straight at a reduced size
        image.load()
        return image
    except DrawingError:
        raise
    except Image.DecompressionBombError as e:  # PIL refuses even to open the largest ones
        raise DrawingError(f"{path.name}: image too large (limit {MAX_PIXELS // 1_000_000} megapixels)") from e
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
        # the same words whatever went wrong: an error must not tell whether some path exists
        raise DrawingError(f"{path.name}: not a readable image") from e


def image_to_array(image: Image.Image) -> np.ndarray:
    """PIL image in any mode -> float32 (H, W) grey or (H, W, 4) RGBA in [0, 1], downscaled if huge."""
    if getattr(image, "n_frames", 1) > 1:
        image.seek(0)  # animated: the first frame
    if max(image.size) > WORKING_SIDE:
        image = image.copy()
        image.thumbnail((WORKING_SIDE, WORKING_SIDE), Image.Resampling.BOX)
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        grey = np.asarray(image, dtype=np.float32)
        top = grey.max()
        return grey / top if top > 0 else grey
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    image = image.convert("RGBA" if has_alpha else "L")
    return np.asarray(image, dtype=np.float32) / 255


def as_array(drawing) -> np.ndarray | None:
    """A path, `Upload`, PIL image or array -> float32 array (H, W) or (H, W, 3|4) in [0, 1]; None stays None.
    Arrays larger than WORKING_SIDE are shrunk before they are converted to float."""
    if drawing is None:
        return None
    if isinstance(drawing, Refused):
        raise DrawingError(drawing.why)
    if isinstance(drawing, (str, Path, Upload)):
        return image_to_array(open_image(drawing.path if isinstance(drawing, Upload) else drawing))
    if isinstance(drawing, Image.Image):
        return image_to_array(drawing)
    array = shrunk(np.asarray(drawing))
    if array.dtype == object or array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (1, 3, 4)):
        raise DrawingError(f"expected an H×W, H×W×3 or H×W×4 image, got an array of shape {array.shape}")
    if array.size == 0:
        raise DrawingError("the image is empty (0 pixels)")
    if array.dtype == bool:
        return array.astype(np.float32)
    array = array.astype(np.float32)
    if not np.isfinite(array).all():
        raise DrawingError("the image contains NaN or infinite values")
    top = 255.0 if array.max() > 1.0 else 1.0
    if array.max() > 255.0:  # 16-bit
        top = 65535.0
    array = np.clip(array / top, 0, 1)
    return array[..., 0] if array.ndim == 3 and array.shape[2] == 1 else array


def shrunk(array: np.ndarray) -> np.ndarray:
    """A uint8 picture whose longer side is over WORKING_SIDE, downscaled (area averaging) to it; anything
    else as it is. A 16 MP photo would otherwise take 256 MB as float32 RGBA before being shrunk anyway."""
    if array.dtype != np.uint8 or array.ndim not in (2, 3) or max(array.shape[:2]) <= WORKING_SIDE:
        return array
    if array.ndim == 3 and array.shape[2] not in (3, 4):
        return array
    image = Image.fromarray(array)
    image.thumbnail((WORKING_SIDE, WORKING_SIDE), Image.Resampling.BOX)
    return np.asarray(image)


def luminance(rgb: np.ndarray) -> np.ndarray:
    return rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114


def otsu_threshold(values: np.ndarray) -> float:
    """The level that best splits `values` (in [0, 1]) into two classes."""
    hist, edges = np.histogram(values, bins=64, range=(0.0, 1.0))
    weight = hist.cumsum()
    mean = (hist * edges[:-1]).cumsum()
    total_w, total_m = weight[-1], mean[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (total_m * weight - mean * total_w) ** 2 / (weight * (total_w - weight))
    return float(edges[np.nanargmax(between[:-1]) + 1])


def ink_from_picture(grey: np.ndarray) -> np.ndarray:
    """A grey picture of a digit (either polarity) -> ink map in [0, 1]."""
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    if np.median(border) < 0.5:  # light digit on a dark background: flip to dark on light
        grey = 1 - grey
    # Flatten uneven lighting: the paper's brightness, estimated on a ~64 px thumbnail by a
    # grey closing (a max filter wipes out thin dark strokes), smoothed, scaled back up and
    # divided out.
    h, w = grey.shape
    step = max(1, max(h, w) // 64)
    coarse = resize(grey, max(1, h // step), max(1, w // step))
    paper = ndimage.uniform_filter(ndimage.maximum_filter(coarse, size=7), size=5)
    paper = resize(paper, h, w)
    ink = np.clip(1 - grey / np.maximum(paper, 1e-3), 0, 1)
    if ink.max() < 0.1:  # no contrast at all (a blank page, a flat colour)
        return np.zeros_like(ink)
    # Paper texture and shadows are faint: keep what Otsu's level puts on the ink side,
    # and stretch the ink's contrast so that a pencil stroke reads as solid ink.
    level = otsu_threshold(ink)
    strong = ink[ink > level]
    top = float(np.percentile(strong, 90)) if strong.size else 1.0
    return np.clip((ink - level / 2) / max(top - level / 2, 1e-3), 0, 1)


def ink_from_array(array: np.ndarray) -> np.ndarray:
    """float (H, W) or (H, W, 3|4) in [0, 1] -> ink map."""
    if array.ndim == 3 and array.shape[2] == 4:
        alpha = array[..., 3]
        if alpha.min() < 0.9:  # transparent background: the strokes are what is opaque
            return alpha * (alpha > 0)
        array = array[..., :3]
    grey = luminance(array) if array.ndim == 3 else array
    return ink_from_picture(grey)


def alpha_channel(layer) -> np.ndarray | None:
    """A layer's alpha as float (H, W) in [0, 1], or None if it has no alpha channel."""
    if isinstance(layer, np.ndarray) and layer.dtype == np.uint8:  # the pad's own format: skip the float copy
        return layer[..., 3].astype(np.float32) / 255 if layer.ndim == 3 and layer.shape[2] == 4 else None
    array = as_array(layer)
    return array[..., 3] if array is not None and array.ndim == 3 and array.shape[2] == 4 else None


def is_plain(picture) -> bool:
    """True for no picture or a flat one (the pad's white background), judged on a 1-in-4 grid."""
    if picture is None:
        return True
    array = picture if isinstance(picture, np.ndarray) and picture.dtype == np.uint8 else as_array(picture)
    sample = array[::4, ::4, :3] if array.ndim == 3 else array[::4, ::4]
    return float(np.ptp(sample)) <= (13 if array.dtype == np.uint8 else 0.05)


def ink_from_pad(value: dict) -> np.ndarray | None:
    """A Gradio ImageEditor/Sketchpad value -> ink map, or None when it holds no picture.

    In Gradio 6 the layers carry the strokes in their alpha channel and the composite is
    the picture flattened (black ink baked onto white). Strokes are read from the layers;
    without strokes, or over an uploaded or pasted photo, the composite (then the
    background) is read as a picture.
    """
    layers = [pad_slot(layer) for layer in value.get("layers") or [] if layer is not None]
    alphas = [a for a in map(alpha_channel, layers) if a is not None]
    alphas = [a for a in alphas if a.shape == alphas[0].shape]
    if alphas and is_plain(pad_slot(value.get("background"))):
        ink = alphas[0] if len(alphas) == 1 else np.max(alphas, axis=0)
        if ink.max() > 0:
            return ink
    picture = pad_picture_array(value)
    return None if picture is None else ink_from_array(picture)


def pad_picture_array(value: dict) -> np.ndarray | None:
    """A Gradio ImageEditor/Sketchpad value's picture: its composite, else its background, as `as_array` gives
    it (float32 in [0, 1]); None when it has neither."""
    for key in ("composite", "background"):
        picture = as_array(pad_slot(value.get(key)))
        if picture is not None:
            return picture
    return None


def pad_slot(item: object) -> object:
    """A picture inside a pad value, as it may be read: a path string there is never opened (pictures in a
    request come as arrays or as uploaded files, see `Upload`)."""
    if isinstance(item, (str, Path)):
        raise DrawingError("a picture must be sent as an uploaded file, not named by a path")
    return item


def ink_map(drawing) -> np.ndarray | None:
    if isinstance(drawing, dict):
        return ink_from_pad(drawing)
    array = as_array(drawing)
    return None if array is None else ink_from_array(array)


# ------------------------------------------------------------- 2. specks and bounding box


def keep_digit(ink: np.ndarray) -> np.ndarray | None:
    """Drop anti-aliasing fringes and specks; crop to the digit. None when nothing is left."""
    mask = ink >= INK_LEVEL
    if mask.sum() < MIN_INK_PIXELS:
        return None
    labels, count = ndimage.label(mask, structure=EIGHT_NEIGHBOURS)
    if count > 1:
        sizes = np.bincount(labels.ravel())
        sizes[0] = 0
        mask = (sizes >= max(MIN_INK_PIXELS, SPECK_FRACTION * sizes.sum()))[labels]
    rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
    if rows.size == 0:
        return None
    r0, r1, c0, c1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    # keep the soft edges of the strokes we kept (the mask grown by 2 px), nothing of the specks
    near = ndimage.binary_dilation(mask[r0:r1, c0:c1], structure=WITHIN_2_STEPS)
    return ink[r0:r1, c0:c1] * near


# ---------------------------------------------------------------- 3. scale, stroke width


def resize(ink: np.ndarray, height: int, width: int) -> np.ndarray:
    """Resize a float image with proper anti-aliasing (area averaging when shrinking)."""
    image = Image.fromarray(ink.astype(np.float32), mode="F")
    shrinking = height < ink.shape[0] or width < ink.shape[1]
    filter_ = Image.Resampling.BOX if shrinking else Image.Resampling.BILINEAR
    return np.asarray(image.resize((width, height), filter_), dtype=np.float32)


def fit(ink: np.ndarray, box: int) -> np.ndarray:
    """Scale so the longer side is `box` px, keeping the aspect ratio (a "1" stays thin)."""
    h, w = ink.shape
    scale = box / max(h, w)
    return resize(ink, max(1, round(h * scale)), max(1, round(w * scale)))


def stroke_width(ink: np.ndarray) -> float:
    """Typical stroke width in px: 4 x the mean distance from ink to the nearest background.

    (Across a stroke of width w the distance to its edge averages w/4.)
    """
    mask = ink >= 0.5
    if not mask.any():
        return 0.0
    return 4 * float(ndimage.distance_transform_edt(np.pad(mask, 1))[1:-1, 1:-1][mask].mean())


def normalise_stroke_width(ink: np.ndarray) -> np.ndarray:
    """At the 4x working size: thicken hairlines and thin fat strokes towards MNIST's width."""
    width = stroke_width(ink)
    change = (MNIST_STROKE_WIDTH - width) / 2  # px to add (+) or remove (-) on each side
    if abs(change) <= STROKE_TOLERANCE * MNIST_STROKE_WIDTH / 2:
        return ink
    pad = int(max(change, 0)) + 2
    ink = np.pad(ink, pad)
    mask = ink >= 0.5
    if change > 0:  # grow: every pixel within `change` px of ink becomes ink (soft edge)
        outside = ndimage.distance_transform_edt(~mask)
        return np.maximum(ink, np.clip(change + 0.5 - outside, 0, 1))
    # shrink: peel `-change` px off the stroke, but keep its centre line so nothing breaks
    inside = ndimage.distance_transform_edt(mask)
    ridge = mask & (inside >= ndimage.maximum_filter(inside, size=3))
    thin = np.clip(inside + change + 0.5, 0, 1)
    core = np.clip(1.5 - ndimage.distance_transform_edt(~ridge), 0, 1)  # the ridge, ~2 px wide
    return np.maximum(thin, core)


# --------------------------------------------------------------------- 4. MNIST's frame


def center_by_mass(digit: np.ndarray) -> np.ndarray:
    """Place a digit (h, w <= 20) in 28x28 with its centre of mass at the centre."""
    out = np.zeros((IMAGE_SIZE, IMAGE_SIZE), np.float32)
    h, w = digit.shape
    mass = digit.astype(np.float64)
    total = mass.sum()
    cy, cx = float(mass.sum(1) @ np.arange(h)) / total, float(mass.sum(0) @ np.arange(w)) / total
    # MNIST's centre of mass sits at pixel (14.0, 14.0) (measured on the training set)
    top = int(np.clip(round(IMAGE_SIZE / 2 - cy), 0, IMAGE_SIZE - h))
    left = int(np.clip(round(IMAGE_SIZE / 2 - cx), 0, IMAGE_SIZE - w))
    out[top : top + h, left : left + w] = digit
    return out


def to_mnist(drawing) -> np.ndarray | None:
    """A drawing or picture of one digit -> uint8 (28, 28), white on black; None if blank.

    `drawing`: a Gradio Sketchpad value (dict with background/layers/composite), an
    H×W, H×W×3 or H×W×4 array, a PIL image, or an image file path.
    """
    ink = ink_map(drawing)
    return None if ink is None else ink_to_mnist(ink)


def ink_to_mnist(ink: np.ndarray) -> np.ndarray | None:
    """An ink map float (H, W) in [0, 1] holding one digit -> uint8 (28, 28) (steps 2-4); None if blank."""
    digit = keep_digit(ink)
    if digit is None:
        return None
    return mnist_frame(normalise_stroke_width(fit(digit, WORK_BOX)))


def mnist_frame(ink: np.ndarray) -> np.ndarray | None:
    """A digit's ink at the working size, strokes at MNIST's width -> uint8 (28, 28) (step 4); None if blank.

    Re-crops first: thickening grew the box, and a piece cut from a row of digits has margins.
    """
    digit = keep_digit(ink)
    if digit is None:
        return None
    digit = np.clip(fit(digit, DIGIT_BOX), 0, 1)
    return np.round(center_by_mass(digit) * 255).astype(np.uint8)
