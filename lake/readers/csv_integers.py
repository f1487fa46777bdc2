"""Integer columns of a CSV file never round: DuckDB reads "2.5" in a BIGINT column as 3, with no reject.

Two ways to make sure, the cheap one first:

- ``guard_integers``: the read itself reads integer columns as DOUBLE and casts each value back,
  failing the read if a value is not a whole number DOUBLE holds exactly (|v| < 2**53). No extra
  scan; almost every file passes.
- ``widen_rounded_integers``: when the guarded read fails, one scan of the file's text finds the
  integer columns holding a value that would round; they widen to DOUBLE (or, declared integer by
  the user, reject the file), and the file is read again with those types.
"""

from __future__ import annotations

import re

from lake.readers.base import StageContext
from lake.sources import Source
from lakehouse.errors import InputError
from lakehouse.quoting import ident, literal, options, struct_literal

INTEGER_TYPES = {
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
}
INTEGER = re.compile(r"\s*[-+]?\d+\s*")
#: NUL-separated values, each integer text (``INTEGER``) or blank: one match for a whole sampled column
#: (possessive: whitespace, digits, signs and NUL are disjoint, so a failed match need not backtrack)
INTEGERS_OR_BLANK = re.compile(r"\s*+(?:[-+]?\d++\s*+)?+(?:\x00\s*+(?:[-+]?\d++\s*+)?+)*+")
#: SQL: the text {v} is an integer literal (a cast of anything else to BIGINT may round)
INTEGER_SQL = r"regexp_full_match({v}, '[-+]?\d+')"
#: DOUBLE holds every whole number below this exactly
EXACT_IN_DOUBLE = 2**53


def guard_integers(typed: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """Read types with the integer columns as DOUBLE, and for each of them the SQL that casts the
    value back to its type, or fails the query (``error``) if that would round or lose digits."""
    integers = [c for c, t in typed.items() if t.upper() in INTEGER_TYPES]
    back = {
        c: f"CASE WHEN {v} IS NULL OR ({v} = trunc({v}) AND abs({v}) < {EXACT_IN_DOUBLE}) "
        f"THEN CAST({v} AS {typed[c]}) ELSE error({literal(f'{c}: not a whole number')}) END"
        for c in integers
        for v in [ident(c)]
    }
    return typed | dict.fromkeys(integers, "DOUBLE"), back


def widen_rounded_integers(
    ctx: StageContext,
    source: Source,
    path: str,
    dialect_opts: dict[str, str | int],
    header: bool,
    typed: dict[str, str],
    names: dict[str, str],
) -> dict[str, str]:
    """Integer columns that hold a value DuckDB would round, as DOUBLE: {source column: "DOUBLE"}.

    DuckDB's CSV reader reads "2.5" in a BIGINT column as 3, with no reject, and the types come
    from a sample (DuckDB's sniffer, or another file of the batch with the same header). So every
    value of the integer columns is checked, in one scan of the file: a column with a value that is
    not integer text but parses as one widens to DOUBLE (``int → double``, as for JSON). A column the
    user declared integer (``schema=``) is not widened: the file is rejected with the value instead.
    """
    integers = [c for c, t in typed.items() if t.upper() in INTEGER_TYPES]
    if not integers:
        return {}
    reader = (
        f"read_csv({literal(path)}, {options(dialect_opts)}, header = {literal(header)}, auto_detect = false, "
        f"columns = {struct_literal(dict.fromkeys(typed, 'VARCHAR'))}, ignore_errors = true)"
    )
    rounded = [
        f"any_value({ident(c)}) FILTER (WHERE NOT {INTEGER_SQL.format(v=v)} AND TRY_CAST({v} AS BIGINT) IS NOT NULL)"
        for c in integers
        for v in [f"trim({ident(c)})"]
    ]
    row = ctx.con.execute(f"SELECT {', '.join(rounded)} FROM {reader}").fetchone()
    found = {c: value for c, value in zip(integers, row or (), strict=True) if value is not None}
    declared = {c: v for c, v in found.items() if c in (ctx.schema or {}) or names[c] in (ctx.schema or {})}
    for column, value in declared.items():
        raise InputError(
            f"{source.path.name}: column {column!r} is declared {typed[column]} but holds {value!r}, "
            "which would be rounded; declare it DOUBLE (or DECIMAL) in the schema"
        )
    return dict.fromkeys(found, "DOUBLE")
