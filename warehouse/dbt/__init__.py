"""dbt on the lakehouse: build the warehouse (the sample project or your own), give your own project a
profile and lake sources, regenerate sources, check the BigQuery target offline.

from warehouse.dbt import build, init_project
init_project(settings, Path("my_project"))   # profiles.yml + models/sources.yml (lakehouse dbt init)
report = build(settings)            # dbt build on the DuckDB warehouse; report.summary()
"""

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
