"""The front-end files in `static/` (HTML, CSS and JavaScript, checked by prettier and eslint in `make lint`), read
once when the app is built.

- `*.html`, `*.css`: a `gr.HTML` component's `html_template` / `css_template`, or the page's stylesheet. Gradio
  renders a template as a JavaScript template literal over the component's props, so these files hold no backtick;
  an HTML file's leading comment is for maintainers and is dropped here.
- `*.js`: a component's `js_on_load`, the body of a function of `element`, `trigger`, `props` and `watch`.
- `*.template.js`: an `html_template` with JavaScript in it, written as a template literal inside a function of the
  props it uses, so that the linter and the formatter can read it; `template_literal` returns the literal's text.
"""

from __future__ import annotations

import re
from pathlib import Path

STATIC = Path(__file__).resolve().parent / "static"
_LEADING_COMMENT = re.compile(r"\A\s*<!--.*?-->\s*", re.S)
_LITERAL_START = "=> `"


def asset(name: str) -> str:
    """The text of `static/name`, an HTML file without its leading comment."""
    text = (STATIC / name).read_text(encoding="utf-8")
    return _LEADING_COMMENT.sub("", text) if name.endswith(".html") else text


def template_literal(name: str) -> str:
    """The text between the outer backticks of the template literal that `static/name` (a `*.template.js`) returns:
    what Gradio renders as the template."""
    source = asset(name)
    start, end = source.index(_LITERAL_START) + len(_LITERAL_START), source.rindex("`")
    return source[start:end]
