"""Publish the lake to BigQuery: export every table at one DuckLake snapshot to Parquet, load it with
google-cloud-bigquery load jobs (explicit schema, partitioning, clustering, write disposition).

    from warehouse.publish import publish
    report = publish(settings, "bigquery")   # settings.bigquery: project, lake_dataset (`lake`), location
"""

from warehouse.publish.export import ExportedTable, export_snapshot
from warehouse.publish.publish import TARGETS, PublishReport, publish
from warehouse.publish.target import PublishTarget, resolve_target

__all__ = [
    "TARGETS",
    "ExportedTable",
    "PublishReport",
    "PublishTarget",
    "export_snapshot",
    "publish",
    "resolve_target",
]
