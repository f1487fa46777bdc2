"""How the BigQuery documentation writes a result cell, and when a DuckDB value is that cell.

The documentation prints results as text tables: ``NULL``, ``true``, ``2008-12-25``,
``2008-12-25 15:30:00+00``, ``[1, 2, 3]``, ``{a, b}``. ``display`` writes a Python value (as the
front end returns it) the same way; ``same`` compares a displayed value with a documented cell,
numbers by value (``1.0`` is ``1``) and timestamps by instant (``…+00`` is ``… UTC``).
"""

from __future__ import annotations

import datetime
import decimal
import math
import re
import zoneinfo
from typing import Any


def display(value: Any) -> str:
    """``value`` as the BigQuery documentation prints it."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.UTC)
            return value.strftime("%Y-%m-%d %H:%M:%S") + _fraction(value) + "+00"
        return value.strftime("%Y-%m-%dT%H:%M:%S") + _fraction(value)
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(display(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(display(v) for v in value.values()) + "}"
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, decimal.Decimal):
        return format(value.normalize(), "f")
    return str(value)


def _fraction(value: datetime.datetime | datetime.time) -> str:
    return f".{value.microsecond:06d}".rstrip("0") if value.microsecond else ""


def same(got: str, documented: str) -> bool:
    """True when the displayed value ``got`` is the documented cell."""
    got, documented = got.strip(), documented.strip()
    if got == documented or _unquoted(got) == _unquoted(documented):
        return True
    if got in ("true", "false"):
        return documented.lower() == got
    if _DATETIME.match(got) and _DATETIME.match(documented):  # 2008-12-25T15:30:00 or 2008-12-25 15:30:00
        return got.replace("T", " ") == documented.replace("T", " ")
    if got.startswith("[") and documented.startswith("["):
        return _same_items(got[1:-1], documented[1:-1])
    if got.startswith("{") and documented.startswith("{"):
        return _same_items(got[1:-1], documented[1:-1])
    number = _number(got), _number(documented)
    if number[0] is not None and number[1] is not None:
        return math.isclose(number[0], number[1], rel_tol=1e-9, abs_tol=1e-9)
    instant = _instant(got), _instant(documented)
    return instant[0] is not None and instant[0] == instant[1]


def _unquoted(text: str) -> str:
    return text[1:-1] if len(text) > 1 and text[0] == text[-1] and text[0] in "\"'" else text


def _same_items(got: str, documented: str) -> bool:
    a, b = _split(got), _split(documented)
    return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))


def _split(text: str) -> list[str]:
    """Items of a printed array or struct, splitting on commas outside brackets and braces."""
    items, depth, current = [], 0, ""
    for char in text:
        depth += char in "[{(" and 1 or char in "]})" and -1 or 0
        if char == "," and depth == 0:
            items.append(current)
            current = ""
        else:
            current += char
    return [*items, current] if current.strip() or items else []


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


_DATETIME = re.compile(r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?$")
_ZONE = re.compile(r"\s*(UTC|\+00(:00)?|Z)$")
_NAMED_ZONE = re.compile(
    r"^(.*\d)\s+([A-Z][A-Za-z_]+/[A-Za-z_]+)$"
)  # 2008-12-25 07:30:00.000 America/Los_Angeles


def _instant(text: str) -> datetime.datetime | None:
    named = _NAMED_ZONE.match(text)
    if named:
        try:
            local = datetime.datetime.fromisoformat(named.group(1).replace(" ", "T", 1))
        except ValueError:
            return None
        return local.replace(tzinfo=zoneinfo.ZoneInfo(named.group(2)))
    if not _ZONE.search(text) and not re.search(r"[+-]\d\d(:\d\d)?$", text):
        return None
    cleaned = _ZONE.sub("+00:00", text).replace(" ", "T", 1)
    if re.search(r"[+-]\d\d$", cleaned):
        cleaned += ":00"
    try:
        return datetime.datetime.fromisoformat(cleaned)
    except ValueError:
        return None
