"""The BigQuery target, offline: `dbt parse` passes, and SQL compiled for BigQuery is BigQuery SQL.

There is no BigQuery here. `dbt compile --target bigquery` talks to tests/warehouse/bigquery_fake.py, a local
HTTP endpoint that answers BigQuery's REST calls (dataset/table listings) - it checks nothing about the SQL.
The SQL check is warehouse.dbt.bigquery_check (sqlglot's BigQuery parser plus DuckDB-only denylists); the
DuckDB target's compiled SQL is the negative control that proves the check can fail.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from lakehouse.settings import Settings
from tests.warehouse.bigquery_fake import FakeBigQuery
from tests.warehouse.conftest import with_bigquery_environment
from warehouse.dbt import run_dbt
from warehouse.dbt.bigquery_check import check_bigquery_sql, check_manifest, compiled_nodes

pytestmark = pytest.mark.integration


@pytest.fixture
def bigquery_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeBigQuery]:
    fake = FakeBigQuery()
    with fake:
        monkeypatch.setenv("LAKEHOUSE_BQ_API_ENDPOINT", fake.endpoint)
        monkeypatch.setenv("LAKEHOUSE_BQ_METHOD", "oauth-secrets")
        monkeypatch.setenv("LAKEHOUSE_BQ_TOKEN", "offline-test-token")
        monkeypatch.setenv("LAKEHOUSE_BQ_PROJECT", "offline-project")
        yield fake


def compiled(manifest: Path, name: str) -> str:
    nodes = json.loads(manifest.read_text(encoding="utf-8"))["nodes"]
    return next(n["compiled_code"] for n in nodes.values() if n["name"] == name)


def test_parse_bigquery_target_offline(
    lake_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ("LAKEHOUSE_BQ_PROJECT", "LAKEHOUSE_BQ_API_ENDPOINT", "GOOGLE_APPLICATION_CREDENTIALS"):
        monkeypatch.delenv(var, raising=False)
    report = run_dbt(lake_settings, "parse", target="bigquery", target_path=tmp_path)
    assert report.success
    nodes = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))["nodes"]
    assert sum(1 for n in nodes.values() if n["resource_type"] == "model") >= 13


def test_compiled_bigquery_sql_is_bigquery_sql(
    lake_settings: Settings, tmp_path: Path, bigquery_env: FakeBigQuery
) -> None:
    settings = with_bigquery_environment(lake_settings)
    report = run_dbt(settings, "compile", target="bigquery", target_path=tmp_path)
    assert report.success, report.summary()
    manifest = tmp_path / "manifest.json"
    assert compiled_nodes(manifest) >= 80  # models and tests
    assert check_manifest(manifest) == []
    items = compiled(manifest, "stg_event_items")
    assert "cross join unnest(e.items) as item with offset as item_offset" in items
    assert "`offline-project`.`lake`.`events`" in items  # the dataset `lakehouse publish` loads
    features = compiled(manifest, "customer_features")
    assert "safe_divide(" in features and "float64" in features
    assert (
        "GET",
        "/bigquery/v2/projects/offline-project/datasets/marts/tables",
    ) in bigquery_env.state.requests


def test_duckdb_compiled_sql_fails_the_check(lake_settings: Settings, tmp_path: Path) -> None:
    """Negative control: the same models compiled for DuckDB use DuckDB-only SQL, and the check says where."""
    selection = ["--select", "stg_event_items", "stg_images", "int_customer_events", "customer_features"]
    report = run_dbt(lake_settings, "compile", *selection, target="dev", target_path=tmp_path)
    assert report.success, report.summary()
    problems = [str(p) for p in check_manifest(tmp_path / "manifest.json")]
    text = "\n".join(problems)
    assert "stg_event_items: does not parse as BigQuery SQL" in text  # WITH ORDINALITY
    assert "parse_filename()" in text
    assert "count_if()" in text
    assert "DuckDB-only type DOUBLE" in text


@pytest.mark.parametrize(
    ("sql", "problem"),
    [
        ("select * from read_parquet('lake/*.parquet')", r"DuckDB-only function read_parquet\(\)"),
        ("select x::int from t", r"'::' cast"),
        ("select count(*) filter (where x > 1) from t", "FILTER"),
        ("select len(items) from t", r"len\(\) \(BigQuery: ARRAY_LENGTH"),
        ("select cast(x as varchar) from t", "DuckDB-only type VARCHAR"),
        ("select cast(x as hugeint) from t", "DuckDB-only type HUGEINT"),
        ("select {'a': 1} as s", "struct literal"),
        ("select name from t where name ilike 'a%'", "ILIKE"),
        ("select strftime(ts, '%Y') from t", "FORMAT_TIMESTAMP"),
        ("select my_udf(x) from t", r"unknown function my_udf\(\)"),
        (
            "select * from t cross join unnest(t.xs) with ordinality as u(x, i)",
            "does not parse as BigQuery SQL",
        ),
        ("select date_part('year', ts) from t", "EXTRACT"),
    ],
)
def test_check_rejects_duckdb_sql(sql: str, problem: str) -> None:
    problems = check_bigquery_sql(sql, "model.x")
    assert problems, sql
    assert any(re.search(problem, str(p)) for p in problems), problems


@pytest.mark.parametrize(
    "sql",
    [
        "select safe_divide(a, b), countif(a > 1), cast(x as float64), cast(y as string) from `p.d.t`",
        "select item.product_id, off from t cross join unnest(t.items) as item with offset as off",
        "select regexp_extract(uri, r'[^/]+$') as text_value, date_diff(a, b, day) from t",
        "select * except (a) from t qualify row_number() over (partition by k order by ts desc) = 1",
        "select cast(x as numeric), cast(y as bigint), array_length(xs), struct(1 as a) from t",
    ],
)
def test_check_accepts_bigquery_sql(sql: str) -> None:
    assert check_bigquery_sql(sql) == []


@pytest.mark.bigquery
def test_build_on_real_bigquery(
    lake_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Needs GOOGLE_APPLICATION_CREDENTIALS and LAKEHOUSE_BQ_PROJECT: publishes the fixture lake to dataset
    lakehouse_test_lake, then runs every model and test there in datasets prefixed lakehouse_test_."""
    from warehouse.publish import publish

    monkeypatch.setenv("LAKEHOUSE_BQ_METHOD", "service-account")
    monkeypatch.setenv("LAKEHOUSE_BQ_KEYFILE", os.environ["GOOGLE_APPLICATION_CREDENTIALS"])
    monkeypatch.setenv("LAKEHOUSE_BQ_LAKE_DATASET", "lakehouse_test_lake")
    monkeypatch.setenv("LAKEHOUSE_BQ_DATASET", "lakehouse_test")
    settings = with_bigquery_environment(lake_settings)
    publish(settings, "bigquery")
    report = run_dbt(
        settings,
        "build",
        "--vars",
        "{schema_prefix: lakehouse_test_}",
        target="bigquery",
        target_path=tmp_path,
    )
    assert report.success, report.summary()["errors"]
    assert report.models_built >= 13


def write_manifest(path: Path, sql: str | None) -> Path:
    node = {"resource_type": "model", "name": "m", "compiled_code": sql}
    path.write_text(json.dumps({"nodes": {"model.lakehouse.m": node}}), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("sql", "exit_code", "expected"),
    [
        ("select countif(x > 1) from `p.d.t`", 0, '"problems": []'),
        ("select count_if(x > 1) from t", 1, "DuckDB-only function count_if()"),
        (None, 2, "holds no compiled SQL"),
    ],
)
def test_check_bigquery_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], sql: str | None, exit_code: int, expected: str
) -> None:
    from lakehouse.cli import main

    manifest = write_manifest(tmp_path / "manifest.json", sql)
    with pytest.raises(SystemExit) as exited:
        main(["dbt", "check-bigquery", "--manifest", str(manifest), "--json"])
    assert exited.value.code == exit_code
    captured = capsys.readouterr()
    assert expected in captured.out + captured.err
