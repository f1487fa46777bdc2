"""The reader protocol: stage one input file as Parquet in the lake's data folder.

A reader reads one ``Source``, normalizes its column names, adds the lineage columns and writes
zstd Parquet files into the batch's staging folder (``StageContext.out_dir``); rejected records
go into the ``_quarantine_stage`` temp table with file, line and reason. It returns a ``Staged``:
the files, their schema and the row counts (read = landed + quarantined). Registering the files
in the lake happens later, in one transaction for the whole batch (``lake.commit``).

A reader raises ``duckdb.Error`` or ``InputError`` when the whole file cannot be read (corrupt
gzip, binary junk); the caller then quarantines the file as one record.
"""

from __future__ import annotations

import collections
import concurrent.futures as cf
import datetime as dt
import shutil
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

import duckdb
import zstandard
from duckdb.sqltypes import DuckDBPyType

from lake.naming import LINEAGE_COLUMNS, normalize_columns, unused_name
from lake.sources import Source
from lake.survey import Fingerprint, Survey, hashed
from lakehouse.errors import InputError
from lakehouse.quoting import ident, literal

#: the lineage columns as DuckDB types
LINEAGE_TYPES = {name: duckdb.sqltype(t) for name, t in LINEAGE_COLUMNS.items()}
PARQUET_OPTIONS = "FORMAT parquet, COMPRESSION zstd, FILE_SIZE_BYTES '256MB'"
#: most files staged at the same time (one per DuckDB thread; see ``FileByFile``)
MAX_FILES_AT_ONCE = 4
#: the longest single line or JSON record a reader accepts
MAX_RECORD_BYTES = 256 << 20


@dataclass(frozen=True)
class StageContext:
    con: duckdb.DuckDBPyConnection
    dataset: str
    batch_id: str
    ingested_at: dt.datetime
    out_dir: Path  # staged Parquet goes into out_dir/<file index>/
    scratch_dir: Path  # temporary files (transcoded CSV, cleaned NDJSON)
    objects_dir: Path  # content-addressed store for binary objects (images)
    column_names: Mapping[str, str]  # source name -> column already used by the table
    encoding: str | None = None
    schema: Mapping[str, str] | None = None  # user's type overrides, by source or column name
    null_markers: Sequence[str] | None = None  # text that means NULL in typed columns (None: the usual ones)
    date_formats: Mapping[str, str] | None = None  # source column -> strptime format or epoch unit
    objects_url: str | None = (
        None  # object storage the objects are uploaded to (team layout); None: objects_dir
    )


@dataclass
class Staged:
    files: list[Path]
    schema: dict[str, DuckDBPyType]  # column -> type, lineage included
    source_names: dict[str, str]  # source name -> column
    rows_read: int
    rows_landed: int
    rows_quarantined: int
    warnings: list[str] = field(default_factory=list)
    null_markers: dict[str, dict[str, int]] = field(default_factory=dict)  # column -> marker -> count


#: a source to stage with its fingerprint from the survey
Surveyed = tuple[Source, Fingerprint]
#: (index of the source in the batch, its Staged — or the reason the whole file could not be read)
Outcome = tuple[int, "Staged | str"]
#: errors that mean "this file cannot be read at all" (the file is quarantined, the batch goes on)
FILE_ERRORS: tuple[type[BaseException], ...] = (
    duckdb.Error,
    InputError,
    UnicodeError,
    OSError,
    EOFError,
    zstandard.ZstdError,
)


class Reader(Protocol):
    format: str

    def survey(self, sources: Sequence[Source], objects_dir: Path) -> Survey:
        """Start fingerprinting ``sources`` in the background (no lake connection needed)."""
        ...

    def stage_all(self, sources: Iterable[Surveyed], ctx: StageContext) -> Iterator[Outcome]:
        """Stage every source as Parquet (see the module docstring), yielding one outcome per source."""
        ...


class FileByFile:
    """Readers that stage each file on its own implement ``stage``; this gives them ``stage_all``
    and the survey of text files (hashes and decompression checks).

    Files are staged side by side, each on its own cursor of the connection, as many at a time as
    DuckDB has threads (at most ``MAX_FILES_AT_ONCE``). Numbering the records (``WITH ORDINALITY``,
    for ``_source_line``) makes DuckDB read one file on one thread, and JSON type detection over
    every record is single-threaded too (measured on ~160 MB files: a parallel CSV read is ~1.45×
    faster), so the parallelism comes from reading several files at a time instead. Meanwhile
    DuckDB runs with one thread: its idle workers would spin beside each single-threaded read
    (measured: +40 % CPU for the same wall time). Outcomes come back in the sources' order.
    """

    def survey(self, sources: Sequence[Source], objects_dir: Path) -> Survey:
        return hashed(sources)

    def stage(self, source: Source, index: int, ctx: StageContext) -> Staged:
        raise NotImplementedError

    def stage_all(self, sources: Iterable[Surveyed], ctx: StageContext) -> Iterator[Outcome]:
        row = ctx.con.execute("SELECT current_setting('threads')").fetchone()
        threads = int(row[0]) if row else 1
        at_once = max(1, min(MAX_FILES_AT_ONCE, threads))
        local = threading.local()
        cursors: list[duckdb.DuckDBPyConnection] = []

        def stage_one(index: int, source: Source) -> Outcome:
            if not hasattr(local, "con"):
                local.con = ctx.con.cursor()
                cursors.append(local.con)
            try:
                return index, self.stage(source, index, replace(ctx, con=local.con))
            except FILE_ERRORS as exc:
                shutil.rmtree(ctx.out_dir / f"{index:05d}", ignore_errors=True)
                return index, first_line(exc)

        ctx.con.execute("SET threads = 1")
        try:
            with cf.ThreadPoolExecutor(at_once, thread_name_prefix="lake-stage") as pool:
                running: collections.deque[cf.Future[Outcome]] = collections.deque()
                for index, (source, _) in enumerate(sources):
                    running.append(pool.submit(stage_one, index, source))
                    if len(running) >= at_once:
                        yield running.popleft().result()
                while running:
                    yield running.popleft().result()
        finally:
            for cursor in cursors:
                cursor.close()
            ctx.con.execute(f"SET threads = {threads:d}")


def first_line(exc: BaseException) -> str:
    """The first line of an error message, without DuckDB's error-class prefix."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    for prefix in ("Invalid Input Error: ", "IO Error: ", "Conversion Error: ", "Binder Error: "):
        text = text.removeprefix(prefix)
    return text


def numbered(reader: str, columns: Sequence[str], alias: str = "r") -> tuple[str, str]:
    """``reader WITH ORDINALITY`` as ``alias``, and the SQL reference of its record number.

    DuckDB names the number ``ordinality``; beside a field of that name it picks another, and
    ``alias.ordinality`` is the field. So every column is named here: ``columns`` (the reader's, in
    order) and the number under a name none of them has."""
    number = unused_name("__lake_record", columns)
    names = ", ".join(ident(c) for c in [*columns, number])
    return f"{reader} WITH ORDINALITY {alias}({names})", f"{alias}.{ident(number)}"


def lineage_sql(ctx: StageContext, source: Source, line: str) -> str:
    """The four lineage columns for a SELECT list; ``line`` is the SQL expression of the line/record."""
    values = [
        literal(source.uri),
        line,
        literal(ctx.batch_id),
        f"{literal(ctx.ingested_at.isoformat())}::TIMESTAMPTZ",
    ]
    return ", ".join(
        f"{v}::{t} AS {ident(n)}" for v, (n, t) in zip(values, LINEAGE_COLUMNS.items(), strict=True)
    )


def select_list(
    ctx: StageContext, source_columns: list[str], expressions: Mapping[str, str] | None = None
) -> tuple[str, dict[str, str]]:
    """``"Source Name" AS source_name, …`` for the data columns, and the name mapping used.

    ``expressions`` replaces the plain column reference of some source columns (SQL over them).
    """
    names = normalize_columns(source_columns, ctx.column_names)
    exprs = expressions or {}
    return ", ".join(f"{exprs.get(s, ident(s))} AS {ident(names[s])}" for s in source_columns), names


def override_types(
    ctx: StageContext, names: Mapping[str, str], detected: Mapping[str, str]
) -> dict[str, str]:
    """Detected source column types with the user's ``--schema`` applied (by source or column name)."""
    overrides = dict(ctx.schema or {})
    return {s: overrides.get(s, overrides.get(names[s], t)) for s, t in detected.items()}


def write_stage(
    ctx: StageContext, index: int, select: str, schema: dict[str, DuckDBPyType] | None = None
) -> tuple[list[Path], int]:
    """COPY ``select`` to zstd Parquet under the staging folder: (files, rows).

    Pass ``schema`` when the caller knows the types, so the SELECT is not bound twice (binding a
    reader can cost a detection pass).
    """
    out = ctx.out_dir / f"{index:05d}"
    shutil.rmtree(out, ignore_errors=True)  # left over from an attempt that failed part-way
    out.mkdir(parents=True, exist_ok=True)
    row = ctx.con.execute(f"COPY ({select}) TO {literal(str(out))} ({PARQUET_OPTIONS})").fetchone()
    rows = int(row[0]) if row else 0
    written = sorted(out.glob("*.parquet"))
    if rows == 0:
        for path in written:
            path.unlink()
        written = []
    return written, rows


def select_schema(ctx: StageContext, select: str) -> dict[str, DuckDBPyType]:
    """The column types of ``select`` (binds it; 128-bit integers must already be cast away)."""
    rel = ctx.con.sql(select)
    return dict(zip(rel.columns, rel.types, strict=True))


def quarantine_sql(ctx: StageContext, source: Source, select: str) -> str:
    """INSERT the rows of ``select`` (columns: source_line, reason, raw) into the quarantine stage."""
    return (
        "INSERT INTO _quarantine_stage SELECT "
        f"{literal(ctx.dataset)}, {literal(ctx.batch_id)}, {literal(source.uri)}, source_line, reason, raw, "
        f"{literal(ctx.ingested_at.isoformat())}::TIMESTAMPTZ FROM ({select})"
    )


def quarantine_file(ctx: StageContext, source: Source, reason: str) -> None:
    """Quarantine a whole file as one record (raw NULL: the file stays where it is).

    Literals, not bound parameters: the first bound parameter makes DuckDB import pandas (~0.7 s).
    """
    values = [ctx.dataset, ctx.batch_id, source.uri, None, reason.replace("\x00", "\\0"), None]
    ctx.con.execute(
        f"INSERT INTO _quarantine_stage VALUES ({', '.join(map(literal, values))}, "
        f"{literal(ctx.ingested_at.isoformat())}::TIMESTAMPTZ)"
    )
