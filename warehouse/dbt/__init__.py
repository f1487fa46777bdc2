"""dbt on the lakehouse: build the warehouse, regenerate sources, check the BigQuery target offline.

from warehouse.dbt import build
report = build(settings)            # dbt build on the DuckDB warehouse; report.summary()
"""

from warehouse.dbt.report import DbtReport, NodeResult
from warehouse.dbt.runner import TARGETS, build, check_lake_ready, run_dbt

__all__ = ["TARGETS", "DbtReport", "NodeResult", "build", "check_lake_ready", "run_dbt"]
