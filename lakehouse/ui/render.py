"""Templates and the filters they use: every value is HTML-escaped (Jinja autoescape) unless built here.

``highlight`` marks the query's words in escaped text; ``spec`` puts a Vega-Lite spec as JSON in a
``data-spec`` attribute, HTML-escaped like any other value (quotes included), so no data value can end
the attribute or start markup (and htmx, which drops script elements from swapped fragments, keeps it).
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
    """A Vega-Lite spec in an element the page's app.js renders (nothing when None); the JSON is escaped."""
    if chart is None:
        return Markup("")
    return Markup('<div class="chart" data-spec="%s"></div>') % json.dumps(
        chart, default=str, ensure_ascii=False
    )


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
