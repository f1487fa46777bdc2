"""Temporal JSON text read with fixed types exactly as DuckDB's auto-detected read types it.

DuckDB's ``read_json`` detects a date or timestamp *format* along with the type, and parses every
value with it: ``"26-01-02"`` is 2026-01-02 (``%y-%m-%d``), ``"2026-01-02T03:04:05+02:00"`` is
01:04:05 UTC (``%z``). With the types fixed (``columns = {…}``, or a cast of the text) it parses
ISO only: the year 0026, the offset dropped — silently. So the JSON reader reads temporal leaves
as text and converts them here, with the format DuckDB's detection would choose:

- ``TEMPLATES`` are DuckDB's own candidates (duckdb 1.5, ``JSONScanData::InitializeFormats``),
  tried from the back; a leaf's format is the first tried that reads every value of the leaf in
  the file (``choose``). DuckDB's read itself moves on to the next format at the first value the
  current one does not read, so where the earlier values also fit an earlier-tried format (a
  ``%d-%m-%y`` column starting ``02-01-01``) its first values read one way and the rest another;
  here the whole column reads one way (the only difference, measured with duckdb 1.5.5);
- an offset (``%z``) is applied and the instant stored in UTC, as the auto read does;
- a leaf no single format reads (a type the user declared over mixed text) tries every template
  per value, in the same order; a value none reads is a bad value: the caller quarantines its
  record with ``reason_sql`` (file, column, value, expected formats), nothing is lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import duckdb
from duckdb.sqltypes import DuckDBPyType

from lake.types import children, kind
from lakehouse.quoting import ident, literal

#: DuckDB's JSON format candidates, in its order; detection tries them from the last one back
TEMPLATES: dict[str, tuple[str, ...]] = {
    "DATE": ("%m-%d-%Y", "%m-%d-%y", "%d-%m-%Y", "%d-%m-%y", "%Y-%m-%d", "%y-%m-%d"),
    "TIMESTAMP": (
        "%Y-%m-%d %H:%M:%S.%f",
        "%m-%d-%Y %I:%M:%S %p",
        "%m-%d-%y %I:%M:%S %p",
        "%d-%m-%Y %H:%M:%S",
        "%d-%m-%y %H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
        "%y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M:%SZ",
        "%Y-%m-%dT%H:%M:%S.%fZ",
        "%Y-%m-%dT%H:%M:%S%z",
        "%Y-%m-%dT%H:%M:%S.%f%z",
    ),
}


def utc_timestamp(instant: str) -> str:
    """SQL: the TIMESTAMPTZ ``instant`` as the TIMESTAMP of its UTC wall clock, whatever the session's
    zone. The same values as ``timezone('UTC', instant)``; that goes through ICU's calendar and cost
    about four times as much (3M values: 0.63 s vs 0.15 s), which doubled a CSV ingest's CPU. An
    infinite instant (no epoch) stays infinite."""
    return f"coalesce(make_timestamp(epoch_us({instant})), CAST({instant} AS TIMESTAMP))"


#: formats whose values DuckDB's ISO cast reads to the same value ({v}: the text), cheaper than
#: strptime; used where a value of another shape cannot get this far (the one-parse path: shapes are
#: proven, and a cast that fails fails the read loudly)
ISO_CASTS = {
    "%Y-%m-%d": "CAST({v} AS DATE)",
    **dict.fromkeys(
        (
            "%Y-%m-%d %H:%M:%S.%f",
            "%Y-%m-%d %H:%M:%S",
            "%Y-%m-%dT%H:%M:%S",
            "%Y-%m-%dT%H:%M:%SZ",
            "%Y-%m-%dT%H:%M:%S.%fZ",
        ),
        "CAST({v} AS TIMESTAMP)",
    ),
    **dict.fromkeys(
        ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S.%f%z"), utc_timestamp("CAST({v} AS TIMESTAMPTZ)")
    ),
}
#: type kinds read with a format, and the template list that serves them
FORMATTED = {"date": "DATE", "timestamp": "TIMESTAMP", "timestamp with time zone": "TIMESTAMP"}
TEXT = duckdb.sqltype("VARCHAR")

#: in the error of a strict conversion whose value does not parse
UNPARSED = "a value that does not parse with"

Path = tuple[str | int, ...]  # a leaf: column, then field names, 0 for a list's elements


@dataclass(frozen=True)
class Leaf:
    path: Path
    type: DuckDBPyType

    @property
    def family(self) -> str:
        return FORMATTED[kind(self.type)]

    @property
    def name(self) -> str:
        return path_name(self.path)


def path_name(path: Path) -> str:
    """``s.at``, ``l[]``: a leaf as a message names it."""
    return "".join("[]" if isinstance(p, int) else f".{p}" for p in path)[1:]


def leaves(types: Mapping[str, DuckDBPyType]) -> list[Leaf]:
    """The date and timestamp leaves of ``types`` (at any depth), in column order."""
    found: list[Leaf] = []

    def walk(t: DuckDBPyType, path: Path) -> None:
        k = kind(t)
        if k in FORMATTED:
            found.append(Leaf(path, t))
        elif k == "struct":
            for name, child in children(t):
                walk(child, (*path, name))
        elif k == "list":
            walk(t.child, (*path, 0))

    for name, t in types.items():
        walk(t, (name,))
    return found


def as_text(t: DuckDBPyType) -> DuckDBPyType:
    """``t`` with its date and timestamp leaves as VARCHAR (what the reader reads them as)."""
    k = kind(t)
    if k in FORMATTED:
        return TEXT
    if k == "struct":
        return duckdb.struct_type({name: as_text(child) for name, child in children(t)})
    if k == "list":
        return duckdb.list_type(as_text(t.child))
    return t


def _values(expr: str, rest: Path, depth: int = 0) -> str:
    """SQL: the list of the leaf's texts in one record (``expr`` is the column)."""
    if not rest:
        return f"[{expr}]"
    step = rest[0]
    if isinstance(step, int):
        x = f"_t{depth}"
        return f"flatten(list_transform({expr}, lambda {x}: {_values(x, rest[1:], depth + 1)}))"
    return _values(f"struct_extract({expr}, {literal(step)})", rest[1:], depth)


def _parse(v: str, formats: tuple[str, ...]) -> str:
    """SQL: the text ``v`` parsed with the first of ``formats`` that reads it, as a UTC TIMESTAMP; or NULL."""
    parsed = [
        utc_timestamp(f"try_strptime({v}, {literal(f)})") if "%z" in f else f"try_strptime({v}, {literal(f)})"
        for f in formats
    ]
    return parsed[0] if len(parsed) == 1 else f"coalesce({', '.join(parsed)})"


@dataclass(frozen=True)
class Formats:
    """The formats chosen for each leaf, and how many of its values none of them reads."""

    by_leaf: dict[Path, tuple[str, ...]]
    bad: dict[Path, int]


def choose(con: duckdb.DuckDBPyConnection, relation: str, found: list[Leaf]) -> Formats:
    """Choose each leaf's formats from its texts in ``relation``, the way DuckDB detects.

    A leaf's format is the last template that reads all its values (DuckDB tries them from the
    back). It can be no later than the last template that reads one value of each shape (digits as
    9; a parse that fails costs much more than one that reads), so the templates are counted over
    every value from there back, usually once. A leaf that no one template reads gets all of them,
    tried per value in the same order; its values that none reads are counted as bad.
    """
    by_leaf: dict[Path, tuple[str, ...]] = {}
    bad: dict[Path, int] = {}
    for leaf in found:
        templates = TEMPLATES[leaf.family]
        column = ident(str(leaf.path[0]))
        value = column if len(leaf.path) == 1 else f"unnest({_values(column, leaf.path[1:])})"
        texts = f"(SELECT {value} AS v FROM {relation}) WHERE v IS NOT NULL"
        last = " ".join(
            f"WHEN {_parse('v', (f,))} IS NOT NULL THEN {j}" for j, f in reversed(list(enumerate(templates)))
        )
        shapes = f"SELECT any_value(v) AS v FROM {texts} GROUP BY regexp_replace(v, '[0-9]', '9', 'g')"
        row = con.execute(f"SELECT min(CASE {last} ELSE -1 END) FROM ({shapes})").fetchone()
        least = row[0] if row else None
        if least is None:  # no values: any format
            by_leaf[leaf.path] = (templates[-1],)
            continue
        fit = next((j for j in range(least, -1, -1) if _misses(con, texts, templates[j]) == 0), None)
        if fit is not None:
            by_leaf[leaf.path] = (templates[fit],)
            continue
        by_leaf[leaf.path] = templates[::-1]
        unread = con.execute(
            f"SELECT count(*) FILTER (WHERE CASE {last} END IS NULL) FROM {texts}"
        ).fetchone()
        bad[leaf.path] = int(unread[0]) if unread else 0
    return Formats(by_leaf, bad)


def _misses(con: duckdb.DuckDBPyConnection, texts: str, fmt: str) -> int:
    row = con.execute(f"SELECT count(*) FILTER (WHERE {_parse('v', (fmt,))} IS NULL) FROM {texts}").fetchone()
    return int(row[0]) if row else 0


def convert_sql(
    expr: str,
    t: DuckDBPyType,
    formats: Formats,
    path: Path,
    *,
    strict: bool,
    casts: bool = False,
    depth: int = 0,
) -> str:
    """SQL: the value of type ``t`` from ``expr``, whose date and timestamp leaves are text.

    A leaf value that does not parse is NULL (its record is quarantined by the caller), or with
    ``strict`` an error (``UNPARSED`` in its message) that fails the query. ``casts``: an ISO
    format is read by a cast (``ISO_CASTS``), only where every value is known to have its shape.
    """
    k = kind(t)
    if k in FORMATTED:
        fmts = formats.by_leaf[path]
        iso = ISO_CASTS.get(fmts[0]) if casts and strict and len(fmts) == 1 else None
        parsed = _parse(expr, fmts) if iso is None else iso.format(v=expr)
        if k == "timestamp with time zone":  # the parsed instant is in UTC, whatever the session's zone
            parsed = utc_timestamp(parsed)
        if strict and iso is None:
            message = literal(f"{path_name(path)}: {UNPARSED} {' or '.join(formats.by_leaf[path])}")
            parsed = f"CASE WHEN {expr} IS NULL THEN NULL ELSE coalesce({parsed}, error({message})) END"
        return f"CAST({parsed} AS {t})"
    if k == "struct" and any(p[: len(path)] == path for p in formats.by_leaf):
        fields = ", ".join(
            f"{ident(name)} := "
            + convert_sql(
                f"struct_extract({expr}, {literal(name)})",
                child,
                formats,
                (*path, name),
                strict=strict,
                casts=casts,
                depth=depth,
            )
            for name, child in children(t)
        )
        return f"CASE WHEN {expr} IS NULL THEN NULL ELSE struct_pack({fields}) END"
    if k == "list" and any(p[: len(path) + 1] == (*path, 0) for p in formats.by_leaf):
        x = f"_c{depth}"
        inner = convert_sql(x, t.child, formats, (*path, 0), strict=strict, casts=casts, depth=depth + 1)
        return f"list_transform({expr}, lambda {x}: {inner})"
    return f"CAST({expr} AS {t})"


def reason_sql(found: list[Leaf], formats: Formats, file: str, relation: str) -> str:
    """SQL: why a record has a bad leaf value (NULL when it has none) — the first such leaf.

    ``relation``: the alias the leaves' columns are read from (the reader may be joined to other tables)."""
    cases = []
    for leaf in found:
        if not formats.bad.get(leaf.path):
            continue
        fmts = formats.by_leaf[leaf.path]
        values = _values(f"{relation}.{ident(str(leaf.path[0]))}", leaf.path[1:])
        failing = f"list_filter({values}, lambda v: v IS NOT NULL AND {_parse('v', fmts)} IS NULL)"
        prefix = literal(f"{file}: cannot parse ")
        suffix = literal(
            f" as {leaf.type} for column {leaf.name} (expected {' or '.join(dict.fromkeys(fmts))})"
        )
        cases.append(f"WHEN len({failing}) > 0 THEN {prefix} || to_json({failing}[1]) || {suffix}")
    return f"CASE {' '.join(cases)} END" if cases else "NULL"
