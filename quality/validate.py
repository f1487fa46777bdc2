"""Validate one relation against one suite, on the engine that is cheapest for its size.

Small batches (the usual ingest) run in GX's pandas engine. Large ones run as DuckDB SQL (``sql_engine``),
which reproduces GX's results exactly for the expectation types it knows (tested against GX) at a fraction of
the time and memory: bench/quality.py measures both. A suite with any other expectation type always runs in GX.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Literal

import duckdb
from sqlglot import exp

from lakehouse.errors import UsageError
from quality.frame import Column, columns_of, relation_exists, table_sql, to_pandas
from quality.outcome import Engine, Source, Validation
from quality.sql_engine import supports, validate_sql
from quality.suites import Expectation, Suite

log = logging.getLogger(__name__)

EngineChoice = Literal["auto", "gx", "sql"]
#: batches up to this many rows are validated by GX itself (about 1 s on the shipped suites); above it the
#: SQL translation, 4-9x faster at 0.3-10M rows in bench/quality.py, gives the same results
GX_MAX_ROWS = 100_000


def choose_engine(suite: Suite, columns: list[Column], rows: int, choice: EngineChoice = "auto") -> Engine:
    """GX for small batches and for checks without a proven SQL translation; SQL for the rest."""
    if choice == "gx" or (choice == "auto" and (rows <= GX_MAX_ROWS or not supports(suite, columns))):
        return "gx"
    if not supports(suite, columns):
        raise UsageError(
            f"suite {suite.name!r} has checks only GX can run on {suite.relation}",
            hint="use engine 'auto' or 'gx'",
        )
    return "sql"


def validate(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    suite: Suite,
    *,
    source: Source,
    engine: EngineChoice = "auto",
) -> Validation:
    """Validate ``relation`` (a table or view visible in ``con``) against ``suite``."""
    started = time.perf_counter()
    suite = resolve_references(con, suite)
    columns = columns_of(con, relation)
    rows = int(con.execute(f"SELECT count(*) FROM {table_sql(relation)}").fetchall()[0][0])
    chosen = choose_engine(suite, columns, rows, engine)
    log.debug("validating %s (%d rows) with suite %s on %s", relation, rows, suite.name, chosen)
    if chosen == "gx":
        from quality.gx_engine import validate_gx

        outcomes = validate_gx(to_pandas(con, columns, relation), suite)
    else:
        outcomes = validate_sql(con, relation, columns, suite)
    return Validation(
        dataset=suite.dataset,
        suite=suite.name,
        relation=relation,
        engine=chosen,
        source=source,
        rows=rows,
        outcomes=outcomes,
        validated_at=dt.datetime.now(dt.UTC).isoformat(timespec="microseconds"),
        seconds=round(time.perf_counter() - started, 3),
    )


def resolve_references(con: duckdb.DuckDBPyConnection, suite: Suite) -> Suite:
    """Fill ``value_set`` of referential checks (``meta.value_set_from``) from the referenced table.

    When the referenced table does not exist yet (e.g. orders ingested before customers) the check is left
    out of this run and logged.
    """
    resolved: list[Expectation] = []
    for e in suite.expectations:
        reference = e.meta.get("value_set_from")
        if not reference:
            resolved.append(e)
            continue
        relation, _, column = str(reference).rpartition(".")
        query = exp.select(exp.column(column, quoted=True)).distinct().from_(table_sql(relation))
        query = query.where(exp.not_(exp.Is(this=exp.column(column, quoted=True), expression=exp.null())))
        if not relation_exists(con, relation):
            log.info("%s: %s skipped: %s does not exist yet", suite.name, e.type, relation)
            continue
        values = [row[0] for row in con.execute(query.sql("duckdb")).fetchall()]
        resolved.append(Expectation(e.type, {**e.kwargs, "value_set": sorted(values)}, e.severity, e.meta))
    return suite.with_expectations(resolved)
