"""Load exported lake tables into BigQuery with google-cloud-bigquery load jobs.

google-cloud-bigquery is optional (the ``[bigquery]`` extra): it is imported only here, and only when a
publish runs; without it ``MissingDependency`` says what to install.
"""

from __future__ import annotations

import concurrent.futures
import logging
import time
from dataclasses import dataclass
from typing import Any

from lakehouse.bigquery_settings import BigQuerySettings
from lakehouse.errors import LakehouseError, MissingDependency, SettingsError
from warehouse.publish.export import ExportedTable
from warehouse.publish.schema import FieldSpec, TableLoadSpec
from warehouse.publish.target import PublishTarget

log = logging.getLogger(__name__)

INSTALL_HINT = "pip install 'lakehouse-toolkit[bigquery]'"
JOB_TIMEOUT_SECONDS = 1800


@dataclass(frozen=True, slots=True)
class LoadedTable:
    table: str
    destination: str  # project.dataset.table
    rows: int
    bytes: int
    job_id: str
    seconds: float
    partition: str | None
    clustering: tuple[str, ...]


def bigquery_module() -> Any:
    """``google.cloud.bigquery``, or ``MissingDependency`` with the install hint."""
    try:
        from google.cloud import bigquery
    except ImportError as exc:
        raise MissingDependency("BigQuery support is not installed", hint=INSTALL_HINT) from exc
    return bigquery


def make_client(settings: BigQuerySettings) -> Any:
    """A BigQuery client for ``settings`` (credentials by method, a custom endpoint when one is set)."""
    bigquery = bigquery_module()
    from google.api_core.client_options import ClientOptions

    credentials: Any = None
    if settings.method == "service-account":
        from google.oauth2 import service_account

        credentials = service_account.Credentials.from_service_account_file(str(settings.keyfile))
    elif settings.method == "oauth-secrets":
        from google.oauth2.credentials import Credentials

        credentials = Credentials(token=settings.token_value())
    options = ClientOptions(api_endpoint=settings.api_endpoint) if settings.api_endpoint else None
    from google.auth.exceptions import DefaultCredentialsError

    try:
        return bigquery.Client(
            project=settings.project,
            credentials=credentials,
            location=settings.location,
            client_options=options,
        )
    except DefaultCredentialsError as exc:
        raise SettingsError(
            "no Google credentials found for BigQuery (LAKEHOUSE_BQ_METHOD=oauth uses application default credentials)",
            hint="run `gcloud auth application-default login`, or set LAKEHOUSE_BQ_METHOD=service-account "
            "and LAKEHOUSE_BQ_KEYFILE",
        ) from exc


def schema_fields(specs: tuple[FieldSpec, ...]) -> list[Any]:
    bigquery = bigquery_module()
    return [
        bigquery.SchemaField(s.name, s.field_type, mode=s.mode, fields=schema_fields(s.fields)) for s in specs
    ]


def load_config(spec: TableLoadSpec, target: PublishTarget, snapshot: int) -> Any:
    """The load job configuration: explicit schema, partitioning, clustering, write disposition."""
    bigquery = bigquery_module()
    from google.cloud.bigquery.format_options import ParquetOptions

    parquet = ParquetOptions()
    parquet.enable_list_inference = True
    config = bigquery.LoadJobConfig(
        source_format=bigquery.SourceFormat.PARQUET,
        schema=schema_fields(spec.schema),
        write_disposition=target.write_disposition,
        create_disposition=bigquery.CreateDisposition.CREATE_IF_NEEDED,
        labels={"lakehouse_snapshot": str(snapshot)},
    )
    config.parquet_options = parquet
    config.destination_table_description = f"lake.{spec.table} at DuckLake snapshot {snapshot}"
    if spec.partition_field:
        config.time_partitioning = bigquery.TimePartitioning(
            type_=spec.partition_type, field=spec.partition_field
        )
    if spec.clustering:
        config.clustering_fields = list(spec.clustering)
    if target.write_disposition == "WRITE_APPEND":
        config.schema_update_options = [bigquery.SchemaUpdateOption.ALLOW_FIELD_ADDITION]
    return config


def ensure_dataset(client: Any, target: PublishTarget) -> None:
    bigquery = bigquery_module()
    dataset = bigquery.Dataset(target.dataset_id)
    dataset.location = target.location
    dataset.description = "The lakehouse lake, published by `lakehouse publish --target bigquery`."
    client.create_dataset(dataset, exists_ok=True)


def load_table(
    client: Any, target: PublishTarget, exported: ExportedTable, spec: TableLoadSpec, snapshot: int
) -> LoadedTable:
    """Run one load job and wait for it; a failed job raises ``LakehouseError`` with BigQuery's reason."""
    destination = f"{target.dataset_id}.{exported.table}"
    started = time.perf_counter()
    with exported.path.open("rb") as data:
        job = client.load_table_from_file(
            data,
            destination,
            size=exported.bytes,
            job_config=load_config(spec, target, snapshot),
            location=target.location,
        )
    from google.api_core.exceptions import GoogleAPIError

    try:
        job.result(timeout=JOB_TIMEOUT_SECONDS)
    except (GoogleAPIError, concurrent.futures.TimeoutError) as exc:  # a failed job, or no answer in time
        raise LakehouseError(
            f"BigQuery load job {getattr(job, 'job_id', '?')} into {destination} failed: {exc}",
            hint="the job's errors are in the BigQuery console; the lake is unchanged",
        ) from exc
    seconds = time.perf_counter() - started
    partition = f"{spec.partition_type}({spec.partition_field})" if spec.partition_field else None
    log.info("loaded %s rows into %s in %.1fs", exported.rows, destination, seconds)
    return LoadedTable(
        exported.table,
        destination,
        exported.rows,
        exported.bytes,
        job.job_id,
        seconds,
        partition,
        spec.clustering,
    )
