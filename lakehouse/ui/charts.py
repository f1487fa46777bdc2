"""Vega-Lite specs as plain dicts (rendered in the page by the vendored vega-embed; no data leaves the page).

Each builder takes rows already read as the viewing principal and returns a small spec, or None when
there is nothing to draw. Data is inlined (``data.values``); nothing refers to a URL.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"  # an identifier only: never fetched
WIDTH, HEIGHT = 220, 110
TOP = 10


def _spec(
    values: list[dict[str, Any]], mark: str | dict[str, Any], encoding: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    return {"$schema": SCHEMA, "width": WIDTH, "height": HEIGHT, "data": {"values": values}, "mark": mark,
            "encoding": encoding, **extra}  # fmt: skip


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def distribution(column: str, values: Sequence[Any]) -> dict[str, Any] | None:
    """A histogram for numbers, the top values for anything else; None without non-null values."""
    present = [v for v in values if v is not None]
    if not present:
        return None
    numbers = [_number(v) for v in present]
    if all(n is not None for n in numbers):
        return _spec([{"v": n} for n in numbers], "bar",
                     {"x": {"field": "v", "bin": {"maxbins": 20}, "title": column},
                      "y": {"aggregate": "count", "title": "rows"}})  # fmt: skip
    top = Counter(str(v) for v in present).most_common(TOP)
    return _spec([{"v": v, "n": n} for v, n in top], "bar",
                 {"y": {"field": "v", "type": "nominal", "sort": "-x", "title": column},
                  "x": {"field": "n", "type": "quantitative", "title": "rows"}})  # fmt: skip


def null_fractions(columns: Sequence[tuple[str, float | None]]) -> dict[str, Any] | None:
    values = [{"column": c, "nulls": f} for c, f in columns if f is not None]
    if not values:
        return None
    return _spec(values, "bar", {"y": {"field": "column", "type": "nominal", "sort": None},
                                 "x": {"field": "nulls", "type": "quantitative", "axis": {"format": "%"},
                                       "scale": {"domain": [0, 1]}, "title": "null fraction"}},
                 height={"step": 14})  # fmt: skip


def line(rows: list[dict[str, Any]], x: str, ys: Sequence[str]) -> dict[str, Any] | None:
    """One line per ``ys`` column over ``x`` (training loss per iteration, ROC curve)."""
    values = [
        {x: r[x], "series": y, "value": r[y]} for r in rows for y in ys if _number(r.get(y)) is not None
    ]
    if not values:
        return None
    return _spec(values, {"type": "line", "point": True},
                 {"x": {"field": x, "type": "quantitative"}, "y": {"field": "value", "type": "quantitative"},
                  "color": {"field": "series", "type": "nominal"}})  # fmt: skip


def bars(rows: list[dict[str, Any]], label: str, value: str) -> dict[str, Any] | None:
    """A horizontal bar per row (feature weights, feature importance)."""
    values = [{"label": str(r[label]), "value": r[value]} for r in rows if _number(r.get(value)) is not None]
    if not values:
        return None
    return _spec(values, "bar", {"y": {"field": "label", "type": "nominal", "sort": "-x", "title": label},
                                 "x": {"field": "value", "type": "quantitative", "title": value}},
                 height={"step": 14})  # fmt: skip


def heatmap(rows: list[dict[str, Any]], row: str, columns: Sequence[str]) -> dict[str, Any] | None:
    """A confusion matrix: ``row`` holds the expected label, each other column a predicted one."""
    values = [{"expected": str(r[row]), "predicted": c, "n": r[c]} for r in rows for c in columns
              if _number(r.get(c)) is not None]  # fmt: skip
    if not values:
        return None
    return _spec(values, "rect", {"y": {"field": "expected", "type": "nominal"},
                                  "x": {"field": "predicted", "type": "nominal"},
                                  "color": {"field": "n", "type": "quantitative"}})  # fmt: skip
