"""Judging a batch at ingest (``judge``, called by ``quality.ingest_gate``), and ``check`` for tables already in
the lake or the warehouse."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import duckdb

from lakehouse.connect import connect, lake_exists
from lakehouse.errors import NotFoundError
from lakehouse.gate import GateResult
from lakehouse.progress import ProgressCallback, ProgressEvent, report
from lakehouse.settings import Settings
from quality import results
from quality.frame import relation_exists
from quality.suites import Suite, available, load_suite
from quality.validate import EngineChoice, validate

log = logging.getLogger(__name__)


def judge(
    settings: Settings, con: duckdb.DuckDBPyConnection, dataset: str, relation: str, engine: EngineChoice
) -> GateResult:
    """Validate the staged batch ``relation`` against ``dataset``'s suite and store the result (the ingest
    gate's work once it knows the dataset has a suite: ``quality.ingest_gate.QualityGate``)."""
    validation = validate(con, relation, load_suite(settings, dataset), source="ingest", engine=engine)
    path = results.store(settings, validation)
    return validation.gate_result(path)


def check(
    settings: Settings,
    datasets: Sequence[str] | None = None,
    progress: ProgressCallback | None = None,
    engine: EngineChoice = "auto",
) -> list[GateResult]:
    """Validate lake tables and warehouse models that have a suite (all, or the named ``datasets``).

    A named dataset that has no suite or no table is an error; when checking everything, suites whose table
    does not exist yet are skipped.
    """
    explicit = bool(datasets)
    suites = [load_suite(settings, name) for name in (datasets or available(settings))]
    out: list[GateResult] = []
    for done, suite in enumerate(suites):
        report(progress, ProgressEvent("quality check", done, len(suites), "suites", suite.dataset))
        with _connection(settings, suite) as con:
            if con is None or not relation_exists(con, suite.relation):
                if explicit:
                    raise NotFoundError(
                        f"{suite.relation} does not exist (suite {suite.name})",
                        hint="ingest it first"
                        if suite.database == "lake"
                        else "build the warehouse with dbt first",
                    )
                log.info("skipping %s: %s does not exist", suite.name, suite.relation)
                continue
            validation = validate(con, suite.relation, suite, source="check", engine=engine)
        out.append(validation.gate_result(results.store(settings, validation)))
    report(progress, ProgressEvent("quality check", len(suites), len(suites), "suites"))
    return out


@contextmanager
def _connection(settings: Settings, suite: Suite) -> Iterator[duckdb.DuckDBPyConnection | None]:
    if suite.database == "warehouse":
        if not settings.warehouse_file.exists():
            yield None
            return
        con = connect(settings, database=settings.warehouse_file, read_only=True, lake_read_only=True)
    elif not lake_exists(settings):
        yield None
        return
    else:
        con = connect(settings, lake_read_only=True)
    try:
        yield con
    finally:
        con.close()


def describe_failures(result: GateResult, examples: int = 3) -> list[str]:
    """One line per failed expectation, critical first: what failed, on which column, counts, failing values."""
    lines = []
    for f in result.failures:
        where = f"({f.column})" if f.column else ""
        sample = ", ".join(repr(v) for v in f.examples[:examples] if v is not None)
        lines.append(
            f"{result.dataset}: {f.severity} {f.expectation}{where}: {f.detail}"
            + (f"; e.g. {sample}" if sample else "")
        )
    return lines
