"""``ingest``: files → readers (staged Parquet) → schema plan → gate → one DuckLake commit.

The whole call holds the lake writer lock. The reader's survey of the files (hashes, damage checks;
for images the whole per-file work) starts before the lake is opened and runs in the background
while DuckDB loads its extensions. Files whose content (sha256) already landed in the
dataset are skipped, so running the same ingest twice adds nothing. A file that cannot be read at
all, or whose types cannot be reconciled with the table, is quarantined and the rest of the batch
lands; a batch the gate rejects lands nothing (``BatchRejected``). Staged Parquet of a batch that
does not commit is deleted (or, after a crash, removed by ``maintain`` as an orphan).
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import duckdb
from duckdb.sqltypes import DuckDBPyType

from lake.commit import Batch, commit
from lake.naming import validate_dataset
from lake.quarantine import rows_as_quarantine
from lake.readers import reader_for
from lake.readers.base import Reader, StageContext, Staged, Surveyed, quarantine_file, write_stage
from lake.report import BatchRejected, FileReport, IngestReport
from lake.schema import Plan, plan, read_schema
from lake.sources import Source, resolve
from lake.sql import sql_file
from lake.survey import Fingerprint
from lake.types import JSON, VARCHAR, contains_json, fits, is_json
from lakehouse.connect import attach_lake, connect
from lakehouse.errors import UsageError
from lakehouse.gate import Gate
from lakehouse.locks import lake_writer_lock
from lakehouse.progress import ProgressCallback, ProgressEvent, report
from lakehouse.quoting import ident, literal, string_list
from lakehouse.settings import Settings

log = logging.getLogger(__name__)

MODES = ("append", "replace", "merge")
#: DuckLake options set when a lake is first used: zstd Parquet, files of a sensible size, and no
#: inlining of small inserts (DuckLake 1.5.5 cannot read back inlined JSON lists holding a NULL,
#: measured: "Failed to read inlined data … Malformed JSON … [NULL]"); ``maintain`` compacts instead
LAKE_OPTIONS = {"parquet_compression": "zstd", "target_file_size": "256MB", "data_inlining_row_limit": "0"}


def _check_call(dataset: str, mode: str, key: str | None, schema: Mapping[str, str] | None) -> None:
    validate_dataset(dataset)
    for column, type_ in (schema or {}).items():
        try:
            duckdb.sqltype(type_)
        except (duckdb.Error, ValueError) as exc:
            raise UsageError(
                f"unknown type {type_!r} for column {column!r} in the schema override",
                hint="use DuckDB types: BIGINT, DOUBLE, VARCHAR, DATE, TIMESTAMP, DECIMAL(18,2) …",
            ) from exc
    if mode not in MODES:
        raise UsageError(f"unknown mode {mode!r}", hint="use one of: " + ", ".join(MODES))
    if (mode == "merge") != (key is not None):
        raise UsageError(
            "--key goes with --mode merge (and merge needs a --key)", hint="e.g. --mode merge --key order_id"
        )


# Values below are inlined with ``literal`` rather than bound: the first bound parameter in a process
# makes DuckDB's Python client import pandas (~0.7 s), which an ingest would otherwise pay every run.


def _prepare(con: duckdb.DuckDBPyConnection) -> None:
    """First use of a lake: its bookkeeping tables and options, in one snapshot; then this ingest's
    quarantine stage."""
    found = con.execute(sql_file("bookkeeping_present.sql")).fetchone()
    if not found or found[0] != 5:
        con.execute("BEGIN")
        con.execute(sql_file("bookkeeping.sql"))
        for name, value in LAKE_OPTIONS.items():
            con.execute(f"CALL lake.set_option({literal(name)}, {literal(value)})")
        con.execute("COMMIT")
    con.execute(sql_file("quarantine_stage.sql"))


def _encrypted(con: duckdb.DuckDBPyConnection) -> bool:
    """True for an ENCRYPTED lake: its data files carry keys in the catalog, so staged Parquet cannot
    be registered as it is and is inserted instead (DuckLake writes it encrypted)."""
    row = con.execute("SELECT value FROM lake.options() WHERE option_name = 'encrypted'").fetchone()
    return row is not None and str(row[0]).lower() == "true"


def _fresh(
    ctx: StageContext,
    surveyed: Iterable[Surveyed],
    landed: Mapping[str, tuple[int, str]],
    rep: IngestReport,
    mode: str,
) -> Iterator[tuple[Source, Fingerprint, FileReport]]:
    """Sources not landed before (or earlier in this call) and readable; skipped and damaged ones are
    recorded in the report (damaged ones in quarantine too)."""
    seen: set[str] = set()
    for source, found in surveyed:
        sha = found.sha256
        fr = FileReport(source.uri, source.format, source.size, sha)
        rep.files.append(fr)
        if sha in seen or (mode != "replace" and sha in landed):
            rows, batch = landed.get(sha, (0, rep.batch_id))
            fr.status, fr.rows_read, fr.rows_skipped = "skipped", rows, rows
            fr.reason = f"same content already landed (batch {batch})"
            continue
        seen.add(sha)
        if found.damage is not None:
            quarantine_file(ctx, source, found.damage)
            fr.status, fr.rows_read, fr.rows_quarantined, fr.reason = "quarantined", 1, 1, found.damage
            continue
        yield source, found, fr


def ingest(
    settings: Settings,
    paths: Sequence[str | Path],
    dataset: str,
    *,
    format: str = "auto",
    mode: str = "append",
    key: str | None = None,
    partition_by: str | None = None,
    encoding: str | None = None,
    schema: Mapping[str, str] | None = None,
    null_markers: Sequence[str] | None = None,
    date_formats: Mapping[str, str] | None = None,
    gate: Gate | None = None,
    progress: ProgressCallback | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> IngestReport:
    """Ingest files into ``lake.<dataset>`` in one transaction and return what happened.

    CSV only: ``null_markers`` replaces the usual markers of missing values (``NA``, ``N/A``, ``NaN``,
    ``null``, ``NULL``, ``None``, ``-``) in columns that otherwise parse as numbers, dates or booleans;
    ``date_formats`` gives a column's date format (strptime, or ``epoch``/``epoch_ms``/``epoch_us``).

    ``con``: the caller's connection (``lakehouse.connect.connect(settings, lake=False)``) when the
    command reads the lake again afterwards, so each extension is loaded (signature-checked) once per
    command; the lake is attached to it for this ingest and detached after. Default: a connection of
    its own.
    """
    _check_call(dataset, mode, key, schema)
    sources = resolve(list(paths), format)
    started = time.perf_counter()
    batch_id = uuid.uuid4().hex
    rep = IngestReport(dataset, batch_id, mode, gate_skipped=gate is None)
    total = sum(s.size for s in sources)
    scratch = settings.spill_dir / f"ingest-{batch_id}"
    # on object storage the batch is staged locally and inserted (DuckLake uploads it as it writes)
    remote = settings.lake_on_object_store
    # image objects too: kept in scratch until the image reader uploads them to the bucket
    objects_dir = scratch / "objects" if remote else settings.objects_dir
    out_dir = (
        scratch / "staged" if remote else settings.lake_data_dir / "main" / dataset / f"ingest-{batch_id}"
    )
    scratch.mkdir(parents=True, exist_ok=True)
    reader = reader_for(sources[0].format)
    with (
        lake_writer_lock(settings),
        reader.survey(sources, objects_dir) as survey,
    ):
        if con is None:
            own = con = connect(settings)  # loading extensions (signature checks) overlaps with the survey
        else:
            own = None
            attach_lake(con, settings)
        try:
            _prepare(con)
            landed = {
                sha: (rows, batch)
                for sha, rows, batch in con.execute(
                    f"SELECT sha256, rows_read, batch_id FROM lake.main._files WHERE dataset = {literal(dataset)}"
                ).fetchall()
            }
            known = dict(
                con.execute(
                    f"SELECT source_name, column_name FROM lake.main._columns WHERE dataset = {literal(dataset)}"
                ).fetchall()
            )
            if _encrypted(con):  # DuckLake must write (and key) every file itself: stage outside the lake
                shutil.rmtree(out_dir, ignore_errors=True)
                out_dir = scratch / "staged"
            ctx = StageContext(
                con,
                dataset,
                batch_id,
                dt.datetime.now(dt.UTC),
                out_dir,
                scratch,
                objects_dir,
                {} if mode == "replace" else known,
                encoding,
                schema,
                None if null_markers is None else tuple(null_markers),
                date_formats,
                settings.objects_url if remote else None,
            )
            fresh = _fresh(ctx, zip(sources, survey, strict=True), landed, rep, mode)
            staged = _stage(ctx, rep, reader, fresh, total, progress)
            _land_replanned(ctx, rep, staged, mode, key, partition_by, gate)
        except BaseException:
            shutil.rmtree(out_dir, ignore_errors=True)
            raise
        finally:
            if own is not None:
                own.close()
            else:
                con.execute("DETACH lake")
            shutil.rmtree(scratch, ignore_errors=True)
    rep.seconds = time.perf_counter() - started
    if rep.gate is not None and not rep.gate.passed:
        raise BatchRejected(rep)
    return rep


def _stage(
    ctx: StageContext,
    rep: IngestReport,
    reader: Reader,
    fresh: Iterator[tuple[Source, Fingerprint, FileReport]],
    total: int,
    progress: ProgressCallback | None,
) -> list[tuple[FileReport, Staged]]:
    """Run the reader over the fresh sources; fill in each file's report."""
    pending: list[tuple[Source, FileReport]] = []
    staged: list[tuple[FileReport, Staged]] = []

    def sources() -> Iterator[Surveyed]:
        for source, found, fr in fresh:
            pending.append((source, fr))
            yield source, found

    done = rows = 0
    started = time.perf_counter()
    for index, outcome in reader.stage_all(sources(), ctx):
        source, fr = pending[index]
        if isinstance(outcome, str):
            quarantine_file(ctx, source, outcome)
            fr.status, fr.rows_read, fr.rows_quarantined, fr.reason = "quarantined", 1, 1, outcome
        else:
            fr.rows_read, fr.rows_landed = outcome.rows_read, outcome.rows_landed
            fr.rows_quarantined = outcome.rows_quarantined
            fr.status = "landed" if outcome.rows_landed or not outcome.rows_quarantined else "quarantined"
            fr.null_markers = outcome.null_markers
            rep.warnings += outcome.warnings
            staged.append((fr, outcome))
        done += source.size
        rows += fr.rows_read
        rate = done / 1e6 / max(time.perf_counter() - started, 1e-9)
        message = f"{source.path.name} · {rows:,} rows · {rate:,.0f} MB/s"
        report(progress, ProgressEvent(f"ingest {ctx.dataset}", done, total, "bytes", message))
    return staged


def _move_to_quarantine(ctx: StageContext, fr: FileReport, staged: Staged, reason: str) -> None:
    """A staged file that cannot land: its rows go to quarantine, its Parquet is deleted."""
    ctx.con.execute(
        f"INSERT INTO _quarantine_stage {rows_as_quarantine(staged.files, staged.schema, ctx.dataset, reason)}"
    )
    for path in staged.files:
        path.unlink(missing_ok=True)
    fr.status, fr.reason = "quarantined", reason
    fr.rows_quarantined += fr.rows_landed
    fr.rows_landed = 0
    staged.files = []


def _rewrite(ctx: StageContext, staged: Staged, target: Mapping[str, DuckDBPyType], index: int) -> None:
    """Rewrite a staged file whose column types the table cannot read as they are (e.g. BIGINT → JSON)."""
    paths = string_list([str(p) for p in staged.files])
    columns = ", ".join(
        f"{ident(c)}"
        if fits(t, target[c])
        # a scalar becomes the JSON of its value (a CAST of text to JSON would parse the text)
        else f"to_json({ident(c)}) AS {ident(c)}"
        if is_json(target[c])
        else f"CAST({ident(c)} AS {target[c]}) AS {ident(c)}"
        for c, t in staged.schema.items()
    )
    old = list(staged.files)
    select = f"SELECT {columns} FROM read_parquet({paths})"
    files, _ = write_stage(replace(ctx, out_dir=ctx.out_dir / "rewritten"), index, select)
    schema = {c: target[c] if not fits(t, target[c]) else t for c, t in staged.schema.items()}
    for path in old:
        path.unlink(missing_ok=True)
    staged.files, staged.schema = files, schema


def _failing_casts(
    ctx: StageContext, with_data: list[tuple[FileReport, Staged]], schema_plan: Plan
) -> set[str]:
    """Columns whose staged values do not cast to the planned type (JSON that is really mixed)."""
    failing: set[str] = set()
    for index, (_, staged) in enumerate(with_data):
        if index in schema_plan.conflicts:
            continue
        paths = string_list([str(p) for p in staged.files])
        for column, type_ in staged.schema.items():
            target = schema_plan.target[column]
            if fits(type_, target) or not contains_json(type_):
                continue
            try:
                ctx.con.execute(f"SELECT count(CAST({ident(column)} AS {target})) FROM read_parquet({paths})")
            except duckdb.Error:
                failing.add(column)
    return failing


def _quarantine_duplicate_keys(ctx: StageContext, staged: list[tuple[FileReport, Staged]], key: str) -> None:
    """Merge mode: a key seen twice in the batch keeps its last record; the others go to quarantine."""
    files = [p for _, s in staged for p in s.files]
    if not files:
        return
    paths = string_list([str(p) for p in files])
    ranked = (
        f"SELECT *, row_number() OVER (PARTITION BY {ident(key)} ORDER BY _source_uri DESC, _source_line DESC) "
        f"AS _rank FROM read_parquet({paths}, union_by_name = true)"
    )
    counts = dict(
        ctx.con.execute(f"SELECT _source_uri, count(*) FROM ({ranked}) WHERE _rank > 1 GROUP BY 1").fetchall()
    )
    if not counts:
        return
    columns = [c for _, s in staged for c in s.schema]
    record = ", ".join(f"{ident(c)} := {ident(c)}" for c in dict.fromkeys(columns) if not c.startswith("_"))
    ctx.con.execute(
        f"INSERT INTO _quarantine_stage SELECT {literal(ctx.dataset)}, _batch_id, _source_uri, _source_line, "
        f"{literal(f'duplicate {key} in this batch: a later record with the same key wins')}, "
        f"to_json(struct_pack({record}))::VARCHAR, _ingested_at FROM ({ranked}) WHERE _rank > 1"
    )
    for fr, _ in staged:
        moved = counts.get(fr.uri, 0)
        fr.rows_landed -= moved
        fr.rows_quarantined += moved


#: times a batch is planned again when another writer changed the table first (shared catalog)
REPLANS = 3


def _land_replanned(
    ctx: StageContext,
    rep: IngestReport,
    staged: list[tuple[FileReport, Staged]],
    mode: str,
    key: str | None,
    partition_by: str | None,
    gate: Gate | None,
) -> None:
    """``_land``, planned again when a concurrent writer (team layout: no lock file) created or altered
    the table between our plan and our commit; DuckLake's own retry cannot help there, because the
    planned CREATE/ALTER no longer applies."""
    for attempt in range(1, REPLANS + 1):
        warnings = len(rep.warnings)
        try:
            _land(ctx, rep, staged, mode, key, partition_by, gate)
            return
        except duckdb.CatalogException as exc:
            if attempt == REPLANS or not _changed_underneath(exc):
                raise
            log.warning("lake.%s changed while this batch was planned (%s); planning again", ctx.dataset, exc)
            del rep.warnings[warnings:]


def _changed_underneath(exc: duckdb.Error) -> bool:
    text = str(exc)
    return "already exists" in text or "does not exist" in text or "not found" in text


def _land(
    ctx: StageContext,
    rep: IngestReport,
    staged: list[tuple[FileReport, Staged]],
    mode: str,
    key: str | None,
    partition_by: str | None,
    gate: Gate | None,
) -> None:
    existing = None if mode == "replace" else read_schema(ctx.con, ctx.dataset)
    with_data = [(fr, s) for fr, s in staged if s.files]
    conflict = VARCHAR if rep.files and rep.files[0].format == "csv" else JSON
    mixed: set[str] = set()
    while True:
        schema_plan = plan(
            ctx.dataset, existing, [s.schema for _, s in with_data], scalar_conflict=conflict, mixed=mixed
        )
        failing = _failing_casts(ctx, with_data, schema_plan) - mixed
        if not failing:
            break
        mixed |= failing  # JSON values that do not cast to the concrete type: keep the column as JSON
    for column, type_ in schema_plan.target.items():
        if contains_json(type_) and (existing is None or str(existing.get(column)) != str(type_)):
            rep.warnings.append(
                f"field {column!r} has values of different shapes (e.g. number and object), or only nulls: "
                f"kept as {type_}"
            )
    for index, reason in schema_plan.conflicts.items():
        _move_to_quarantine(ctx, *with_data[index], reason)
    for index, (_, s) in enumerate(with_data):
        if s.files and not all(fits(t, schema_plan.target[c]) for c, t in s.schema.items()):
            _rewrite(ctx, s, schema_plan.target, index)
    if key is not None and key not in schema_plan.target:
        raise UsageError(
            f"merge key {key!r} is not a column of lake.{ctx.dataset}",
            hint="columns: " + ", ".join(c for c in schema_plan.target if not c.startswith("_")),
        )
    if key is not None:
        _quarantine_duplicate_keys(ctx, staged, key)
    if partition_by and not schema_plan.target:
        partition_by = None
    batch = Batch(
        ctx,
        rep,
        schema_plan,
        staged,
        mode,
        key,
        partition_by,
        replace_table=mode == "replace",
        register_files=not ctx.out_dir.is_relative_to(ctx.scratch_dir),
    )
    # nothing new to land (every file already landed, or every record quarantined): nothing to judge
    commit(batch, gate if schema_plan.target and with_data else None)
    rep.schema_changes = schema_plan.changes if rep.committed else []
