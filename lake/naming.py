"""Names: dataset names are validated, column names are normalized.

Column names are normalized to snake_case so they can be used unquoted in SQL, dbt and BigQuery:

1. Unicode is decomposed and accents dropped (``Straße`` → ``strasse``, ``Café`` → ``cafe``);
2. camelCase and PascalCase are split (``userID`` → ``user_id``, ``HTTPServer`` → ``http_server``);
3. everything that is not a letter or digit becomes ``_``; runs of ``_`` collapse; leading and
   trailing ``_`` are stripped; the result is lower case and at most 63 characters;
4. a name that starts with a digit gets a ``c_`` prefix; an empty name becomes ``col``.

Normalizing twice changes nothing (idempotent). Within one table, a name that collides with an
earlier column or with a lineage column gets ``_2``, ``_3`` … (collision-safe); a source name already
mapped in an earlier batch keeps its column. Only top-level names are normalized: keys inside nested
objects are kept as they are, so a JSON document reads back unchanged. The original names are kept
in ``lake._columns``.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable, Mapping

from lakehouse.contracts import LINEAGE_COLUMNS as LINEAGE_COLUMNS  # on every lake row (a contract)
from lakehouse.errors import UsageError
from lakehouse.quoting import ident

MAX_NAME = 63
_DATASET_RE = re.compile(r"[a-z][a-z0-9_]{0,62}")
_CAMEL = (re.compile(r"([A-Z]+)([A-Z][a-z])"), re.compile(r"([a-z0-9])([A-Z])"))


def normalize_name(name: str) -> str:
    """One column name in normalized form (see the module docstring for the rules)."""
    text = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    text = text.replace("ß", "ss")
    for pattern in _CAMEL:
        text = pattern.sub(r"\1_\2", text)
    text = re.sub(r"[^0-9A-Za-z]+", "_", text).strip("_").lower()
    if not text:
        return "col"
    if text[0].isdigit():
        text = "c_" + text
    return text[:MAX_NAME].rstrip("_")


def normalize_columns(names: Iterable[str], existing: Mapping[str, str] | None = None) -> dict[str, str]:
    """Map source names to unique normalized column names, reusing ``existing`` (source → column)."""
    existing = existing or {}
    taken = set(LINEAGE_COLUMNS)
    result: dict[str, str] = {}
    pending: list[str] = []
    for source in names:
        if source in existing and existing[source] not in taken:
            result[source] = existing[source]
            taken.add(existing[source])
        else:
            pending.append(source)
    taken |= {column for column in existing.values()}
    for source in pending:
        base = normalize_name(source)
        column, n = base, 1
        while column in taken:
            n += 1
            suffix = f"_{n}"
            column = base[: MAX_NAME - len(suffix)] + suffix
        taken.add(column)
        result[source] = column
    return result


def validate_dataset(name: str) -> str:
    """Return ``name`` if it is a valid dataset name, else raise ``UsageError`` (exit 2)."""
    if isinstance(name, str) and _DATASET_RE.fullmatch(name):
        return name
    suggestion = normalize_name(name) if isinstance(name, str) else "events"
    raise UsageError(
        f"invalid dataset name {name!r}: use 1-63 lower-case letters, digits and '_', starting with a letter",
        hint=f"for example {suggestion!r}; names starting with '_' are reserved for the lake's own tables",
    )


def table_ref(dataset: str) -> str:
    """``lake.main."<dataset>"``: the lake table of a (validated) dataset."""
    return f"lake.main.{ident(dataset)}"


def unused_name(stem: str, taken: Iterable[str]) -> str:
    """``stem``, or ``stem`` with the first number that makes it unlike every name in ``taken`` (as
    DuckDB compares names: case-insensitively): a reader's own column beside a file's fields, which
    may be named anything."""
    lowered = {name.lower() for name in taken}
    return next(n for i in itertools.count() if (n := f"{stem}{i or ''}").lower() not in lowered)
