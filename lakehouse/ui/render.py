"""Templates and the filters they use: every value is HTML-escaped (Jinja autoescape) unless built here.

``highlight`` marks the query's words in escaped text; ``spec`` embeds a Vega-Lite spec as JSON in a
``<script type="application/json">`` element with ``<``, ``>`` and ``&`` escaped, so no data value can
close the element or start markup.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

TEMPLATES = Path(__file__).parent / "templates"
_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def highlight(text: str | None, words: Iterable[str]) -> Markup:
    """``text`` escaped, with every occurrence of a query word (case-insensitive) in ``<mark>``."""
    text = text or ""
    wanted = sorted({w for w in words if w}, key=len, reverse=True)
    if not wanted:
        return escape(text)
    pattern = re.compile("|".join(re.escape(w) for w in wanted), re.IGNORECASE)
    out, last = [], 0
    for match in pattern.finditer(text):
        out.append(escape(text[last : match.start()]))
        out.append(Markup("<mark>%s</mark>") % match.group(0))
        last = match.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def spec(chart: dict[str, Any] | None) -> Markup:
    """A Vega-Lite spec as a JSON script element the page's app.js renders (nothing when None)."""
    if chart is None:
        return Markup("")
    text = json.dumps(chart, default=str, ensure_ascii=False)
    for char, escaped in _JSON_ESCAPES.items():
        text = text.replace(char, escaped)
    safe = Markup(text)  # noqa: S704 - JSON with <, > and & written as \u escapes: it cannot leave the element
    return Markup('<div class="chart"><script type="application/json">%s</script></div>') % safe


def path(name: str) -> str:
    """A catalog name as one URL path segment (quotes, slashes and unicode percent-encoded)."""
    return quote(name, safe="")


def cell(value: Any) -> str:
    """A result cell as text: NULL for None, numbers and dates as Python writes them."""
    return "NULL" if value is None else str(value)


def percent(value: float | None) -> str:
    return "" if value is None else f"{value:.1%}"


def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True))
    env.filters.update(highlight=highlight, spec=spec, path=path, cell=cell, percent=percent)
    return env
