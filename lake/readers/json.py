"""JSON reader: NDJSON and top-level arrays, nested objects kept as STRUCT and arrays as LIST.

DuckDB's ``read_json`` does the parsing, strictly (``ignore_errors`` would silently turn a bad line,
a 1.5 in an integer field or an unknown key into NULLs). A sample is not safe on its own: with the
types fixed, DuckDB drops a key the sample did not show, rounds a 1.5 in a field the sample saw as
BIGINT, turns a later number into text or true, cuts a later timestamp to a date — without an
error. Detecting over every record (``sample_size = -1``) is a second full parse, single-threaded,
about as much CPU as the read. So for NDJSON (plain, gzip or zstd) the types come from DuckDB's
sample, and the file is parsed once: pyarrow's strict streaming parse against those types
(``lake.readers.json_check.Proof``) proves them for every record *and* is the data — pyarrow writes
its record batches to the staged Parquet (``lake.readers.arrow_stage``; DuckDB's COPY of the batches
cost about twice as much); the record number is the running row count, and DuckDB converts the
columns with temporal leaves, parsed as text, with the format DuckDB's detection chose
(``lake.readers.temporal``).
When the proof fails, or cannot be stated (a JSON-typed field, a field only null in the sample), or
the user gave ``schema=`` types, or DuckDB refuses a value (a cast, text that is not UTF-8), the
types are detected from every record and the file is read by DuckDB (the first staged files are
replaced). A top-level JSON array, and the cleaned copy of a file with bad lines, always take that path.
When the file has a *malformed* line (truncated, invalid UTF-8, not an object), the slow path
reads the raw lines, quarantines the bad ones with line number and text, and reads the good ones.

Fields whose records disagree in shape (a number here, an object there) come back from DuckDB as
JSON: they are kept verbatim and reported as a warning. ``_source_line`` is the 1-based record
number (the line number for NDJSON without blank lines; exact line numbers in the slow path).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import duckdb
import pyarrow as pa
from duckdb.sqltypes import DuckDBPyType

from lake.readers import temporal
from lake.readers.arrow_stage import ROW_GROUP_ROWS, write_tables
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
from lake.readers.json_check import COMPRESSIONS, SAMPLE_RECORDS, Proof, arrow_schema
from lake.readers.temporal import Formats
from lake.sources import Source
from lake.types import FLOATS, INTEGER_RANK, kind, storable
from lakehouse.errors import InputError
from lakehouse.quoting import ident, literal, options, struct_literal

LINE_DELIMITED = {".ndjson", ".jsonl"}
#: what is wrong with one raw line (SQL over ``line``), NULL for a good line
PROBLEM = (
    "CASE WHEN line IS NULL OR trim(line) = '' THEN 'blank' "
    "WHEN NOT json_valid(line) THEN 'malformed JSON (truncated or invalid)' "
    "WHEN json_type(line::JSON) <> 'OBJECT' THEN 'not a JSON object: ' || json_type(line::JSON) END"
)
#: a cheap test that flags every line that is not "{…}" as it stands; ``PROBLEM`` (trim, a parse)
#: runs only on the lines it flags. A malformed line it lets through ("{"a": 1,, "b": 2}") makes
#: the strict read of the cleaned copy fail, and then every line is checked (``_stage_clean_copy``)
SUSPECT = "line IS NULL OR NOT starts_with(line, '{') OR NOT ends_with(line, '}')"
#: DuckDB's own object limit, tried first (see ``JsonReader._stage``)
DEFAULT_OBJECT_BYTES = 16 << 20


@dataclass(frozen=True)
class _Read:
    """One read of a file (or of its cleaned copy at ``path``) into staged Parquet."""

    source: Source
    path: str
    index: int
    ctx: StageContext
    object_bytes: int
    line_map: str | None
    line: str | None  # SQL of a record's line from its record number ``{n}`` (a cleaned copy's records)


@dataclass(frozen=True)
class _Plan:
    select: str  # the staging SELECT
    schema: dict[str, DuckDBPyType]  # its column types, lineage included
    names: dict[str, str]  # source name -> column
    detected: dict[str, str]  # source name -> detected type (before the user's schema)
    #: the records with a date or timestamp no format reads (source_line, reason, raw), or None
    quarantine: str | None = None


class JsonReader(FileByFile):
    format = "json"

    def stage(self, source: Source, index: int, ctx: StageContext) -> Staged:
        if source.size == 0:
            return Staged([], {}, {}, 0, 0, 0, [f"{source.path.name}: empty file, nothing to read"])
        try:
            return self._stage(source, source.path.as_posix(), index, ctx)
        except (duckdb.InvalidInputException, duckdb.BinderException):
            if source.suffix not in LINE_DELIMITED and not _looks_line_delimited(ctx, source):
                raise
            return self._stage_lines(source, index, ctx)

    def _options(self, source: Source, *, cleaned: bool, object_bytes: int, sample: int) -> str:
        nd = cleaned or source.suffix in LINE_DELIMITED
        return options(
            {
                "format": "newline_delimited" if nd else "auto",
                "records": "true",
                "compression": "uncompressed" if cleaned else source.compression or "uncompressed",
                "maximum_object_size": object_bytes,
                "map_inference_threshold": -1,
                "sample_size": sample,  # see the module docstring
            }
        )

    def _stage(
        self,
        source: Source,
        path: str,
        index: int,
        ctx: StageContext,
        *,
        line_map: str | None = None,
        line: str | None = None,
    ) -> Staged:
        """Detect the types once, then read the file once, straight into staged Parquet.

        ``line_map`` (a table k → line_no) or ``line`` (an expression of the record number ``{n}``) maps the
        record numbers of a cleaned copy back to the original lines. DuckDB's default object limit
        first: a larger one makes every read slower (~12 %, measured), and a larger record fails
        with a clear error, after which the file is read with the limit of ``MAX_RECORD_BYTES``.
        """
        try:
            return self._stage_once(source, path, index, ctx, DEFAULT_OBJECT_BYTES, line_map, line)
        except duckdb.InvalidInputException as exc:
            if '"maximum_object_size"' not in str(exc):
                raise
        return self._stage_once(source, path, index, ctx, MAX_RECORD_BYTES, line_map, line)

    def _stage_once(
        self,
        source: Source,
        path: str,
        index: int,
        ctx: StageContext,
        object_bytes: int,
        line_map: str | None,
        line: str | None,
    ) -> Staged:
        """The sampled types, proven by the parse that is the data, where it applies; else the types
        from every record."""
        cleaned = line_map is not None or line is not None
        read = _Read(source, path, index, ctx, object_bytes, line_map, line)
        if (
            not ctx.schema
            and not cleaned
            and source.suffix in LINE_DELIMITED
            and source.compression in COMPRESSIONS
        ):
            staged = self._read_proven(read, source.compression)
            if staged is not None:
                return staged
        plan = self._plan(read, -1, every=False)
        try:
            files, rows = write_stage(ctx, index, plan.select, plan.schema)
        except duckdb.InvalidInputException as exc:
            if temporal.UNPARSED not in str(exc):
                raise
            plan = self._plan(read, -1, every=True)  # a date the sample's format does not read
            files, rows = write_stage(ctx, index, plan.select, plan.schema)
        bad = 0
        if plan.quarantine is not None:
            inserted = ctx.con.execute(quarantine_sql(ctx, source, plan.quarantine)).fetchone()
            bad = int(inserted[0]) if inserted else 0
        return Staged(files, plan.schema, plan.names, rows + bad, rows, bad)

    def _read_proven(self, read: _Read, compression: str | None) -> Staged | None:
        """One parse: pyarrow's strict parse against DuckDB's sampled types is the proof *and* the
        data (``json_check.Proof``). pyarrow writes the staged Parquet (``arrow_stage``); DuckDB
        only casts the columns with temporal leaves (parsed as text) to the sampled types and adds
        the lineage, a row group at a time. None when not proven: a record that does not fit, a
        value DuckDB's cast refuses (2026-13-01 in a DATE field), text that is not UTF-8; the
        staged files are then replaced by the read with types from every record."""
        ctx = read.ctx
        opts = self._options(
            read.source, cleaned=False, object_bytes=read.object_bytes, sample=SAMPLE_RECORDS
        )
        types = self._detect(read, opts)
        try:
            proof_types = arrow_schema({s: duckdb.sqltype(t) for s, t in types.items()})
        except (duckdb.Error, ValueError):  # a name DuckDB cannot parse back: ``_plan`` says so
            return None
        if proof_types is None:
            return None
        sql_types = {s: duckdb.sqltype(t) for s, t in types.items()}
        found = temporal.leaves(sql_types)
        formats = temporal.Formats({}, {})
        if found:  # the formats DuckDB's sampled detection chose: from the same records
            sample = f"(SELECT * FROM {_text_reader(read.path, opts, sql_types)} LIMIT {SAMPLE_RECORDS})"
            formats = temporal.choose(ctx.con, sample, found)
            if formats.bad:
                return None
        proof = Proof(read.path, compression, *proof_types)
        _, names = select_list(ctx, list(types))
        finish = _Finish(read, types, names, {str(leaf[0]) for leaf in proof.temporal}, formats, proof.line)
        try:
            files, rows = write_tables(ctx.out_dir / f"{read.index:05d}", map(finish, _row_groups(proof)))
        except (
            duckdb.ConversionException,
            duckdb.InvalidInputException,
            duckdb.BinderException,
            pa.ArrowInvalid,
        ):
            return None  # a cast DuckDB refuses or cannot bind, text that is not UTF-8 (pyarrow's parse lets it through)
        if proof.reason is not None:
            return None
        schema = {names[s]: duckdb.sqltype(t) for s, t in types.items()} | LINEAGE_TYPES
        return Staged(files, schema, names, rows, rows, 0)

    def _detect(self, read: _Read, opts: str) -> dict[str, str]:
        """The types DuckDB detects for the file read with ``opts`` (storable spellings)."""
        detected = read.ctx.con.sql(f"SELECT * FROM read_json({literal(read.path)}, {opts}) LIMIT 0")
        return {c: storable(str(t)) for c, t in zip(detected.columns, detected.types, strict=True)}

    def _plan(self, read: _Read, sample_size: int, *, every: bool) -> _Plan:
        """Detect the types over ``sample_size`` records (-1: every record) and build the staging SELECT.

        Date and timestamp formats are chosen from the first ``SAMPLE_RECORDS`` records, the SELECT
        failing on a value they do not read (``temporal.UNPARSED``); with ``every``, from every
        record, and the records with a value no format reads are quarantined (``_Plan.quarantine``).
        """
        source, ctx = read.source, read.ctx
        cleaned = read.line_map is not None or read.line is not None
        opts = self._options(source, cleaned=cleaned, object_bytes=read.object_bytes, sample=sample_size)
        types = self._detect(read, opts)
        # the reader's columns by its alias: the slow paths join a line map (k, line_no) that a record may share
        refs = {s: f"r.{ident(s)}" for s in types}
        columns, names = select_list(ctx, list(types), refs)
        typed = override_types(ctx, names, types)
        try:
            sql_types = {s: duckdb.sqltype(t) for s, t in typed.items()}
            schema = {names[s]: t for s, t in sql_types.items()} | LINEAGE_TYPES
            reader = _text_reader(read.path, opts, sql_types)
        except (
            duckdb.Error,
            ValueError,
        ) as exc:  # a type DuckDB prints but cannot parse back (a key with a NUL)
            raise InputError(
                f"{source.path.name}: a field name DuckDB cannot use in a table type (control characters?): {exc}"
            ) from exc
        _check_no_rounding(source, types, typed)
        rows_of, number = numbered(reader, list(types))
        line = read.line.format(n=number) if read.line else number if read.line_map is None else "m.line_no"
        join = "" if read.line_map is None else f" JOIN {read.line_map} m ON m.k = {number}"
        found = temporal.leaves(sql_types)
        formats = temporal.Formats({}, {})
        if found:  # dates and timestamps are read as text and parsed as DuckDB's auto read parses them
            sample = reader if every else f"(SELECT * FROM {reader} LIMIT {SAMPLE_RECORDS})"
            formats = temporal.choose(ctx.con, sample, found)
            if formats.bad and not every:
                return self._plan(read, sample_size, every=True)
            convert = {
                s: temporal.convert_sql(refs[s], t, formats, (s,), strict=not every)
                for s, t in sql_types.items()
            }
            columns, _ = select_list(ctx, list(types), convert)
        select = f"SELECT {columns}, {lineage_sql(ctx, source, line)} FROM {rows_of}{join}"
        if not formats.bad:
            return _Plan(select, schema, names, types)
        reason = temporal.reason_sql(found, formats, source.path.name, "r")
        raw = "to_json(struct_pack(" + ", ".join(f"{ident(s)} := r.{ident(s)}" for s in types) + "))::VARCHAR"
        quarantine = (
            f"SELECT {line} AS source_line, {reason} AS reason, {raw} AS raw "
            f"FROM {rows_of}{join} WHERE ({reason}) IS NOT NULL"
        )
        return _Plan(f"{select} WHERE ({reason}) IS NULL", schema, names, types, quarantine)

    def _stage_lines(self, source: Source, index: int, ctx: StageContext) -> Staged:
        """Slow path for a file with bad lines.

        One scan of the raw lines finds the bad ones (malformed, not an object, not UTF-8) and the
        blank ones, and the bad lines go to quarantine. Usually there are only malformed lines: the
        good lines are copied to a clean file, which is read like any file (strictly, types from
        every record), and each record's line
        number is its clean record number plus the bad lines before it. With blank lines, lines that
        are not objects, or undecodable bytes, ``_stage_clean_copy`` does the same with a full map.
        (Never ``ignore_errors`` on the data itself: it nulls values silently.)
        """
        con = ctx.con
        raw = _raw_line_options(con, source)
        lines = f"read_csv({literal(source.path.as_posix())}, columns = {{'line': 'VARCHAR'}}, {raw}) WITH ORDINALITY"
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _json_bad AS SELECT o AS line_no, line, problem FROM ("
            f"SELECT ordinality AS o, line, {PROBLEM} AS problem FROM {lines} WHERE {SUSPECT}) "
            "WHERE problem IS NOT NULL"
        )
        counts = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE NOT starts_with(problem, 'malformed')) "
            "+ (SELECT count(*) FROM _json_rejects) FROM _json_bad"
        ).fetchone()
        bad, awkward = counts if counts else (0, 0)
        if awkward == 0:  # only malformed lines: record number = line number
            clean = ctx.scratch_dir / f"{index:05d}.ndjson"
            con.execute(
                f"COPY (SELECT line FROM {lines} WHERE ordinality NOT IN (SELECT line_no FROM _json_bad)) "
                f"TO {literal(str(clean))} (FORMAT csv, HEADER false, QUOTE '', ESCAPE '', DELIMITER '\x01')"
            )
            con.execute(
                "CREATE OR REPLACE TEMP TABLE _json_shift AS "
                "SELECT line_no - row_number() OVER (ORDER BY line_no) AS before FROM _json_bad"
            )
            # the k-th clean record was line k + (bad lines before it)
            line = "{n} + (SELECT count(*) FROM _json_shift b WHERE b.before < {n})"
            try:
                staged = self._stage(source, str(clean), index, ctx, line=line)
            except duckdb.InvalidInputException:  # a malformed line SUSPECT let through
                return self._stage_clean_copy(source, index, ctx)
            finally:
                clean.unlink(missing_ok=True)
            con.execute(
                quarantine_sql(
                    ctx,
                    source,
                    "SELECT line_no AS source_line, problem AS reason, line AS raw FROM _json_bad",
                )
            )
            staged.rows_read += bad
            staged.rows_quarantined += bad
            return staged
        return self._stage_clean_copy(source, index, ctx)

    def _stage_clean_copy(self, source: Source, index: int, ctx: StageContext) -> Staged:
        """The exact path: copy the good lines to a clean file, read it, map records back to lines."""
        con = ctx.con
        raw = _raw_line_options(con, source)
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _json_lines AS SELECT ordinality AS o, line "
            f"FROM read_csv({literal(source.path.as_posix())}, columns = {{'line': 'VARCHAR'}}, {raw}) WITH ORDINALITY"
        )
        # lines that failed to decode are missing from _json_lines: shift the others back to their real line
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _json_bad_encoding AS "
            "SELECT line AS line_no, row_number() OVER (ORDER BY line) AS j, csv_line FROM _json_rejects"
        )
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _json_checked AS SELECT l.o + "
            "(SELECT count(*) FROM _json_bad_encoding b WHERE b.line_no - b.j < l.o) AS line_no, l.line, "
            f"{PROBLEM.replace('line', 'l.line')} AS problem FROM _json_lines l"
        )
        con.execute(
            quarantine_sql(
                ctx,
                source,
                "SELECT line_no AS source_line, problem AS reason, line AS raw FROM _json_checked "
                "WHERE problem IS NOT NULL AND problem <> 'blank' "
                "UNION ALL SELECT line_no, 'invalid UTF-8: the line is not valid UTF-8 text', csv_line "
                "FROM _json_bad_encoding",
            )
        )
        bad = con.execute(
            "SELECT (SELECT count(*) FROM _json_checked WHERE problem <> 'blank') + (SELECT count(*) FROM _json_bad_encoding)"
        ).fetchone()
        quarantined = int(bad[0]) if bad else 0
        clean = ctx.scratch_dir / f"{index:05d}.ndjson"
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _json_good AS SELECT row_number() OVER (ORDER BY line_no) AS k, line_no, line "
            "FROM _json_checked WHERE problem IS NULL"
        )
        con.execute(
            f"COPY (SELECT line FROM _json_good ORDER BY k) TO {literal(str(clean))} "
            "(FORMAT csv, HEADER false, QUOTE '', ESCAPE '', DELIMITER '\x01')"
        )
        good = con.execute("SELECT count(*) FROM _json_good").fetchone()
        if not good or good[0] == 0:
            clean.unlink(missing_ok=True)
            return Staged([], {}, {}, quarantined, 0, quarantined)
        staged = self._stage(source, str(clean), index, ctx, line_map="_json_good")
        clean.unlink(missing_ok=True)
        staged.rows_read += quarantined
        staged.rows_quarantined += quarantined
        return staged


def _text_reader(path: str, opts: str, types: dict[str, DuckDBPyType]) -> str:
    """``read_json`` with the types fixed, dates and timestamps as text (``lake.readers.temporal``)."""
    text = {s: str(temporal.as_text(t)) for s, t in types.items()}
    return f"read_json({literal(path)}, {opts}, columns = {struct_literal(text)})"


def _row_groups(proof: Proof) -> Iterator[pa.Table]:
    """The proof's batches, gathered into tables of a row group each."""
    pending: list[pa.RecordBatch] = []
    rows = 0
    for batch in proof.batches():
        pending.append(batch)
        rows += batch.num_rows
        if rows >= ROW_GROUP_ROWS:
            yield pa.Table.from_batches(pending)
            pending, rows = [], 0
    if pending:
        yield pa.Table.from_batches(pending)


@dataclass(frozen=True)
class _Finish:
    """A table of proven records as staged: the columns renamed, the columns with temporal leaves
    converted by DuckDB (``temporal.convert_sql`` of the text, failing on a value the sample's
    formats do not read), the lineage."""

    read: _Read
    types: dict[str, str]  # source name -> sampled type
    names: dict[str, str]  # source name -> column
    temporal: set[str]  # source names of the columns with temporal leaves
    formats: Formats  # their formats, chosen from the sample
    line: str  # the proof's column of record numbers (``Proof.line``)

    def __call__(self, table: pa.Table) -> pa.Table:
        table.validate(full=True)  # UTF-8 (ArrowInvalid), as DuckDB's scan of the text checked it
        converted = self._converted(table) if self.temporal else None
        data = [
            converted.column(self.names[s])
            if converted is not None and s in self.temporal
            else table.column(s)
            for s in self.types
        ]
        return pa.Table.from_arrays(
            [*data, *self._lineage(table)], names=[*(self.names[s] for s in self.types), *LINEAGE_TYPES]
        )

    def _converted(self, table: pa.Table) -> pa.Table:
        ctx, view = self.read.ctx, f"_json_proven_{self.read.index:05d}"
        cast = [
            f"{temporal.convert_sql(ident(s), duckdb.sqltype(self.types[s]), self.formats, (s,), strict=True, casts=True)} "
            f"AS {ident(self.names[s])}"
            for s in self.temporal
        ]
        ctx.con.register(view, table)
        try:
            return ctx.con.sql(f"SELECT {', '.join(cast)} FROM {ident(view)}").to_arrow_table()
        finally:
            ctx.con.unregister(view)

    def _lineage(self, table: pa.Table) -> list[pa.Array | pa.ChunkedArray]:
        """The lineage columns (``lineage_sql``'s values) built in Arrow: the record number is the
        proof's column, the constants are one-value dictionaries, which pyarrow writes to Parquet as
        they are. Measured on the 1.5M records of ``bench/json_typing.py``, the four columns alone
        built and written as staged: 0.35-0.63 s of CPU built by DuckDB (as before), 0.22 s so."""
        ctx = self.read.ctx
        first = pa.repeat(pa.scalar(0, pa.int32()), table.num_rows)

        def constant(value: object, type_: pa.DataType) -> pa.DictionaryArray:
            return pa.DictionaryArray.from_arrays(first, pa.array([value], type_))

        columns = {
            "_source_uri": constant(self.read.source.uri, pa.string()),
            "_source_line": table.column(self.line).cast(pa.int64()),
            "_batch_id": constant(ctx.batch_id, pa.string()),
            "_ingested_at": constant(ctx.ingested_at, pa.timestamp("us", tz="UTC")),
        }
        return [columns[name] for name in LINEAGE_TYPES]


def _check_no_rounding(source: Source, detected: dict[str, str], typed: dict[str, str]) -> None:
    """Reject a field the user declared integer (``schema=``) that holds decimals: DuckDB would round them."""
    for column, type_ in typed.items():
        if kind(duckdb.sqltype(type_)) in INTEGER_RANK and kind(duckdb.sqltype(detected[column])) in FLOATS:
            raise InputError(
                f"{source.path.name}: field {column!r} is declared {type_} but holds decimals (read as "
                f"{detected[column]}), which would be rounded; declare it DOUBLE (or DECIMAL) in the schema"
            )


def _looks_line_delimited(ctx: StageContext, source: Source) -> bool:
    """A ``.json`` file whose first line is a whole object is read line by line in the slow path."""
    row = ctx.con.execute(
        f"SELECT CASE WHEN json_valid(line) THEN json_type(line::JSON) = 'OBJECT' ELSE false END "
        f"FROM read_csv({literal(source.path.as_posix())}, columns = {{'line': 'VARCHAR'}}, delim = '\x01', "
        "quote = '', escape = '', header = false, auto_detect = false, max_line_size = 268435456, "
        f"ignore_errors = true, compression = {literal(source.compression or 'uncompressed')}) LIMIT 1"
    ).fetchone()
    return row == (True,)


def _raw_line_options(con: duckdb.DuckDBPyConnection, source: Source) -> str:
    """``read_csv`` options that read a JSON file as raw lines (one VARCHAR column, nothing parsed),
    keeping undecodable lines in fresh rejects tables instead of failing."""
    con.execute("DROP TABLE IF EXISTS _json_rejects; DROP TABLE IF EXISTS _json_reject_scans")
    return options(
        {
            "delim": "\x01",
            "quote": "",
            "escape": "",
            "header": False,
            "auto_detect": False,
            "max_line_size": MAX_RECORD_BYTES,
            "compression": source.compression or "uncompressed",
            "store_rejects": True,
            "rejects_table": "_json_rejects",
            "rejects_scan": "_json_reject_scans",
            "strict_mode": False,
        }
    )
