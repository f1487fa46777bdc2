"""Run dbt in-process (``dbtRunner``) on the project in ``settings.dbt_project_dir`` (checked when dbt runs).

``build`` is what ``lakehouse dbt build`` and ``lakehouse demo`` call. dbt's own console output is switched
off (the library never prints); progress arrives through the callback, and the result is a ``DbtReport``
with every node's status and dbt's fixed start-up cost separated from the time spent running SQL.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lakehouse.errors import LakehouseError, LockedError, NotFoundError, SettingsError, UsageError
from lakehouse.progress import ProgressCallback, ProgressEvent, report
from lakehouse.settings import Settings
from warehouse.dbt.environment import patched_environment, settings_environment
from warehouse.dbt.report import DbtReport, NodeResult

log = logging.getLogger(__name__)

#: profile targets in dbt_project/profiles.yml
TARGETS = ("dev", "bigquery")
#: the database the dbt-duckdb plugin attaches the lake as (a source in it is a lake table)
LAKE_DATABASE = "lake"
#: dbt commands that need no BigQuery project (profiles.yml parses with its placeholder)
OFFLINE_COMMANDS = frozenset({"parse", "ls", "list", "clean"})
#: the lake's tables, as ``(schema, table)``
LAKE_TABLES_SQL = "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = 'lake'"
#: set while ``lakehouse`` runs dbt in this process: the plugin then leaves the catalog to the caller
IN_PROCESS = {"LAKEHOUSE_DBT_IN_PROCESS": "1"}
#: dbt events that mark a node as finished (for progress)
_FINISHED_EVENTS = frozenset({"NodeFinished"})


def build(
    settings: Settings,
    select: str | Sequence[str] | None = None,
    target: str = "dev",
    progress: ProgressCallback | None = None,
    *,
    full_refresh: bool = False,
    target_path: Path | None = None,
) -> DbtReport:
    """``dbt build`` (models, tests, seeds, snapshots in DAG order) and the report of what happened.

    A failing test does not raise: the report says ``success=False`` and lists it. Raises
    ``NotFoundError`` when a lake table the project's sources declare has not been ingested yet (the
    project is parsed first to learn them), ``LockedError`` when another process holds the warehouse,
    ``LakehouseError`` when dbt itself cannot run (bad project, bad profile).
    """
    manifest = None
    if target == "dev":
        manifest = parse(settings, target=target, target_path=target_path)
        check_lake_ready(settings, lake_sources(manifest))
    args = ["--full-refresh"] if full_refresh else []
    return run_dbt(
        settings,
        "build",
        *args,
        *_select_args(select),
        target=target,
        progress=progress,
        target_path=target_path,
        manifest=manifest,
    )


def parse(settings: Settings, *, target: str = "dev", target_path: Path | None = None) -> Any:
    """``dbt parse`` of the project: dbt's in-memory ``Manifest`` (also written to ``target/``)."""
    result = _invoke(settings, "parse", [], target=target, target_path=target_path)
    if result.exception is not None or result.result is None:
        raise _translate(
            result.exception or RuntimeError("no manifest"), "parse", target, _log_path(settings, target_path)
        )
    return result.result


def lake_sources(manifest: Any) -> list[tuple[str, str]]:
    """``(schema, table)`` of every source the project declares in the lake (database ``lake``), sorted."""
    return sorted(
        {(s.schema, s.identifier) for s in manifest.sources.values() if s.database == LAKE_DATABASE}
    )


def run_dbt(
    settings: Settings,
    command: str,
    *args: str,
    target: str = "dev",
    progress: ProgressCallback | None = None,
    target_path: Path | None = None,
    manifest: Any = None,
) -> DbtReport:
    """Invoke any dbt command (``parse``, ``compile``, ``build`` ...) on the project and report on it.

    ``target_path`` moves dbt's output (manifest, compiled SQL) away from ``<project>/target``, where the
    catalog reads the manifest; tests use it to keep their runs apart. ``manifest`` (from ``parse``) spares
    dbt a second parse.
    """
    started = time.perf_counter()
    project = settings.existing("dbt_project_dir")
    tracker = _ProgressTracker(command, progress)
    result = _invoke(settings, command, list(args), target=target, target_path=target_path,
                     callbacks=[tracker], manifest=manifest)  # fmt: skip
    seconds = time.perf_counter() - started
    if result.exception is not None:
        raise _translate(
            result.exception, command, target, _log_path(settings, target_path)
        ) from result.exception
    nodes = _node_results(result.result)
    sql_seconds = float(getattr(result.result, "elapsed_time", 0.0) or 0.0)
    manifest_file = (target_path or project / "target") / "manifest.json"
    out = DbtReport(
        command=command,
        target=target,
        success=bool(result.success),
        seconds=seconds,
        startup_seconds=max(seconds - sql_seconds, 0.0),
        sql_seconds=sql_seconds,
        nodes=nodes,
        project_dir=project,
        manifest=manifest_file if manifest_file.exists() else None,
    )
    log.info("dbt %s on %s: %s", command, target, out.summary())
    return out


def _invoke(
    settings: Settings,
    command: str,
    args: list[str],
    *,
    target: str,
    target_path: Path | None,
    callbacks: list[Any] | None = None,
    manifest: Any = None,
) -> Any:
    """dbt's ``dbtRunnerResult`` of one command on the project, in the settings' environment."""
    from dbt.cli.main import dbtRunner  # imported here: its import is part of dbt's start-up cost

    if target not in TARGETS:
        raise UsageError(f"unknown dbt target {target!r}", hint="targets: " + ", ".join(TARGETS))
    project = settings.existing("dbt_project_dir")
    if target == "bigquery" and command not in OFFLINE_COMMANDS and not settings.bigquery.project:
        raise SettingsError(
            f"dbt {command} --target bigquery needs a BigQuery project",
            hint=f"looked at: {settings.looked_at('bigquery.project')}; set LAKEHOUSE_BQ_PROJECT or "
            "[lakehouse.bigquery] project in lakehouse.toml",
        )
    argv = [
        command,
        *args,
        "--project-dir", str(project),
        "--profiles-dir", str(project),
        "--target", target,
        "--log-level", "none",
        "--log-level-file", "info",
    ]  # fmt: skip
    if target_path is not None:
        argv += ["--target-path", str(target_path), "--log-path", str(_log_path(settings, target_path))]
    with patched_environment({**settings_environment(settings, target), **IN_PROCESS}):
        try:
            return dbtRunner(manifest=manifest, callbacks=callbacks or []).invoke(argv)
        finally:
            release_duckdb()


def _log_path(settings: Settings, target_path: Path | None) -> Path:
    return settings.dbt_project_dir / "logs" if target_path is None else target_path / "logs"


def release_duckdb() -> None:
    """Close the DuckDB database dbt-duckdb keeps open in this process after a run (``keep_open``).

    Otherwise the warehouse file stays locked against other processes, and this process cannot open it
    with its own configuration, until the interpreter exits.
    """
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:  # dbt-duckdb was never imported in this process
        return
    with DuckDBConnectionManager._LOCK:
        env = DuckDBConnectionManager._ENV
        DuckDBConnectionManager._ENV = None
    if env is not None:
        env.close()


def check_lake_ready(settings: Settings, tables: Sequence[tuple[str, str]]) -> None:
    """Raise ``NotFoundError`` naming the lake tables (``(schema, table)``, from ``lake_sources``) that the
    project's sources declare but the lake lacks."""
    from lakehouse.connect import connect

    if settings.lake_metadata_uri.startswith("sqlite:"):
        meta = Path(settings.lake_metadata_uri[len("sqlite:") :])
        if not meta.exists():
            raise NotFoundError(
                f"the lake at {meta} does not exist yet",
                hint="run `lakehouse demo`, or `lakehouse ingest` the sample first",
            )
    con = connect(settings, lake_read_only=True)
    try:
        rows = con.execute(LAKE_TABLES_SQL).fetchall()
    finally:
        con.close()
    missing = [(schema, name) for schema, name in tables if (schema, name) not in set(rows)]
    if missing:
        raise NotFoundError(
            "the lake has no table "
            + ", ".join(_lake_name(schema, name) for schema, name in missing)
            + f" (declared as sources by the dbt project in {settings.dbt_project_dir})",
            hint="ingest them first (e.g. `lakehouse ingest PATH --dataset NAME`, or `lakehouse demo`)",
        )


def _lake_name(schema: str, table: str) -> str:
    return f"lake.{table}" if schema == "main" else f"lake.{schema}.{table}"


def _select_args(select: str | Sequence[str] | None) -> list[str]:
    """``--select`` with cautious indirect selection: a test runs only when all its parents are selected
    (dbt's default would run a relationships test against a parent that was not built)."""
    if not select:
        return []
    items = [select] if isinstance(select, str) else list(select)
    return ["--select", *items, "--indirect-selection", "cautious"]


def _node_results(result: Any) -> list[NodeResult]:
    out = []
    for item in getattr(result, "results", None) or []:
        node = item.node
        out.append(
            NodeResult(
                unique_id=node.unique_id,
                resource_type=str(node.resource_type),
                name=node.name,
                status=str(item.status),
                seconds=float(item.execution_time or 0.0),
                message=str(item.message or ""),
                failures=item.failures,
            )
        )
    return out


def _translate(exc: BaseException, command: str, target: str, log_path: Path) -> LakehouseError:
    text = str(exc)
    if "Could not set lock" in text:
        from lakehouse.connect import translate_lock_error

        locked = translate_lock_error(exc, "warehouse")  # type: ignore[arg-type]
        return locked or LockedError(text)
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    return LakehouseError(
        f"dbt {command} (target {target}) failed: {first}", hint=f"details in {log_path / 'dbt.log'}"
    )


class _ProgressTracker:
    """A dbt event callback that turns finished nodes into progress events."""

    def __init__(self, command: str, progress: ProgressCallback | None) -> None:
        self.task = f"dbt {command}"
        self.progress = progress
        self.total: float | None = None
        self.done = 0

    def __call__(self, event: Any) -> None:
        if self.progress is None:
            return
        total = getattr(event.data, "total", 0)
        if total:
            self.total = float(total)
        if event.info.name in _FINISHED_EVENTS:
            self.done += 1
            name = event.data.node_info.node_name
            report(self.progress, ProgressEvent(self.task, self.done, self.total, "nodes", name))
