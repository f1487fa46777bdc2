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
from dataclasses import dataclass
from pathlib import Path

import duckdb
from duckdb.sqltypes import DuckDBPyType

from lake.readers.base import (
    LINEAGE_TYPES,
    MAX_RECORD_BYTES,
    FileByFile,
    StageContext,
    Staged,
    lineage_sql,
    override_types,
    quarantine_sql,
    select_list,
    write_stage,
)
from lake.readers.csv_dialect import NATIVE_ENCODINGS, Dialect, detect, mostly_typed, sample, transcode
from lake.readers.csv_integers import (
    INTEGER,
    INTEGER_SQL,
    INTEGER_TYPES,
    guard_integers,
    widen_rounded_integers,
)
from lake.sources import Source
from lakehouse.errors import InputError
from lakehouse.quoting import ident, literal, options, struct_literal

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
#: types read as another so that bad values are rejected, not nulled (offsets are applied: UTC)
TZ_SAFE = {"TIMESTAMP WITH TIME ZONE": "TIMESTAMP"}
MIN_VALUES = 20
REFINE_SAMPLE_ROWS = 50_000
BINARY_PROBE = 8192


@dataclass(frozen=True)
class Detected:
    """What detection found for one file; shared with later files of the batch with the same header."""

    has_header: bool
    types: dict[str, str]  # source column -> DuckDB type
    date_format: str | None
    timestamp_format: str | None
    warnings: list[str]


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
        detected = shared or _detect(con, path, dialect_opts, dialect, source.path.name)
        file = _File(ctx, source, index, path, dialect_opts)
        files, schema, names, rows, quarantined = _read(file, detected)
        if shared is not None and quarantined:
            # types shared from an earlier file with the same header reject some of this file's
            # values: detect this file's own types (it may widen) and read it again
            detected = _detect(con, path, dialect_opts, dialect, source.path.name)
            files, schema, names, rows, quarantined = _read(file, detected)
        self._detected.setdefault(key, detected)
        con.execute(
            quarantine_sql(
                ctx,
                source,
                "SELECT line AS source_line, string_agg(coalesce(column_name || ': ', '') || error_message, '; ') "
                "AS reason, any_value(csv_line) AS raw FROM _csv_rejects GROUP BY line ORDER BY line",
            )
        )
        if path != source.path.as_posix():
            ctx.scratch_dir.joinpath(f"{index:05d}.csv").unlink(missing_ok=True)
        if detected is not shared:  # a shared detection's warnings were reported with its first file
            warnings += detected.warnings
        return Staged(files, schema, names, rows + quarantined, rows, quarantined, warnings)


@dataclass(frozen=True)
class _File:
    """One CSV file being staged: where it is read from and with which dialect."""

    ctx: StageContext
    source: Source
    index: int
    path: str  # the file, or its UTF-8 transcoded copy
    dialect_opts: dict[str, str | int]


#: staged files, schema, source name → column, rows landed, rows rejected
ReadResult = tuple[list[Path], dict[str, DuckDBPyType], dict[str, str], int, int]


def _read(file: _File, detected: Detected) -> ReadResult:
    """Stage the file with ``detected`` types; rejected lines stay in ``_csv_rejects``.

    Integer columns are guarded in the read itself (``guard_integers``); if a value would
    round, the exact check finds the columns to widen and the file is read again.
    """
    ctx = file.ctx
    _, names = select_list(ctx, list(detected.types))
    typed = override_types(ctx, names, detected.types)
    if any(t.upper() in INTEGER_TYPES for t in typed.values()):
        try:
            return _write(file, detected, names, typed, guarded=True)
        except duckdb.Error as exc:
            log.debug("%s: guarded integer read failed (%s); checking every value", file.source.uri, exc)
        header = detected.has_header
        typed |= widen_rounded_integers(ctx, file.source, file.path, file.dialect_opts, header, typed, names)
    return _write(file, detected, names, typed, guarded=False)


def _write(
    file: _File, detected: Detected, names: dict[str, str], typed: dict[str, str], *, guarded: bool
) -> ReadResult:
    """One read of the file with the column types ``typed`` into staged Parquet (``guarded``:
    integer columns through ``guard_integers``).

    DuckDB's default line limit first: a larger one makes every read slower (~10 %, measured),
    and a longer line is not lost, it comes back as a reject, and then the file is read again
    with the limit of ``MAX_RECORD_BYTES``.
    """
    ctx, con = file.ctx, file.ctx.con
    read_types, back = guard_integers(typed) if guarded else (typed, {})
    select_cols, _ = select_list(ctx, list(read_types), back)
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
        lineage = lineage_sql(ctx, file.source, "r.ordinality")
        select = f"SELECT {select_cols}, {lineage} FROM {reader} WITH ORDINALITY r"
        files, rows = write_stage(ctx, file.index, select, schema)
        long_lines = con.execute(
            "SELECT count(*) FROM _csv_rejects WHERE error_type = 'LINE SIZE OVER MAXIMUM'"
        ).fetchone()
        if not long_lines or long_lines[0] == 0:
            break
    bad = con.execute("SELECT count(DISTINCT line) FROM _csv_rejects").fetchone()
    return files, schema, names, rows, int(bad[0]) if bad else 0


def _integers_fit(detected: Detected, dialect: Dialect) -> bool:
    """True if every value of this file's sample fits the shared integer columns.

    DuckDB rounds "2.5" read as BIGINT to 3 without a reject, so a file whose sample has a decimal
    where the shared types say integer detects its own types (as it would on its own).
    """
    columns = [i for i, t in enumerate(detected.types.values()) if t in INTEGER_TYPES]
    rows = dialect.rows[1:] if detected.has_header else dialect.rows
    return all(
        not row[i].strip() or INTEGER.fullmatch(row[i]) is not None
        for row in rows
        for i in columns
        if i < len(row)
    )


def _detect(
    con: duckdb.DuckDBPyConnection,
    path: str,
    dialect_opts: dict[str, str | int],
    dialect: Dialect,
    name: str,
) -> Detected:
    """Header, column types and date formats: DuckDB's sniffer, told our delimiter, then refined."""
    warnings = []
    sniffed = con.execute(
        f"SELECT HasHeader, Columns, DateFormat, TimestampFormat FROM sniff_csv({literal(path)}, "
        f"{options(dialect_opts)}, skip = 0, ignore_errors = true)"
    ).fetchone()
    assert sniffed is not None
    has_header, columns, date_format, ts_format = sniffed
    # DuckDB's CSV reader turns a bad TIMESTAMPTZ value into NULL without a reject; TIMESTAMP rejects it
    types = {str(c["name"]): TZ_SAFE.get(str(c["type"]), str(c["type"])) for c in columns}
    if len(types) != dialect.fields:
        # the sniffer could not explain the file with our delimiter: read every field as text
        header = [h or f"column{i}" for i, h in enumerate(dialect.header)]
        types = dict.fromkeys(dict.fromkeys(header), "VARCHAR")
        has_header = True
        warnings.append(f"{name}: types could not be detected; all columns read as VARCHAR")
    maybe_typed = {c for i, c in enumerate(types) if types[c] == "VARCHAR" and mostly_typed(dialect, i)}
    types = _refine_text_columns(con, path, dialect_opts, bool(has_header), types, maybe_typed)
    return Detected(bool(has_header), types, date_format or None, ts_format or None, warnings)


def _refine_text_columns(
    con: duckdb.DuckDBPyConnection,
    path: str,
    dialect_opts: dict[str, str | int],
    header: bool,
    types: dict[str, str],
    candidates: set[str],
) -> dict[str, str]:
    """Give a text column a real type when nearly all of its values have one.

    DuckDB's sniffer makes a column VARCHAR if a single sampled value does not parse ("n/a" in an
    income column, "2026-13-45" among timestamps). Then every value would land as text and the bad
    one would go unnoticed. Here a VARCHAR column that looks typed in the Python sample
    (``candidates``) and whose non-empty sample values parse as a
    ``CANDIDATE_TYPES`` type with at most ``MAX_BAD_SHARE`` failures gets that type, so the few bad
    values are rejected into quarantine instead.
    """
    text = [c for c, t in types.items() if t == "VARCHAR" and c in candidates]
    if not text:
        return types
    reader = (
        f"read_csv({literal(path)}, {options(dialect_opts)}, header = {literal(header)}, auto_detect = false, "
        f"columns = {struct_literal(dict.fromkeys(types, 'VARCHAR'))}, ignore_errors = true)"
    )
    probes = ", ".join(
        "count(" + test.format(v=f"NULLIF(trim({ident(c)}), '')") + ")"
        for c in text
        for test in CANDIDATE_TYPES.values()
    )
    counts = ", ".join(f"count(NULLIF(trim({ident(c)}), ''))" for c in text)
    row = con.execute(
        f"SELECT {counts}, {probes} FROM (SELECT * FROM {reader} LIMIT {REFINE_SAMPLE_ROWS})"
    ).fetchone()
    if row is None:
        return types
    refined = dict(types)
    for i, column in enumerate(text):
        present = row[i]
        hits = row[len(text) + i * len(CANDIDATE_TYPES) : len(text) + (i + 1) * len(CANDIDATE_TYPES)]
        for type_, parsed in zip(CANDIDATE_TYPES, hits, strict=True):
            if present >= MIN_VALUES and parsed < present and (present - parsed) <= MAX_BAD_SHARE * present:
                refined[column] = type_
                break
    return refined
