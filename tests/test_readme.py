"""The README's and docs/*.md's examples: every `python -m digitpad ...` command line they show parses with the CLI
as it is (and every `python -m digitpad.bench ...` with the benchmark's), and each page's Python examples run, in
order, against the running app (the gradio_client ones) and in process (the Python API)."""

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

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), ROOT / "weights" / "README.md"]
README_LIMIT = 150  # lines: a visitor, a teacher and a developer each read one screen, then follow a link


def command_lines(prefix: str) -> list[list[str]]:
    """The pages' command lines that start with `prefix` (or `digitpad`, the installed command, for the CLI), as
    argument lists (comments dropped)."""
    found = []
    for page in PAGES:
        found += re.findall(rf"(?:^|`){re.escape(prefix)} ([^`\n#]*)", page.read_text(), flags=re.M)
    return [shlex.split(line) for line in found]


def python_blocks(page: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", page.read_text(), flags=re.S)


def test_the_readme_is_one_screen_and_links_to_pages_that_exist():
    readme = PAGES[0].read_text()
    assert len(readme.splitlines()) <= README_LIMIT
    for page in PAGES:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", page.read_text()):
            assert (page.parent / target).exists(), f"{page.name} links to {target}, which does not exist"


def test_every_cli_command_in_the_docs_parses():
    commands = command_lines("python -m digitpad") + command_lines("digitpad")
    assert len(commands) >= 15 and {c[0] for c in commands} >= {"train", "eval", "predict", "read", "train-gan"}
    parser = build_parser()
    for args in commands:
        parser.parse_args(args)  # argparse exits (SystemExit) on a command or option that does not exist


def test_every_bench_command_in_the_docs_parses():
    commands = command_lines("python -m digitpad.bench")
    assert len(commands) >= 4
    for args in commands:
        parse_bench_args(args)


@pytest.mark.slow  # Teach it trains, twice (through the app and in process)
def test_the_python_examples_run(server_url, mnist, tmp_path, monkeypatch):
    pages = [page for page in PAGES if python_blocks(page)]
    assert sum(len(python_blocks(page)) for page in pages) >= 7 and PAGES[0] in pages
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DIGITPAD_HOME", str(tmp_path / "home"))
    digits = mnist.test_images[:4].numpy()
    Image.fromarray(255 - digits[0]).save("digit.png")  # dark on light, like a scan
    Image.fromarray(digits[1]).save("photo.jpg")
    Image.fromarray(np.pad(np.hstack(list(digits)), 20)).save("number.jpg")
    store = CorrectionStore(tmp_path / "home" / "digitpad.sqlite")
    for k in range(3):  # corrections for the Python API's Teach it
        store.add("readme", digits[k], int(mnist.test_labels[k]), np.full(10, 0.1), "bundled digitnet (best)")
    wide_pad = f'"strokes": {number_pad_value("2026")["strokes"]!r}'  # for the docs' `{"strokes": [...], ...}`
    namespaces = {}
    for page in pages:  # each page's blocks in order, in a namespace of its own
        namespace = namespaces[page.name] = {"pad": stroke_pad_value(7), "images": digits, "value": stroke_pad_value(3)}
        for block in python_blocks(page):
            block = block.replace("http://127.0.0.1:7860/", server_url).replace('"strokes": [...]', wide_pad)
            exec(block, namespace)  # noqa: S102 - the page's own code
    assert namespaces["README.md"]["probs"].argmax() == 7
    assert namespaces["api.md"]["reading"].text.isdecimal() and len(namespaces["api.md"]["walk"]) == 8
