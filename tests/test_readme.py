"""The README's examples: every `python -m digitpad ...` command line it shows parses with the CLI as it is (and
every `python -m digitpad.bench ...` with the benchmark's), and its Python examples run, in order, against the
running app (the gradio_client ones) and in process (the Python API)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from digitpad.bench.run import parse_args as parse_bench_args
from digitpad.cli import build_parser
from digitpad.synth.pen_digits import number_pad_value, stroke_pad_value
from digitpad.teach.store import CorrectionStore

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def command_lines(prefix: str) -> list[list[str]]:
    """The README's command lines that start with `prefix`, as argument lists (comments dropped)."""
    found = re.findall(rf"(?:^|`){re.escape(prefix)} ([^`\n#]*)", README, flags=re.M)
    return [shlex.split(line) for line in found]


def test_every_cli_command_in_the_readme_parses():
    commands = command_lines("python -m digitpad")
    assert len(commands) >= 15 and {c[0] for c in commands} >= {"train", "eval", "predict", "read", "train-gan"}
    parser = build_parser()
    for args in commands:
        parser.parse_args(args)  # argparse exits (SystemExit) on a command or option that does not exist


def test_every_bench_command_in_the_readme_parses():
    commands = command_lines("python -m digitpad.bench")
    assert len(commands) >= 4
    for args in commands:
        parse_bench_args(args)


@pytest.mark.slow  # Teach it trains, twice (through the app and in process)
def test_the_python_examples_run(server_url, mnist, tmp_path, monkeypatch):
    blocks = re.findall(r"```python\n(.*?)```", README, flags=re.S)
    assert len(blocks) >= 6
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DIGITPAD_HOME", str(tmp_path / "home"))
    digits = mnist.test_images[:4].numpy()
    Image.fromarray(255 - digits[0]).save("digit.png")  # dark on light, like a scan
    Image.fromarray(digits[1]).save("photo.jpg")
    Image.fromarray(np.pad(np.hstack(list(digits)), 20)).save("number.jpg")
    store = CorrectionStore(tmp_path / "home" / "digitpad.sqlite")
    for k in range(3):  # corrections for the Python API's Teach it
        store.add("readme", digits[k], int(mnist.test_labels[k]), np.full(10, 0.1), "bundled digitnet (best)")
    namespace = {"pad": stroke_pad_value(7), "images": digits, "value": stroke_pad_value(3)}
    wide_pad = f'"strokes": {number_pad_value("2026")["strokes"]!r}'  # for the README's `{"strokes": [...], ...}`
    for block in blocks:
        block = block.replace("http://127.0.0.1:7860/", server_url).replace('"strokes": [...]', wide_pad)
        exec(block, namespace)  # noqa: S102 - the README's own code
    assert namespace["reading"].text.isdecimal() and len(namespace["walk"]) == 8
