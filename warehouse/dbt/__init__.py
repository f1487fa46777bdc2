"""dbt on the lakehouse: build the warehouse (the sample project or your own), give your own project a
profile and lake sources, regenerate sources, check the BigQuery target offline.

from warehouse.dbt import build, init_project
init_project(settings, Path("my_project"))   # profiles.yml + models/sources.yml (lakehouse dbt init)
report = build(settings)            # dbt build on the DuckDB warehouse; report.summary()

The names load on first use (``lakehouse.lazy``): an ingest's wiring imports ``build`` without the
project scaffolding and the sources generator (``init``, ``sources``: YAML and more).
"""

from typing import TYPE_CHECKING

from lakehouse.lazy import exports

if TYPE_CHECKING:
    from warehouse.dbt.init import InitReport, init_project
    from warehouse.dbt.report import DbtReport, NodeResult
    from warehouse.dbt.runner import TARGETS, build, check_lake_ready, lake_sources, parse, run_dbt
    from warehouse.dbt.sources import SourcesReport, generate_sources

__all__ = [
    "TARGETS",
    "DbtReport",
    "InitReport",
    "NodeResult",
    "SourcesReport",
    "build",
    "check_lake_ready",
    "generate_sources",
    "init_project",
    "lake_sources",
    "parse",
    "run_dbt",
]
__getattr__ = exports(
    "warehouse.dbt",
    {
        **dict.fromkeys(["InitReport", "init_project"], "warehouse.dbt.init"),
        **dict.fromkeys(["DbtReport", "NodeResult"], "warehouse.dbt.report"),
        **dict.fromkeys(
            ["TARGETS", "build", "check_lake_ready", "lake_sources", "parse", "run_dbt"],
            "warehouse.dbt.runner",
        ),
        **dict.fromkeys(["SourcesReport", "generate_sources"], "warehouse.dbt.sources"),
    },
)
