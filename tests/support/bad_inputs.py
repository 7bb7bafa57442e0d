"""Files and values a public demo will be sent: broken, huge, odd formats, noise."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

# Stroke pad values a public demo will be sent; each must get "Can't read this drawing: <why>".
BAD_STROKES = {
    "not json": "{strokes: oops",
    "a number": 7,
    "a list": [[1, 2]],
    "strokes not a list": {"strokes": "xx", "width": 320, "height": 320},
    "nan": {"strokes": [[[float("nan"), 3.0], [4.0, 5.0]]], "width": 320, "height": 320},
    "infinite": {"strokes": [[[float("inf"), 3.0], [4.0, 5.0]]], "width": 320, "height": 320},
    "nan as text": {"strokes": [[["NaN", 3], [4, 5]]], "width": 320, "height": 320},
    "far outside": {"strokes": [[[10, 10], [90_000, 50]]], "width": 320, "height": 320},
    "100,000 points": {"strokes": [[[i % 300, i % 290] for i in range(100_000)]], "width": 320, "height": 320},
    "5,000 strokes": {"strokes": [[[10, 10], [20, 20]]] * 5_000, "width": 320, "height": 320},
    "bad width": {"strokes": [[[10, 10], [20, 20]]], "width": -5, "height": 320},
}


def png_bomb(path: Path, side: int = 20_000) -> Path:
    """A valid greyscale PNG of side x side pixels that is only a few hundred KB on disk:
    written row by row so this test never holds it in memory either."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    compressor, row, body = zlib.compressobj(9), b"\x00" * (side + 1), []
    for _ in range(side):
        body.append(compressor.compress(row))
    body.append(compressor.flush())
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", b"".join(body)) + chunk(b"IEND", b"")
    )
    return path


def bad_files(folder: Path) -> dict[str, Path]:
    """name -> file. Each must give a prediction, the empty-pad hint or a clear error."""
    rng = np.random.default_rng(0)
    files = {}

    def save(name: str, image: Image.Image, **kwargs) -> None:
        files[name] = folder / name
        image.save(files[name], **kwargs)

    (folder / "empty.png").write_bytes(b"")
    files["empty.png"] = folder / "empty.png"
    (folder / "text.png").write_text("this is not a picture\n")
    files["text.png"] = folder / "text.png"
    good = Image.fromarray(rng.integers(0, 255, (280, 280), dtype=np.uint8))
    save("noise.png", Image.fromarray(rng.integers(0, 255, (280, 280, 3), dtype=np.uint8)))
    whole = (folder / "noise.png").read_bytes()
    (folder / "truncated.png").write_bytes(whole[: len(whole) // 2])
    files["truncated.png"] = folder / "truncated.png"
    save("one-pixel.png", Image.new("L", (1, 1), 0))
    save("strip.png", Image.fromarray(rng.integers(0, 255, (3, 5000), dtype=np.uint8)))
    files["bomb.png"] = png_bomb(folder / "bomb.png")
    save("sixteen-bit.png", Image.fromarray((rng.random((64, 64)) * 65535).astype(np.uint16)))
    save("palette.png", good.convert("P"))
    save("cmyk.jpg", good.convert("CMYK"))
    frames = [Image.new("L", (64, 64), v) for v in (0, 255)]
    files["animated.gif"] = folder / "animated.gif"
    frames[0].save(files["animated.gif"], save_all=True, append_images=frames[1:], duration=100, loop=0)
    save("all-black.png", Image.new("RGB", (280, 280), "black"))
    save("all-white.png", Image.new("RGB", (280, 280), "white"))
    return files


BAD_ARRAYS = {
    "nan": np.full((28, 28), np.nan),
    "inf": np.full((28, 28, 3), np.inf),
    "object": np.array([[None, 1]], dtype=object),
    "4-d": np.zeros((2, 2, 2, 2)),
    "empty": np.zeros((0, 5)),
}
