"""The words of a name as people type them, for the search index and the matching that mirrors it.

Names are written ``Weight_in_lbs``, ``MilesPerGallon``, ``sepal_length_cm``, ``PM2_5``; people search
for "weight", "miles per gallon", "pounds". The default tokenizer already splits at ``_`` and
punctuation; ``spelled_out`` adds what it cannot see: CamelCase and letter/digit boundaries
(``MilesPerGallon`` -> miles per gallon) and the words of common unit abbreviations (``lbs`` ->
pounds), from the table ``UNITS``. The result is indexed next to the name (never instead of it), so
the name itself still matches exactly.
"""

from __future__ import annotations

import re
from functools import lru_cache

#: an abbreviation as it appears between ``_`` or at a CamelCase boundary -> the words it stands for
UNITS: dict[str, str] = {
    "lbs": "pounds",
    "lb": "pounds",
    "kg": "kilograms",
    "km": "kilometers",
    "mi": "miles",
    "cm": "centimeters",
    "mm": "millimeters",
    "mpg": "miles per gallon",
    "hp": "horsepower",
    "temp": "temperature",
    "precip": "precipitation",
    "pct": "percent",
    "qty": "quantity",
    "amt": "amount",
    "avg": "average",
    "num": "number",
    "dob": "date of birth",
    "lat": "latitude",
    "lon": "longitude",
    "lng": "longitude",
    "pop": "population",
    "cnt": "count",
    "desc": "description",
}
_BOUNDARY = re.compile(
    r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])"
)
_RUN = re.compile(r"[^\W_]+")


@lru_cache(maxsize=262_144)
def spelled_out(name: str) -> str:
    """The extra words of ``name`` (split CamelCase, spelled-out units), or "" when it has none."""
    plain = [t.lower() for t in _RUN.findall(name)]
    split = [w.lower() for run in _RUN.findall(name) for w in _BOUNDARY.sub(" ", run).split()]
    extra = [w for w in split if w not in plain] if split != plain else []
    units = [UNITS[w] for w in dict.fromkeys(split) if w in UNITS]
    return " ".join([*extra, *units])


def with_words(names: list[str]) -> list[str]:
    """``names`` followed by the spelled-out words of those that have any."""
    return names + [w for w in (spelled_out(n) for n in names) if w]
