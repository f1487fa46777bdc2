"""How the text of a CSV field becomes a value: null markers and the date formats people write.

- **Null markers** (``NULL_MARKERS``: ``NA``, ``N/A``, ``NaN``, ``null``, ``NULL``, ``None``, ``-``; an
  empty field is NULL anyway) become NULL in a column that otherwise parses as a number, date or
  boolean. A text column keeps them as literal strings. Each marker that became NULL is counted per
  column and reported; a value that is neither a marker nor parses is quarantined with its line.
- **Dates and times** that DuckDB's sniffer does not recognize (``Jan 1 2000``, ``1 January 2000``,
  ``31/12/2000``) are tried against ``DATE_FORMATS``; ``dd/mm`` against ``mm/dd`` is decided from the
  data, and a column both readings fit is an error naming both (``AmbiguousDates``). A format can be
  given per column (``date_formats``), including Unix epochs (``EPOCHS``).

Columns read this way ("converted") are read as text and converted in the SELECT (``convert_sql``),
because DuckDB's CSV reader has one null string list and one date format for the whole file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from lake.readers.temporal import utc_timestamp
from lakehouse.errors import InputError
from lakehouse.quoting import literal

NULL_MARKERS: tuple[str, ...] = ("NA", "N/A", "NaN", "null", "NULL", "None", "-")

#: strptime format -> the type it gives; tried in this order on text columns that look like dates
DATE_FORMATS: dict[str, str] = {
    "%b %d %Y": "DATE",  # Jan 1 2000
    "%b %d, %Y": "DATE",  # Jan 1, 2000
    "%B %d %Y": "DATE",  # January 1 2000
    "%B %d, %Y": "DATE",  # January 1, 2000
    "%d %b %Y": "DATE",  # 1 Jan 2000
    "%d %B %Y": "DATE",  # 1 January 2000
    "%d-%b-%Y": "DATE",  # 01-Jan-2000
    "%d/%m/%Y": "DATE",
    "%m/%d/%Y": "DATE",
    "%d.%m.%Y": "DATE",
    "%Y/%m/%d": "DATE",
    "%d/%m/%Y %H:%M": "TIMESTAMP",
    "%m/%d/%Y %H:%M": "TIMESTAMP",
    "%d/%m/%Y %H:%M:%S": "TIMESTAMP",
    "%m/%d/%Y %H:%M:%S": "TIMESTAMP",
    "%b %d %Y %H:%M:%S": "TIMESTAMP",
    "%Y-%m-%d %H:%M:%S %z": "TIMESTAMP",  # with an offset: stored in UTC
    "%Y-%m-%d %H:%M:%S %Z": "TIMESTAMP",  # with a zone name (UTC, GMT): stored in UTC
}
#: formats that read the same text two ways (day first, month first)
TWINS: dict[str, str] = {
    day: day.replace("%d/%m", "%m/%d") for day in DATE_FORMATS if day.startswith("%d/%m")
} | {month: month.replace("%m/%d", "%d/%m") for month in DATE_FORMATS if month.startswith("%m/%d")}
#: declared formats that are numbers, not text: SQL turning the number {v} into a TIMESTAMP
EPOCHS: dict[str, str] = {
    "epoch": "make_timestamp(CAST(round(CAST({v} AS DOUBLE) * 1e6) AS BIGINT))",
    "epoch_s": "make_timestamp(CAST(round(CAST({v} AS DOUBLE) * 1e6) AS BIGINT))",
    "epoch_ms": "make_timestamp(CAST(round(CAST({v} AS DOUBLE) * 1e3) AS BIGINT))",
    "epoch_us": "make_timestamp(CAST({v} AS BIGINT))",
}
#: the text of a column the sniffer types TIMESTAMP WITH TIME ZONE (ISO 8601 with an offset or Z):
#: read as an instant and stored in UTC, as DuckDB's own auto read gives it (a TIMESTAMP read of
#: the same text drops the offset)
ISO_INSTANT = "iso8601"
#: SQL: the text {v} is a time with an offset (…05Z, …05+02, …05.5 +0200, …05-02:00)
HAS_OFFSET = r"regexp_matches({v}, '\d\d:\d\d(:\d\d(\.\d*)?)? ?(Z|[+-]\d\d(:?\d\d)?)$')"
#: a value that may be a date in one of DATE_FORMATS (a cheap first look at the sample)
DATEISH = re.compile(
    r"\s*(\d{1,2}[/.]\d{1,2}[/.]\d{4}|[A-Za-z]{3,9}\.? \d{1,2},? \d{4}|\d{1,2}[ -][A-Za-z]{3,9}[ -]\d{4}"
    r"|\d{4}/\d\d/\d\d|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \S+)(\s.*)?"
)
INTEGERS = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"}
#: the strict read's error on a converted value that does not parse: "<column>: UNPARSED <type>"
UNPARSED = "a value that does not parse as"
#: DOUBLE holds every whole number below this exactly
EXACT_IN_DOUBLE = 2**53


class AmbiguousDates(InputError):
    """A column whose dates read both day-first and month-first."""


@dataclass(frozen=True)
class Conversion:
    """How one text column becomes its type: a format (or None for a plain cast) and null markers."""

    type: str
    format: str | None
    markers: tuple[str, ...]

    def parse_sql(self, v: str) -> str:
        """SQL: the value of the text ``v`` (not a marker), or NULL if it does not parse."""
        if self.format in EPOCHS:
            number = f"TRY_CAST({v} AS DOUBLE)"
            return f"CASE WHEN {number} IS NOT NULL THEN {EPOCHS[self.format].format(v=number)} END"
        if self.format == ISO_INSTANT:
            # an offset applied; text without one is UTC already; a zone name (UTC, CET) is applied
            instant = utc_timestamp(f"TRY_CAST({v} AS TIMESTAMPTZ)")
            offset = f"CASE WHEN {HAS_OFFSET.format(v=v)} THEN {instant} END"
            return f"CAST(coalesce({offset}, TRY_CAST({v} AS TIMESTAMP), {instant}) AS {self.type})"
        if self.format is not None:
            parsed = f"try_strptime({v}, {literal(self.format)})"
            if "%z" in self.format or "%Z" in self.format:
                parsed = utc_timestamp(parsed)
            return f"CAST({parsed} AS {self.type})"
        if self.type.upper() in INTEGERS:  # never round "2.5"; "7.0" and "1e3" are whole numbers
            d = f"TRY_CAST({v} AS DOUBLE)"
            return (
                rf"coalesce(CASE WHEN regexp_full_match({v}, '[-+]?\d+') THEN TRY_CAST({v} AS {self.type}) END, "
                f"CASE WHEN {d} = trunc({d}) AND abs({d}) < {EXACT_IN_DOUBLE} THEN TRY_CAST({d} AS {self.type}) END)"
            )
        return f"TRY_CAST({v} AS {self.type})"

    def is_null_sql(self, v: str) -> str:
        """SQL: the text ``v`` stands for NULL (missing, empty or a marker); TRUE or FALSE, never NULL.

        One comparison per marker, not ``IN (…)``: DuckDB's optimizer turns an IN list of several
        constants into a join that runs over every row of the read, also where the CASE around this
        test never gets to it (the "…Z" shortcut): that join was ~20 % of the CPU of a CSV read of
        timestamps (measured, duckdb 1.5.5). ``IN ()`` of no markers was NULL, and ``NOT`` of it
        hid a value that does not parse."""
        tests = " OR ".join(f"trim({v}) = {literal(m)}" for m in dict.fromkeys(("", *self.markers)))
        return f"({v} IS NULL OR {tests})"

    def describe(self) -> str:
        return self.type + (f" (format {self.format})" if self.format else "")


def convert_sql(column: str, conv: Conversion, *, strict: bool) -> str:
    """SQL for one converted column (``column`` is its quoted text): NULL for a marker, else the
    parsed value; ``strict`` fails the query on a value that does not parse (the fast path)."""
    v = f"trim({column})"
    parsed = conv.parse_sql(v)
    if strict:
        message = literal(f"{column}: {UNPARSED} {conv.describe()}")
        parsed = f"coalesce({parsed}, error({message}))"
    converted = f"CASE WHEN {conv.is_null_sql(column)} THEN NULL ELSE {parsed} END"
    if conv.format != ISO_INSTANT:
        return converted
    # the common cases first, without the null and offset tests (~4x cheaper per value), each only
    # when no marker has its shape: text that casts as a TIMESTAMP is that TIMESTAMP when it is in
    # UTC ("…Z"), or when it is exactly date, T or space, and time to the second (no room for an
    # offset; a "Z" squeezed into the seconds is UTC too)
    shortcuts = [
        f"suffix({column}, 'Z')" if not any(m.strip().endswith("Z") for m in conv.markers) else None,
        *(
            f"{column} LIKE {literal(shape)}"
            for shape in ZONELESS_SHAPES
            if not any(_like(m.strip(), shape) for m in conv.markers)
        ),
    ]
    tests = [t for t in shortcuts if t is not None]
    if not tests:
        return converted
    utc = f"CAST(TRY_CAST({column} AS TIMESTAMP) AS {conv.type})"
    return f"coalesce(CASE WHEN {' OR '.join(tests)} THEN {utc} END, {converted})"


#: LIKE patterns of ISO text to the second with no room for an offset: read by a plain TIMESTAMP cast
ZONELESS_SHAPES = ("____-__-__T__:__:__", "____-__-__ __:__:__")


def _like(text: str, shape: str) -> bool:
    """``text LIKE shape`` for a shape of literal characters and ``_`` (any one character)."""
    return len(text) == len(shape) and all(s in ("_", t) for t, s in zip(text, shape, strict=True))


def date_type(fmt: str) -> str:
    """The type a declared format gives: TIMESTAMP for epochs and formats with a time part."""
    if fmt in EPOCHS or fmt == ISO_INSTANT:
        return "TIMESTAMP"
    return "TIMESTAMP" if any(part in fmt for part in ("%H", "%I", "%M", "%S", "%z", "%Z", "%f")) else "DATE"


def choose_format(
    file: str, column: str, present: int, parsed: Mapping[str, int], *, min_values: int, max_bad: float
) -> str | None:
    """The format that reads the column's ``present`` sampled values (``parsed``: hits per format).

    All values must parse (or, with at least ``min_values`` values, all but ``max_bad`` of them).
    If a day-first and a month-first format read the values equally well, the dates are ambiguous.
    """
    fits = [
        f
        for f, hits in parsed.items()
        if present and (hits == present or (present >= min_values and present - hits <= max_bad * present))
    ]
    if not fits:
        return None
    best = max(fits, key=lambda f: parsed[f])  # the first of the best (dict order)
    twin = TWINS.get(best)
    if twin in fits and parsed[twin] == parsed[best]:
        first, second = sorted((best, twin))
        raise AmbiguousDates(
            f"{file}: column {column!r} has dates that read both as {first} and as {second} "
            f"(e.g. day-first or month-first); declare one with --date-format {column}={first}"
        )
    return best
