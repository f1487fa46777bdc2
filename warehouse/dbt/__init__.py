"""dbt on the lakehouse: build the warehouse, regenerate sources, check the BigQuery target offline.

from warehouse.dbt import build
report = build(settings)            # dbt build on the DuckDB warehouse; report.summary()
"""

from warehouse.dbt.report import DbtReport, NodeResult
from warehouse.dbt.runner import TARGETS, build, check_lake_ready, run_dbt
from warehouse.dbt.sources import SourcesReport, generate_sources

__all__ = [
    "TARGETS",
    "DbtReport",
    "NodeResult",
    "SourcesReport",
    "build",
    "check_lake_ready",
    "generate_sources",
    "run_dbt",
]
