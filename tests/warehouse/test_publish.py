"""`lakehouse publish --target bigquery`: lake snapshot -> Parquet -> BigQuery load jobs.

Offline, the BigQuery side is tests/warehouse/bigquery_fake.py: a local HTTP endpoint speaking BigQuery's REST
shape, so these tests check the requests google-cloud-bigquery really sends (dataset insert, multipart load
jobs with their configuration and the Parquet bytes), not BigQuery's behaviour. The test marked `bigquery`
publishes to a real project when credentials are present.
"""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Iterator

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from lakehouse.cli import cli
from lakehouse.connect import connect
from lakehouse.errors import InputError, LakehouseError, MissingDependency, NotFoundError, SettingsError
from lakehouse.settings import Settings
from tests.warehouse.bigquery_fake import FakeBigQuery
from tests.warehouse.conftest import with_bigquery_environment
from warehouse.publish import publish
from warehouse.publish.schema import field_spec


@pytest.fixture
def fake_bigquery(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeBigQuery]:
    for var in [v for v in os.environ if v.startswith("LAKEHOUSE_BQ_")]:
        monkeypatch.delenv(var)
    with FakeBigQuery() as fake:
        monkeypatch.setenv("LAKEHOUSE_BQ_API_ENDPOINT", fake.endpoint)
        monkeypatch.setenv("LAKEHOUSE_BQ_METHOD", "oauth-secrets")
        monkeypatch.setenv("LAKEHOUSE_BQ_TOKEN", "offline-test-token")
        monkeypatch.setenv("LAKEHOUSE_BQ_PROJECT", "offline-project")
        yield fake


@pytest.fixture
def bq_settings(lake_settings: Settings, fake_bigquery: FakeBigQuery) -> Settings:
    """The fixture lake with the BigQuery settings the fake's LAKEHOUSE_BQ_* variables give."""
    return with_bigquery_environment(lake_settings)


def load_jobs(fake: FakeBigQuery) -> dict[str, dict]:
    return {
        job.configuration["load"]["destinationTable"]["tableId"]: job.configuration["load"]
        for job in fake.state.jobs.values()
    }


def uploaded_table(fake: FakeBigQuery, table: str) -> pa.Table:
    job = next(
        j for j in fake.state.jobs.values() if j.configuration["load"]["destinationTable"]["tableId"] == table
    )
    return pq.read_table(io.BytesIO(job.data))


def test_publishes_every_lake_table_with_load_jobs(
    bq_settings: Settings, fake_bigquery: FakeBigQuery
) -> None:
    report = publish(bq_settings, "bigquery")

    assert report.dataset == "offline-project.lake"
    assert [t.table for t in report.tables] == ["customers", "events", "images", "orders", "products"]
    assert fake_bigquery.state.datasets["offline-project.lake"]["location"] == "US"
    jobs = load_jobs(fake_bigquery)
    assert set(jobs) == {"customers", "events", "images", "orders", "products"}
    orders = jobs["orders"]
    assert orders["sourceFormat"] == "PARQUET"
    assert orders["writeDisposition"] == "WRITE_TRUNCATE"
    assert orders["timePartitioning"] == {"type": "MONTH", "field": "order_time"}
    assert orders["clustering"] == {"fields": ["customer_id", "product_id"]}
    assert orders["parquetOptions"]["enableListInference"] is True
    assert (
        orders["destinationTableProperties"]["description"]
        == f"lake.orders at DuckLake snapshot {report.snapshot}"
    )
    assert all(
        method != "PUT" for method, _ in fake_bigquery.state.requests
    )  # small files: multipart uploads


def test_nested_events_keep_their_shape(bq_settings: Settings, fake_bigquery: FakeBigQuery) -> None:
    publish(bq_settings, "bigquery", tables=["events"])
    fields = {f["name"]: f for f in load_jobs(fake_bigquery)["events"]["schema"]["fields"]}
    assert fields["items"]["type"] == "RECORD" and fields["items"]["mode"] == "REPEATED"
    assert [f["name"] for f in fields["items"]["fields"]] == ["product_id", "quantity", "price"]
    assert fields["device"]["type"] == "RECORD" and fields["consent"]["type"] == "RECORD"
    assert fields["event_time"]["type"] == fields["_ingested_at"]["type"] == "TIMESTAMP"
    assert uploaded_table(fake_bigquery, "events").num_rows == 24


def test_types_bigquery_cannot_load_are_converted(bq_settings: Settings, fake_bigquery: FakeBigQuery) -> None:
    publish(bq_settings, "bigquery", tables=["images"])
    fields = {f["name"]: f["type"] for f in load_jobs(fake_bigquery)["images"]["schema"]["fields"]}
    assert fields["exif"] == "STRING"  # JSON -> JSON text
    assert fields["taken_at"] == "TIMESTAMP"  # naive UTC timestamp -> UTC timestamp
    assert uploaded_table(fake_bigquery, "images").column("exif").to_pylist()[0] == "{}"


def test_all_tables_come_from_one_snapshot(bq_settings: Settings, fake_bigquery: FakeBigQuery) -> None:
    con = connect(bq_settings)
    try:
        row = con.execute("SELECT max(snapshot_id) FROM ducklake_snapshots('lake')").fetchone()
        assert row is not None
        before = int(row[0])
        con.execute(
            "INSERT INTO lake.customers SELECT * REPLACE (customer_id + 100 AS customer_id) FROM lake.customers"
        )
    finally:
        con.close()
    report = publish(
        bq_settings, "bigquery", tables=["customers"], snapshot=before, write_disposition="append"
    )
    assert report.snapshot == before
    assert uploaded_table(fake_bigquery, "customers").num_rows == 12
    assert load_jobs(fake_bigquery)["customers"]["writeDisposition"] == "WRITE_APPEND"


def test_cli_publish_json(lake_settings: Settings, fake_bigquery: FakeBigQuery) -> None:
    args = [
        "--home",
        str(lake_settings.home),
        "publish",
        "--target",
        "bigquery",
        "--table",
        "orders",
        "--json",
    ]
    result = CliRunner().invoke(cli, args, standalone_mode=False)
    assert result.exception is None, result.output
    data = json.loads(result.output)
    assert data["dataset"] == "offline-project.lake"
    assert data["tables"][0]["destination"] == "offline-project.lake.orders"
    assert data["tables"][0]["partition"] == "MONTH(order_time)"


def test_unknown_table_names_the_tables_there(bq_settings: Settings, fake_bigquery: FakeBigQuery) -> None:
    with pytest.raises(
        NotFoundError, match=r"no lake table refunds at snapshot \d+ \(tables there: customers, events"
    ):
        publish(bq_settings, "bigquery", tables=["refunds"])


def test_a_failed_load_job_is_one_error_naming_the_job(
    bq_settings: Settings, fake_bigquery: FakeBigQuery
) -> None:
    """BigQuery's own refusal (WRITE_EMPTY into a table that has rows) comes back as one LakehouseError."""
    publish(bq_settings, "bigquery", tables=["orders"])
    with pytest.raises(
        LakehouseError,
        match=r"BigQuery load job \S+ into offline-project\.lake\.orders failed: 409 offline-project\.lake\.orders exists",
    ):
        publish(bq_settings, "bigquery", tables=["orders"], write_disposition="empty")


def test_missing_project_is_a_settings_error(
    lake_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LAKEHOUSE_BQ_PROJECT", raising=False)
    with pytest.raises(SettingsError, match="no BigQuery project to publish to.*LAKEHOUSE_BQ_PROJECT"):
        publish(lake_settings, "bigquery")


def test_without_google_cloud_bigquery_says_what_to_install(
    lake_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import google.cloud

    monkeypatch.setitem(
        sys.modules, "google.cloud.bigquery", None
    )  # import now fails like when not installed
    monkeypatch.delattr(google.cloud, "bigquery", raising=False)
    with pytest.raises(
        MissingDependency,
        match=r"BigQuery support is not installed.*pip install 'lakehouse-toolkit\[bigquery\]'",
    ):
        publish(lake_settings, "bigquery", project="p")


def test_no_credentials_is_a_settings_error(lake_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("LAKEHOUSE_BQ_METHOD", "LAKEHOUSE_BQ_API_ENDPOINT", "GOOGLE_APPLICATION_CREDENTIALS"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("GCE_METADATA_HOST", "127.0.0.1:9")  # no metadata server either: fail fast, offline
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(lake_settings.home / "no-gcloud"))
    with pytest.raises(
        SettingsError, match="no Google credentials found for BigQuery.*gcloud auth application-default login"
    ):
        publish(lake_settings, "bigquery", project="p")


def test_a_list_of_lists_has_no_bigquery_type() -> None:
    field = pa.field("matrix", pa.list_(pa.list_(pa.int64())))
    with pytest.raises(InputError, match=r"events\.matrix: a list of lists .* has no BigQuery type"):
        field_spec(field, "events")


@pytest.mark.bigquery
def test_publish_to_real_bigquery(lake_settings: Settings) -> None:
    """Needs GOOGLE_APPLICATION_CREDENTIALS and LAKEHOUSE_BQ_PROJECT; loads into dataset lakehouse_test_lake."""
    settings = with_bigquery_environment(lake_settings)
    report = publish(settings, "bigquery", tables=["orders", "events"], dataset="lakehouse_test_lake")
    from google.cloud import bigquery

    client = bigquery.Client(project=os.environ["LAKEHOUSE_BQ_PROJECT"])
    table = client.get_table(f"{report.dataset}.orders")
    assert table.num_rows == report.tables[0].rows
    assert table.time_partitioning.field == "order_time"


def test_large_files_go_through_resumable_uploads(
    bq_settings: Settings, fake_bigquery: FakeBigQuery, monkeypatch: pytest.MonkeyPatch
) -> None:
    from google.cloud.bigquery import client

    monkeypatch.setattr(client, "_MAX_MULTIPART_SIZE", 0)  # every file counts as large
    report = publish(bq_settings, "bigquery", tables=["orders"])
    assert ("PUT", "/upload/bigquery/v2/projects/offline-project/jobs") in fake_bigquery.state.requests
    assert uploaded_table(fake_bigquery, "orders").num_rows == report.tables[0].rows == 30
