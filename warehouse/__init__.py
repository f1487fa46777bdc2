"""The warehouse: a DuckDB file with the lake attached, queried in BigQuery SQL (BigQuery ML included).

con = warehouse.connect(settings)
warehouse.execute(con, "CREATE MODEL ml.segments OPTIONS(model_type='kmeans', num_clusters=5) AS SELECT ...")
warehouse.execute(con, "SELECT centroid_id, count(*) FROM ML.PREDICT(MODEL ml.segments, TABLE t) GROUP BY 1")

Importing this package imports none of the SQL front end (sqlglot): its names load on first use
(``lakehouse.lazy``), so a command that only reaches ``warehouse.dbt`` (the ingest's wiring) pays nothing for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb

from lakehouse.connect import connect as _connect
from lakehouse.lazy import exports
from lakehouse.settings import Settings
from warehouse.ml.models.dnn import compile_cache

if TYPE_CHECKING:
    from warehouse.sql.frontend import execute, lake_use, needs_lake, run_script
    from warehouse.sql.results import Result

__all__ = ["Result", "connect", "execute", "lake_use", "needs_lake", "run_script"]
__getattr__ = exports(
    "warehouse",
    {"Result": "warehouse.sql.results"}
    | dict.fromkeys(["execute", "lake_use", "needs_lake", "run_script"], "warehouse.sql.frontend"),
)


def connect(
    settings: Settings, read_only: bool = False, *, lake: bool = True, lake_read_only: bool = False
) -> duckdb.DuckDBPyConnection:
    """The warehouse file (``settings.warehouse_file``) with the lake attached as ``lake``.

    ``lake=False`` leaves the lake out (for statements that read no table: ``lake_use`` is ``none``);
    ``lake_read_only`` attaches an existing lake read-only (for statements that write nothing: ``read``).
    """
    con = _connect(
        settings,
        database=settings.warehouse_file,
        read_only=read_only,
        lake=lake,
        lake_read_only=read_only or lake_read_only,
    )
    con.execute("SET enable_progress_bar = false")  # the CLI draws its own progress; never DuckDB's on stdout
    compile_cache.use(settings.cache_dir / "jax")  # DNN training loads compiled programs from earlier runs
    return con
