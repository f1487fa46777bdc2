"""CSV reader: explicit dialect, DuckDB's types, every rejected line kept.

1. Encoding: a BOM, else UTF-8 if the sample decodes, else CP-1252/Latin-1 (or ``encoding=``);
   files that are not UTF-8 are transcoded to a scratch UTF-8 file first.
2. Delimiter: chosen from a sample (``csv_dialect.detect``), never left to a sniffer that may fall
   back to one text column; DuckDB's ``sniff_csv`` is then asked, with that delimiter, for the
   header and column types. ``schema=`` overrides types. DuckDB reads "2.5" as the BIGINT 3
   without a reject, so every value of an integer column is checked first (one scan): a column
   holding a decimal is read as DOUBLE instead (a column the user declared integer rejects the file).
3. Read with ``strict_mode`` and ``store_rejects``: ragged rows and values that do not parse as
   the column's type are quarantined with line, reason and the raw line; the rest is staged.

``_source_line`` is the record's 1-based number among the rows that parsed (header excluded);
quarantine rows carry the physical line number.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb
from duckdb.sqltypes import DuckDBPyType

from lake.naming import unused_name
from lake.readers.base import (
    LINEAGE_TYPES,
    MAX_RECORD_BYTES,
    FileByFile,
    StageContext,
    Staged,
    lineage_sql,
    numbered,
    override_types,
    quarantine_sql,
    select_list,
    write_stage,
)
from lake.readers.csv_dialect import (
    NATIVE_ENCODINGS,
    Dialect,
    detect,
    mostly_typed,
    sample,
    transcode,
)
from lake.readers.csv_integers import (
    INTEGER,
    INTEGER_SQL,
    INTEGER_TYPES,
    INTEGERS_OR_BLANK,
    guard_integers,
    widen_rounded_integers,
)
from lake.readers.csv_values import (
    DATE_FORMATS,
    DATEISH,
    HAS_OFFSET,
    ISO_INSTANT,
    NULL_MARKERS,
    UNPARSED,
    Conversion,
    choose_format,
    convert_sql,
    date_type,
)
from lake.sources import Source
from lakehouse.errors import InputError
from lakehouse.quoting import ident, literal, options, string_list, struct_literal

log = logging.getLogger(__name__)

QUOTE = '"'
#: a text column becomes the first of these types that all but MAX_BAD_SHARE of its values parse as;
#: the SQL tests one value ({v}); BIGINT only for integer text (DuckDB casts "2.5" to BIGINT as 3);
#: DATE only for values without a time part (a cast would drop it)
CANDIDATE_TYPES = {
    "BIGINT": f"CASE WHEN {INTEGER_SQL} THEN TRY_CAST({{v}} AS BIGINT) END",
    "DOUBLE": "TRY_CAST({v} AS DOUBLE)",
    "DATE": "CASE WHEN length({v}) <= 10 THEN TRY_CAST({v} AS DATE) END",
    "TIMESTAMP": "TRY_CAST({v} AS TIMESTAMP)",
}
MAX_BAD_SHARE = 0.01
#: DuckDB's own line limit, tried first (see ``CsvReader._write``)
DEFAULT_LINE_BYTES = 2_000_000
#: types read as another so that bad values are rejected, not nulled; the values are read as
#: instants and stored in UTC (``_detect`` converts such a column: a TIMESTAMP read drops the offset)
TZ_SAFE = {"TIMESTAMP WITH TIME ZONE": "TIMESTAMP"}
MIN_VALUES = 20
REFINE_SAMPLE_ROWS = 50_000
BINARY_PROBE = 8192
#: types whose columns keep their text as it is (null markers stay literal strings)
TEXT_TYPES = {"VARCHAR", "TEXT", "STRING", "BLOB"}


@dataclass(frozen=True)
class Detected:
    """What detection found for one file; shared with later files of the batch with the same header."""

    has_header: bool
    types: dict[str, str]  # source column -> DuckDB type
    date_format: str | None
    timestamp_format: str | None
    warnings: list[str]
    formats: dict[str, str] = field(default_factory=dict)  # source column -> its date format
    marked: frozenset[str] = frozenset()  # typed source columns holding null markers


class CsvReader(FileByFile):
    """Stages CSV files (side by side, see ``FileByFile``); files of one batch with the same dialect
    and header share one detection (re-detected on their own if the shared types reject any of
    their values)."""

    format = "csv"

    def __init__(self) -> None:
        self._detected: dict[tuple[str, str, int, tuple[str, ...]], Detected] = {}

    def stage(self, source: Source, index: int, ctx: StageContext) -> Staged:
        con = ctx.con
        data = sample(source)
        if not data.strip():
            return Staged([], {}, {}, 0, 0, 0, [f"{source.path.name}: empty file, nothing to read"])
        if b"\x00" in data[:BINARY_PROBE] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise InputError(f"{source.path.name}: binary data (NUL bytes), not CSV text")
        dialect = detect(data, ctx.encoding)
        path, compression = source.path.as_posix(), source.compression or "uncompressed"
        if dialect.encoding not in NATIVE_ENCODINGS:
            clean = ctx.scratch_dir / f"{index:05d}.csv"
            transcode(source, dialect.encoding, clean)
            path, compression = clean.as_posix(), "uncompressed"
        warnings = []
        if dialect.encoding != "utf-8":
            warnings.append(f"{source.path.name}: read as {dialect.encoding}")
        duplicates = [name for name, n in Counter(dialect.header).items() if n > 1]
        if duplicates:
            warnings.append(f"{source.path.name}: duplicate header names {duplicates} were made unique")
        dialect_opts = {
            "delim": dialect.delimiter,
            "quote": QUOTE,
            "escape": QUOTE,
            "compression": compression,
            "encoding": "utf-16" if dialect.encoding == "utf-16" else "utf-8",
            "max_line_size": MAX_RECORD_BYTES,
        }
        key = (dialect.encoding, dialect.delimiter, dialect.fields, tuple(dialect.header))
        shared = self._detected.get(key)
        if shared is not None and not _integers_fit(shared, dialect):
            shared = None
        file = _File(ctx, source, index, path, dialect_opts)
        detected = shared or _detect(file, dialect)
        files, schema, names, rows, quarantined = _read(file, detected)
        if shared is not None and quarantined:
            # types shared from an earlier file with the same header reject some of this file's
            # values: detect this file's own types (it may widen) and read it again
            detected = _detect(file, dialect)
            files, schema, names, rows, quarantined = _read(file, detected)
        marked = _marker_rejects(con, detected)
        if marked:  # a typed column holds null markers past the sample: read it again, converted
            detected = replace(detected, marked=detected.marked | marked)
            files, schema, names, rows, quarantined = _read(file, detected)
        self._detected.setdefault(key, detected)
        _quarantine_rejects(file, compression != "uncompressed")
        if path != source.path.as_posix():
            ctx.scratch_dir.joinpath(f"{index:05d}.csv").unlink(missing_ok=True)
        if detected is not shared:  # a shared detection's warnings were reported with its first file
            warnings += detected.warnings
        staged = Staged(files, schema, names, rows + quarantined, rows, quarantined, warnings)
        staged.null_markers = _count_markers(file, detected, names, files)
        return staged


@dataclass(frozen=True)
class _File:
    """One CSV file being staged: where it is read from and with which dialect."""

    ctx: StageContext
    source: Source
    index: int
    path: str  # the file, or its UTF-8 transcoded copy
    dialect_opts: dict[str, str | int]

    @property
    def markers(self) -> tuple[str, ...]:
        return NULL_MARKERS if self.ctx.null_markers is None else tuple(self.ctx.null_markers)

    def text_reader(self, header: bool, columns: list[str]) -> str:
        """``read_csv`` of every field as text, skipping lines that do not parse (already rejected)."""
        return (
            f"read_csv({literal(self.path)}, {options(self.dialect_opts)}, header = {literal(header)}, "
            f"auto_detect = false, columns = {struct_literal(dict.fromkeys(columns, 'VARCHAR'))}, "
            "ignore_errors = true)"
        )


#: staged files, schema, source name → column, rows landed, rows rejected
ReadResult = tuple[list[Path], dict[str, DuckDBPyType], dict[str, str], int, int]


def _conversions(file: _File, detected: Detected, typed: dict[str, str]) -> dict[str, Conversion]:
    """The columns read as text and converted in SQL: those with a date format or null markers."""
    formats = detected.formats | dict(file.ctx.date_formats or {})
    columns = [c for c in typed if c in formats or c in detected.marked]
    return {
        c: Conversion(typed[c], formats.get(c), file.markers)
        for c in columns
        if typed[c].upper() not in TEXT_TYPES
    }


def _read(file: _File, detected: Detected) -> ReadResult:
    """Stage the file with ``detected`` types; rejected lines stay in ``_csv_rejects``.

    Integer columns are guarded in the read itself (``guard_integers``); if a value would
    round, the exact check finds the columns to widen and the file is read again. Converted
    columns (``_conversions``) fail the read on a value that does not parse; then the file is read
    once more, sorting the records whose values parse (staged) from the others (quarantined). A
    guarded read failing on a converted value goes to that sorting read at once (still guarded).
    """
    ctx = file.ctx
    _, names = select_list(ctx, list(detected.types))
    typed = override_types(ctx, names, detected.types)
    unparsed = False  # a converted value is known not to parse: no strict read again
    if any(t.upper() in INTEGER_TYPES for t in typed.values()):
        try:
            return _write(file, detected, names, typed, guarded=True)
        except duckdb.Error as exc:
            failed = exc
        unparsed = UNPARSED in str(failed)
        if unparsed:  # a converted value, not (so far) an integer
            log.debug("%s: a converted value does not parse (%s); sorting records", file.source.uri, failed)
            try:
                return _write(file, detected, names, typed, guarded=True, strict=False)
            except duckdb.Error as exc:
                failed = exc
        log.debug("%s: guarded integer read failed (%s); checking every value", file.source.uri, failed)
        header = detected.has_header
        converted = _conversions(file, detected, typed)
        plain = {c: t for c, t in typed.items() if c not in converted}
        typed |= widen_rounded_integers(ctx, file.source, file.path, file.dialect_opts, header, plain, names)
    if not _conversions(file, detected, typed):
        return _write(file, detected, names, typed, guarded=False)
    if not unparsed:
        try:
            return _write(file, detected, names, typed, guarded=False)
        except duckdb.Error as exc:
            log.debug("%s: a converted value does not parse (%s); sorting records", file.source.uri, exc)
    return _write(file, detected, names, typed, guarded=False, strict=False)


def _write(
    file: _File,
    detected: Detected,
    names: dict[str, str],
    typed: dict[str, str],
    *,
    guarded: bool,
    strict: bool = True,
) -> ReadResult:
    """One read of the file with the column types ``typed`` into staged Parquet (``guarded``:
    integer columns through ``guard_integers``; not ``strict``: records whose converted values do
    not parse are left out and quarantined, from the same read, see ``_write_sorted``).

    DuckDB's default line limit first: a larger one makes every read slower (~10 %, measured),
    and a longer line is not lost, it comes back as a reject, and then the file is read again
    with the limit of ``MAX_RECORD_BYTES``.
    """
    ctx, con = file.ctx, file.ctx.con
    converted = _conversions(file, detected, typed)
    plain = {c: t for c, t in typed.items() if c not in converted}
    read_types, back = guard_integers(plain) if guarded else (plain, {})
    read_types = {c: "VARCHAR" if c in converted else read_types[c] for c in typed}
    back |= {c: convert_sql(ident(c), conv, strict=strict) for c, conv in converted.items()}
    schema = {names[s]: duckdb.sqltype(t) for s, t in typed.items()} | LINEAGE_TYPES
    for line_bytes in (DEFAULT_LINE_BYTES, MAX_RECORD_BYTES):
        read_opts = options(
            {
                **file.dialect_opts,
                "max_line_size": line_bytes,
                "header": detected.has_header,
                "auto_detect": False,
                "strict_mode": True,
                "null_padding": False,
                "store_rejects": True,
                "rejects_table": "_csv_rejects",
                "rejects_scan": "_csv_reject_scans",
                "dateformat": detected.date_format,
                "timestampformat": detected.timestamp_format,
            }
        )
        con.execute("DROP TABLE IF EXISTS _csv_rejects; DROP TABLE IF EXISTS _csv_reject_scans")
        reader = f"read_csv({literal(file.path)}, columns = {struct_literal(read_types)}, {read_opts})"
        if strict:
            select_cols, _ = select_list(ctx, list(read_types), back)
            rows_of, number = numbered(reader, list(read_types))
            select = f"SELECT {select_cols}, {lineage_sql(ctx, file.source, number)} FROM {rows_of}"
            files, rows = write_stage(ctx, file.index, select, schema)
            unparsed = 0
        else:
            files, rows, unparsed = _write_sorted(file, detected, reader, read_types, back, converted, schema)
        long_lines = con.execute(
            "SELECT count(*) FROM _csv_rejects WHERE error_type = 'LINE SIZE OVER MAXIMUM'"
        ).fetchone()
        if not long_lines or long_lines[0] == 0:
            break
    bad = con.execute("SELECT count(DISTINCT line) FROM _csv_rejects").fetchone()
    rejected = int(bad[0]) if bad else 0
    if not strict:
        rejected += _quarantine_unparsed(file, unparsed)
    return files, schema, names, rows, rejected


#: the reason of a value that does not parse: "<column>: cannot read '<value>' as <type>"
QUOTED_START, QUOTED_END = ": cannot read '", "' as "


def _write_sorted(
    file: _File,
    detected: Detected,
    reader: str,
    read_types: dict[str, str],
    back: dict[str, str],
    converted: dict[str, Conversion],
    schema: dict[str, DuckDBPyType],
) -> tuple[list[Path], int, int]:
    """The not-strict read: ONE read of the CSV into a scratch Parquet of every record, its values
    converted (NULL where they do not parse) and a reason column (NULL when every converted value
    parsed; else the failing values, and the record's raw text beside it). The staged files are the
    scratch's rows without a reason; those with one go to the temp table ``_csv_unparsed`` (line,
    reason, raw) for ``_quarantine_unparsed``, after the read's last attempt.
    (files, rows staged, rows unparsed)

    Each conversion is evaluated once: a value did not parse when its converted value is NULL and
    its text is not NULL, empty or a marker.
    """
    ctx = file.ctx
    columns = list(read_types)
    taken = [*columns, *schema]
    values = {c: unused_name(f"__lake_value{i}_", taken) for i, c in enumerate(converted)}
    reason_col = unused_name("__lake_reason", taken)
    raw_col = unused_name("__lake_raw", taken)
    rows_of, number = numbered(reader, columns)
    line = unused_name("__lake_line", taken)
    parsed = ", ".join(f"{back[c]} AS {ident(values[c])}" for c in converted)
    inner = f"SELECT *, {number} AS {ident(line)}, {parsed} FROM {rows_of}"
    failures = ", ".join(
        f"CASE WHEN {ident(values[c])} IS NULL AND NOT {conv.is_null_sql(ident(c))} THEN "
        f"{literal(c + QUOTED_START)} || {ident(c)} || {literal(QUOTED_END + conv.describe())} END"
        for c, conv in converted.items()
    )
    reasons = f"SELECT *, nullif(concat_ws('; ', {failures}), '') AS {ident(reason_col)} FROM ({inner})"
    delimiter = literal(str(file.dialect_opts["delim"]))
    # a guarded integer column is read as DOUBLE: its text is the integer's (as an unguarded read gives it)
    fields = {c: back[c] if c in back and c not in converted else ident(c) for c in columns}
    raw = f" || {delimiter} || ".join(f"coalesce(CAST({v} AS VARCHAR), '')" for v in fields.values())
    select_cols, _ = select_list(ctx, columns, back | {c: ident(values[c]) for c in converted})
    select = (
        f"SELECT {select_cols}, {lineage_sql(ctx, file.source, ident(line))}, {ident(reason_col)}, "
        f"CASE WHEN {ident(reason_col)} IS NOT NULL THEN {raw} END AS {ident(raw_col)}, {ident(line)} "
        f"FROM ({reasons})"
    )
    scratch = ctx.scratch_dir / f"{file.index:05d}.sorted.parquet"
    ctx.con.execute(f"COPY ({select}) TO {literal(str(scratch))} (FORMAT parquet, COMPRESSION zstd)")
    sorted_rows = f"read_parquet({literal(str(scratch))})"
    staged = (
        f"SELECT * EXCLUDE ({ident(reason_col)}, {ident(raw_col)}, {ident(line)}) FROM {sorted_rows} "
        f"WHERE {ident(reason_col)} IS NULL"
    )
    files, rows = write_stage(ctx, file.index, staged, schema)
    header = int(detected.has_header)
    ctx.con.execute(
        "CREATE OR REPLACE TEMP TABLE _csv_unparsed AS "
        f"SELECT {ident(line)} + {header} AS source_line, "
        f"{ident(reason_col)} AS reason, {ident(raw_col)} AS raw FROM {sorted_rows} "
        f"WHERE {ident(reason_col)} IS NOT NULL"
    )
    scratch.unlink()
    row = ctx.con.execute("SELECT count(*) FROM _csv_unparsed").fetchone()
    return files, rows, int(row[0]) if row else 0


def _quarantine_unparsed(file: _File, unparsed: int) -> int:
    """Quarantine the records whose converted values do not parse (``_write_sorted``'s ``_csv_unparsed``:
    their line is the record's number plus the header line, DuckDB's own numbering of rejects)."""
    if unparsed:
        file.ctx.con.execute(quarantine_sql(file.ctx, file.source, "SELECT * FROM _csv_unparsed"))
    return unparsed


def _marker_rejects(con: duckdb.DuckDBPyConnection, detected: Detected) -> frozenset[str]:
    """Typed columns whose rejected values are null markers (past the detection sample)."""
    typed = [c for c, t in detected.types.items() if t.upper() not in TEXT_TYPES and c not in detected.marked]
    if not typed:
        return frozenset()
    tests = " OR ".join(
        f"contains(error_message, {literal(f'Could not convert string {chr(34)}{m}{chr(34)} to')})"
        for m in NULL_MARKERS
    )
    rows = con.execute(
        f"SELECT DISTINCT column_name FROM _csv_rejects WHERE error_type = 'CAST' AND ({tests})"
    ).fetchall()
    return frozenset(r[0] for r in rows if r[0] in typed)


def _count_markers(
    file: _File, detected: Detected, names: dict[str, str], files: list[Path]
) -> dict[str, dict[str, int]]:
    """{column: {marker: count}} for the converted columns that hold NULLs in the staged files.

    The Parquet statistics say which columns have NULLs at all (free); only those are counted, in
    one read of the file.
    """
    typed = override_types(file.ctx, names, detected.types)
    converted = _conversions(file, detected, typed)
    if not converted or not files:
        return {}
    by_column = {names[c]: c for c in converted}
    rows = file.ctx.con.execute(
        f"SELECT path_in_schema, sum(stats_null_count) FROM parquet_metadata({string_list([str(p) for p in files])}) "
        "GROUP BY 1"
    ).fetchall()
    nulls = [by_column[p] for p, n in rows if p in by_column and n]
    markers = file.markers
    if not nulls or not markers:  # no markers (``null_markers=[]``): only empty fields are NULL
        return {}
    counts = ", ".join(
        f"count(*) FILTER (WHERE trim({ident(c)}) = {literal(m)})" for c in nulls for m in markers
    )
    row = file.ctx.con.execute(
        f"SELECT {counts} FROM {file.text_reader(detected.has_header, list(detected.types))}"
    ).fetchone()
    found: dict[str, dict[str, int]] = {}
    for i, column in enumerate(nulls):
        hits = {m: int(n) for m, n in zip(markers, (row or ())[i * len(markers) :], strict=False) if n}
        if hits:
            found[names[column]] = hits
    return found


def _quarantine_rejects(file: _File, compressed: bool) -> None:
    """Move the rejected lines into the quarantine stage, with their physical line numbers.

    DuckDB numbers a rejected line by the records before it (a quoted field spanning lines counts
    once); the line in the file comes from the reject's byte position.
    """
    con = file.ctx.con
    found = con.execute(
        "SELECT DISTINCT line, line_byte_position FROM _csv_rejects WHERE line_byte_position IS NOT NULL"
    ).fetchall()
    lines = {} if compressed else _physical_lines(Path(file.path), found)
    mapping = " ".join(f"WHEN {int(a)} THEN {int(b)}" for a, b in lines.items() if a != b)
    line = f"CASE line {mapping} ELSE line END" if mapping else "line"
    con.execute(
        quarantine_sql(
            file.ctx,
            file.source,
            f"SELECT {line} AS source_line, string_agg(coalesce(column_name || ': ', '') || error_message, '; ') "
            "AS reason, any_value(csv_line) AS raw FROM _csv_rejects GROUP BY line ORDER BY line",
        )
    )


def _physical_lines(path: Path, rejects: list[tuple[int, int]]) -> dict[int, int]:
    """{DuckDB's line: line in the file} for rejects at byte positions (counts newlines up to each)."""
    if not rejects:
        return {}
    wanted = sorted((int(pos), int(line)) for line, pos in rejects)
    found: dict[int, int] = {}
    newlines = done = 0
    with path.open("rb") as fh:
        for pos, line in wanted:
            while done < pos:
                chunk = fh.read(min(pos - done, 1 << 22))
                if not chunk:
                    break
                newlines += chunk.count(b"\n")
                done += len(chunk)
            found[line] = newlines + 1
    return found


def _integers_fit(detected: Detected, dialect: Dialect) -> bool:
    """True if every value of this file's sample fits the shared integer columns.

    DuckDB rounds "2.5" read as BIGINT to 3 without a reject, so a file whose sample has a decimal
    where the shared types say integer detects its own types (as it would on its own).
    """
    columns = [i for i, t in enumerate(detected.types.values()) if t in INTEGER_TYPES]
    rows = dialect.rows[1:] if detected.has_header else dialect.rows
    for i in columns:
        values = [row[i] for row in rows if i < len(row)]
        joined = "\x00".join(values)
        if joined.count("\x00") == len(values) - 1:  # no value holds a NUL: one match checks them all
            fits = INTEGERS_OR_BLANK.fullmatch(joined) is not None
        else:
            fits = all(not v.strip() or INTEGER.fullmatch(v) is not None for v in values)
        if not fits:
            return False
    return True


def _detect(file: _File, dialect: Dialect) -> Detected:
    """Header, column types and date formats: DuckDB's sniffer, told our delimiter and the null
    markers, then refined (text columns that are nearly all numbers or dates)."""
    con, name, markers = file.ctx.con, file.source.path.name, file.markers
    warnings = []
    try:
        sniffed = con.execute(
            f"SELECT HasHeader, Columns, DateFormat, TimestampFormat FROM sniff_csv({literal(file.path)}, "
            f"{options(file.dialect_opts)}, skip = 0, ignore_errors = true, "
            f"nullstr = {string_list(['', *markers])})"
        ).fetchone()
    except duckdb.InvalidInputException:  # e.g. an unterminated quote: typed from the good records below
        sniffed = (True, [], None, None)
    assert sniffed is not None
    has_header, columns, date_format, ts_format = sniffed
    # DuckDB's CSV reader turns a bad TIMESTAMPTZ value into NULL without a reject; TIMESTAMP rejects it
    types = {str(c["name"]): TZ_SAFE.get(str(c["type"]), str(c["type"])) for c in columns}
    instants = {str(c["name"]) for c in columns if str(c["type"]) in TZ_SAFE}
    if len(types) != dialect.fields:
        # the sniffer could not explain the file with our delimiter: read every field as text
        header = [h or f"column{i}" for i, h in enumerate(dialect.header)]
        types = dict.fromkeys(dict.fromkeys(header), "VARCHAR")
        has_header = True
        warnings.append(f"{name}: types could not be detected; all columns read as text, then refined")
    types, date_format, ts_format = _unguess_dates(types, date_format, ts_format)
    present = set(markers)
    maybe_typed = {
        c for i, c in enumerate(types) if types[c] == "VARCHAR" and mostly_typed(dialect, i, ignore=present)
    }
    declared = {c for c, t in _declared(file, types).items() if t in ("DATE", "TIMESTAMP")}
    dateish = {
        c
        for i, c in enumerate(types)
        if (types[c] == "VARCHAR" and mostly_typed(dialect, i, ignore=present, pattern=DATEISH))
        or c in declared
    }
    dateish -= set(file.ctx.date_formats or {})
    types, formats = _refine_text_columns(file, bool(has_header), types, maybe_typed, dateish)
    # DuckDB's own ISO parse of a TIMESTAMP (no timestamp format) drops an offset without a reject
    # (…T03:04:05+02:00 reads 03:04:05): such a column is read as instants too, so that an offset
    # past the sniffer's sample is applied; text without one is taken as it is (UTC)
    iso_parsed = set() if ts_format else {c for c in types if c not in formats}
    for column in (instants | iso_parsed) & {c for c, t in types.items() if t == "TIMESTAMP"}:
        formats[column] = ts_format if ts_format and "%z" in ts_format else ISO_INSTANT
    for column, fmt in (file.ctx.date_formats or {}).items():
        if column in types:
            types[column] = date_type(fmt)
            formats[column] = fmt
    marked = frozenset(
        c
        for i, c in enumerate(types)
        if types[c].upper() not in TEXT_TYPES and _holds_marker(dialect, i, present, bool(has_header))
    )
    return Detected(
        bool(has_header), types, date_format or None, ts_format or None, warnings, formats, marked
    )


def _unguess_dates(
    types: dict[str, str], date_format: str | None, ts_format: str | None
) -> tuple[dict[str, str], str | None, str | None]:
    """Undo the sniffer's choice of day-first or month-first (``01/02/2000``): those columns go back
    to text, so that the data decides between the two readings, or the column is ambiguous."""
    guessed = {t for f, t in ((date_format, "DATE"), (ts_format, "TIMESTAMP")) if f and "/" in str(f)}
    if not guessed:
        return types, date_format, ts_format
    types = {c: "VARCHAR" if t in guessed else t for c, t in types.items()}
    return (
        types,
        None if "DATE" in guessed else date_format,
        None if "TIMESTAMP" in guessed else ts_format,
    )


def _declared(file: _File, types: dict[str, str]) -> dict[str, str]:
    """The user's type overrides (``schema=``) by source column."""
    _, names = select_list(file.ctx, list(types))
    overrides = override_types(file.ctx, names, types)
    return {c: t.upper() for c, t in overrides.items() if t != types[c]}


def _holds_marker(dialect: Dialect, column: int, markers: set[str], header: bool) -> bool:
    rows = dialect.rows[1:] if header else dialect.rows
    return any(column < len(row) and row[column].strip() in markers for row in rows)


def _refine_text_columns(
    file: _File, header: bool, types: dict[str, str], candidates: set[str], dateish: set[str]
) -> tuple[dict[str, str], dict[str, str]]:
    """Give a text column a real type when nearly all of its values have one: (types, date formats).

    DuckDB's sniffer makes a column VARCHAR if a single sampled value does not parse ("n/a" in an
    income column, "2026-13-45" among timestamps). Then every value would land as text and the bad
    one would go unnoticed. Here a VARCHAR column that looks typed in the Python sample
    (``candidates``) and whose non-empty sample values parse as a
    ``CANDIDATE_TYPES`` type with at most ``MAX_BAD_SHARE`` failures gets that type, so the few bad
    values are rejected into quarantine instead. Null markers count as missing values. Columns that
    look like dates the sniffer does not know (``dateish``) are tried against ``DATE_FORMATS``.
    """
    text = [c for c, t in types.items() if (t == "VARCHAR" and c in candidates) or c in dateish]
    if not text:
        return types, {}
    markers = ", ".join(literal(m) for m in ["", *file.markers])
    value = "CASE WHEN trim({c}) NOT IN ({m}) THEN trim({c}) END"
    probes = []
    for c in text:
        v = value.format(c=ident(c), m=markers)
        tests = [t.format(v=v) for t in CANDIDATE_TYPES.values()] if c in candidates else []
        tests += [f"CASE WHEN {HAS_OFFSET.format(v=v)} THEN 1 END"] if c in candidates else []
        tests += [f"try_strptime({v}, {literal(f)})" for f in DATE_FORMATS] if c in dateish else []
        probes.append(f"[count({v}), {', '.join(f'count({t})' for t in tests) or 'NULL'}]")
    reader = file.text_reader(header, list(types))
    row = file.ctx.con.execute(
        f"SELECT {', '.join(probes)} FROM (SELECT * FROM {reader} LIMIT {REFINE_SAMPLE_ROWS})"
    ).fetchone()
    if row is None:
        return types, {}
    refined, formats = dict(types), {}
    for column, counts in zip(text, row, strict=True):
        present, hits = counts[0], counts[1:]
        if column in candidates:
            typed_hits, offsets = hits[: len(CANDIDATE_TYPES)], hits[len(CANDIDATE_TYPES)]
            hits = hits[len(CANDIDATE_TYPES) + 1 :]
            for type_, parsed in zip(CANDIDATE_TYPES, typed_hits, strict=True):
                if (
                    present >= MIN_VALUES
                    and parsed < present
                    and (present - parsed) <= MAX_BAD_SHARE * present
                ):
                    refined[column] = type_
                    if type_ == "TIMESTAMP" and offsets:  # instants: a TIMESTAMP cast drops the offset
                        formats[column] = ISO_INSTANT
                    break
        if column in dateish and refined[column] == types[column]:
            found = choose_format(
                file.source.path.name,
                column,
                present,
                dict(zip(DATE_FORMATS, hits, strict=True)),
                min_values=MIN_VALUES,
                max_bad=MAX_BAD_SHARE,
            )
            if found is not None:
                refined[column], formats[column] = DATE_FORMATS[found], found
    return refined, formats
