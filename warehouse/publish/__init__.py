"""Publish the lake to BigQuery: export every table at one DuckLake snapshot to Parquet, load it with
google-cloud-bigquery load jobs (explicit schema, partitioning, clustering, write disposition).

    from warehouse.publish import publish
    report = publish(settings, "bigquery", project="my-project")   # dataset `lake` by default
"""

from warehouse.publish.export import ExportedTable, export_snapshot
from warehouse.publish.publish import TARGETS, PublishReport, publish
from warehouse.publish.target import BigQueryTarget, resolve_target

__all__ = [
    "TARGETS",
    "BigQueryTarget",
    "ExportedTable",
    "PublishReport",
    "export_snapshot",
    "publish",
    "resolve_target",
]
