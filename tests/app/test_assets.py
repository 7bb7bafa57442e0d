"""The front end lives in files (digitpad/app/static), not in Python strings; each file is read, and read whole."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from digitpad.app import answer_view, stroke_pad
from digitpad.app.assets import STATIC, asset, template_literal

APP = Path(answer_view.__file__).resolve().parent
FRONT_END = re.compile(r"addEventListener|document\.|=>|\{\s*[a-z-]+:\s*[^;]+;|<(div|span|svg|canvas|figure)\b")


def test_every_static_file_is_used_by_the_app():
    sources = "\n".join(path.read_text() for path in APP.glob("*.py"))
    for path in STATIC.iterdir():
        assert f'"{path.name}"' in sources, f"static/{path.name} is read by no module"


def test_templates_hold_no_backtick_that_would_end_gradios_template_literal():
    for path in [*STATIC.glob("*.html"), *STATIC.glob("*.css")]:
        assert "`" not in asset(path.name), path.name
    assert "`" not in stroke_pad._HTML_TEMPLATE and "<!--" not in stroke_pad._HTML_TEMPLATE  # the comment is dropped


def test_the_answer_views_template_is_the_literal_inside_its_file():
    template = template_literal("answer-view.template.js")
    assert template.startswith('\n<div class="answer" data-about="${') and template.rstrip().endswith("</div>")
    assert answer_view._HTML_TEMPLATE == template and "export default" not in template


def test_no_javascript_css_or_html_in_python_strings():
    """Short HTML snippets built from data (gallery.py's figures) are fine; a stylesheet, a script or a template is
    not: more than three lines of front-end code in one string."""
    for path in APP.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.count("\n") > 3:
                lines = [line for line in node.value.splitlines() if FRONT_END.search(line)]
                assert len(lines) <= 3, f"{path.name}: front-end code in a string: {lines[:3]}"
