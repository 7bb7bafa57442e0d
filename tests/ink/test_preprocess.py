import numpy as np
import pytest
from PIL import Image

from digitpad.ink.preprocess import DrawingError, to_mnist
from tests.support.drawing_helpers import (
    bbox,
    center_of_mass,
    drawn_digit,
    pad_value,
    render_strokes,
    scaled_strokes,
    similarity,
)
from tests.support.every_core import map_on_every_core


def test_output_is_mnist_format():
    image = to_mnist(drawn_digit(7))
    assert image.shape == (28, 28) and image.dtype == np.uint8
    assert image.max() == 255 and image[0].max() == 0  # white on black, black border
    assert max(bbox(image, level=1)) <= 21  # longer side 20 px (+1 for anti-aliasing)
    assert np.allclose(center_of_mass(image), [14, 14], atol=0.6)


@pytest.mark.parametrize(
    "empty",
    [
        None,
        {"background": None, "layers": [], "composite": None},
        pad_value(np.zeros((320, 320), np.uint8)),
        np.full((100, 100), 255, np.uint8),  # a blank white page
        np.zeros((100, 100, 3), np.uint8),  # a blank black page
    ],
)
def test_empty_is_none(empty):
    assert to_mnist(empty) is None


def test_single_dot_and_faint_specks():
    dot = render_strokes([[(100, 100), (100, 100)]], width=18)
    image = to_mnist(pad_value(dot))
    assert image is not None and np.allclose(center_of_mass(image), [14, 14], atol=0.6)
    assert to_mnist(pad_value((dot > 0) * np.uint8(40))) is None  # only faint ink: nothing drawn


def test_specks_do_not_move_the_digit():
    clean = render_strokes(scaled_strokes(1, (120, 40, 80, 240)))
    specked = clean.copy()
    specked[5:7, 5:7] = 255  # a 4-pixel speck far away in the corner
    assert np.array_equal(to_mnist(pad_value(clean)), to_mnist(pad_value(specked)))


def test_aspect_ratio_kept_a_one_stays_thin():
    image = to_mnist(pad_value(render_strokes([[(160, 30), (160, 290)]], width=14)))
    height, width = bbox(image)
    assert height >= 19 and width <= 6


@pytest.mark.parametrize("digit", [2, 4, 5, 7])
def test_position_and_size_do_not_matter(digit):
    reference = to_mnist(drawn_digit(digit))
    tiny_corner = to_mnist(drawn_digit(digit, box=(4, 6, 22, 34), width=4))
    huge = to_mnist(drawn_digit(digit, box=(54, 0, 212, 320), width=30))  # touches top and bottom
    for other in (tiny_corner, huge):
        assert similarity(reference, other) > 0.8


@pytest.mark.parametrize("width", [3, 8, 18, 36, 60])
def test_stroke_width_is_normalised(width):
    reference = to_mnist(drawn_digit(3, width=18))
    image = to_mnist(drawn_digit(3, width=width))
    ink = (image >= 128).sum()
    assert 0.6 * (reference >= 128).sum() <= ink <= 1.6 * (reference >= 128).sum()
    assert similarity(reference, image) > 0.8


def test_separate_strokes_are_kept():
    four = to_mnist(drawn_digit(4))  # drawn in two strokes that touch
    apart = pad_value(render_strokes([[(100, 40), (100, 160), (220, 160)], [(240, 40), (240, 290)]]))
    image = to_mnist(apart)  # a "4" whose strokes do not touch
    assert bbox(image)[0] >= 19 and bbox(image)[1] >= 12 and four is not None


def test_inverted_colours_give_the_same_image():
    alpha = render_strokes(scaled_strokes(8, (80, 40, 160, 240)))
    dark_on_light = 255 - alpha
    light_on_dark = alpha
    a, b = to_mnist(dark_on_light), to_mnist(light_on_dark)
    assert similarity(a, b) > 0.97


def pictures_of_a_digit(tmp_path):
    alpha = render_strokes(scaled_strokes(2, (80, 40, 160, 240)))
    value = pad_value(alpha)
    rgba_transparent = value["layers"][0].copy()  # black strokes on transparent
    rgb = value["composite"][..., :3]
    path = tmp_path / "two.png"
    Image.fromarray(rgb).save(path)
    yield "layers only", {"background": None, "layers": value["layers"], "composite": None}
    yield "composite only", {"background": None, "layers": [], "composite": value["composite"]}
    yield "uploaded background", {"background": rgb, "layers": [], "composite": None}
    yield "H×W", 255 - alpha
    yield "H×W×3", rgb
    yield "H×W×4 opaque", value["composite"]
    yield "H×W×4 transparent", rgba_transparent
    yield "float H×W in [0, 1]", (255 - alpha) / 255.0
    yield "PIL L", Image.fromarray(255 - alpha)
    yield "PIL RGB", Image.fromarray(rgb)
    yield "PIL RGBA", Image.fromarray(rgba_transparent)
    yield "PIL P", Image.fromarray(rgb).convert("P")
    yield "PIL I;16", Image.fromarray((255 - alpha).astype(np.uint16) * 257)
    yield "file path", str(path)


def test_every_input_shape_gives_the_same_digit(tmp_path):
    reference = to_mnist(drawn_digit(2, box=(80, 40, 160, 240)))
    for name, picture in pictures_of_a_digit(tmp_path):
        image = to_mnist(picture)
        assert image is not None, name
        assert similarity(reference, image) > 0.9, name


def test_photo_with_uneven_light_and_paper_texture():
    rng = np.random.default_rng(0)
    alpha = render_strokes(scaled_strokes(7, (100, 60, 140, 220)), size=(400, 320), width=10).astype(np.float32) / 255
    yy, xx = np.mgrid[0:320, 0:400]
    light = 0.55 + 0.4 * xx / 400  # a shadow across the page
    paper = light * (1 - 0.08 * rng.random((320, 400)))  # grainy paper
    photo = paper * (1 - 0.7 * alpha)  # grey pencil, not black ink
    image = to_mnist((photo * 255).astype(np.uint8))
    reference = to_mnist(drawn_digit(7, box=(100, 60, 140, 220), width=10))
    assert similarity(reference, image) > 0.85


@pytest.mark.parametrize(
    "bad, message",
    [
        (np.zeros((4, 4, 5)), "H×W×4 image, got an array of shape"),
        (np.array([[np.nan, 1.0]]), "NaN"),
        (np.zeros((0, 0)), "0 pixels"),
    ],
)
def test_bad_arrays_are_clear_errors(bad, message):
    with pytest.raises(DrawingError, match=message):
        to_mnist(bad)


def test_bad_files_are_clear_errors(tmp_path):
    text = tmp_path / "note.png"
    text.write_text("not an image")
    with pytest.raises(DrawingError, match="note.png: not a readable image"):
        to_mnist(str(text))


def bitmap_of(redrawn: tuple[list, float]) -> np.ndarray:
    """A re-stroked digit painted on a 400 px bitmap pad (its brush width), then read by to_mnist."""
    strokes, brush = redrawn
    return to_mnist(pad_value(render_strokes(strokes, (400, 400), round(brush))))


@pytest.mark.slow
def test_redrawn_mnist_digits_are_read_as_well_as_the_originals(mnist, classifier, redrawn_test_digits):
    """All 10,000 MNIST test digits re-stroked on a big canvas (other scale, place, brush
    width) -> to_mnist -> the bundled model: accuracy within 1 point of the raw images'."""
    images, labels = mnist.test_images.numpy(), mnist.test_labels.numpy()
    raw_acc = (classifier.predict_proba(images).argmax(1) == labels).mean() * 100
    redrawn = np.stack(map_on_every_core(bitmap_of, redrawn_test_digits))
    redrawn_acc = (classifier.predict_proba(redrawn).argmax(1) == labels).mean() * 100
    print(f"raw {raw_acc:.1f}%, redrawn {redrawn_acc:.1f}%")
    assert redrawn_acc >= raw_acc - 1.0


def test_bad_files_give_none_an_image_or_a_clear_error(tmp_path):
    from tests.support.bad_inputs import bad_files

    for name, path in bad_files(tmp_path).items():
        try:
            image = to_mnist(str(path))
        except DrawingError as e:
            assert str(e).startswith(name), (name, e)
            continue
        assert image is None or (image.shape == (28, 28) and image.dtype == np.uint8), name


def test_decompression_bomb_is_refused_before_decoding(tmp_path):
    from digitpad.ink.preprocess import MAX_PIXELS
    from tests.support.bad_inputs import png_bomb

    with pytest.raises(DrawingError, match=rf"bomb.png: .*too large \(limit {MAX_PIXELS // 1_000_000} megapixels\)"):
        to_mnist(str(png_bomb(tmp_path / "bomb.png")))


@pytest.mark.parametrize("name", ["nan", "inf", "object", "4-d", "empty"])
def test_bad_arrays_give_clear_errors(name):
    from tests.support.bad_inputs import BAD_ARRAYS

    with pytest.raises(DrawingError):
        to_mnist(BAD_ARRAYS[name])


@pytest.mark.parametrize(
    "value",
    [
        {},
        {"background": None},
        {"layers": None, "composite": None},
        {"background": None, "layers": [None], "composite": None},
    ],
)
def test_odd_pad_values_are_empty(value):
    assert to_mnist(value) is None


def test_layers_only_pad_value_is_read():
    value = drawn_digit(5)
    assert to_mnist({"layers": value["layers"]}) is not None
