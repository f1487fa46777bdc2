"""dbt build on the DuckDB target against a real DuckLake lake (fixture tables shaped like lake.ingest's)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest

from lakehouse.connect import connect
from lakehouse.errors import NotFoundError, UsageError
from lakehouse.progress import ProgressEvent
from lakehouse.settings import Settings
from tests.warehouse.conftest import isolated_settings
from tests.warehouse.lake_fixture import build_fixture_lake
from warehouse.dbt import DbtReport, build, run_dbt

pytestmark = pytest.mark.integration

WAREHOUSE_MODELS = {
    "stg_customers", "stg_products", "stg_orders", "stg_events", "stg_event_items", "stg_images",
    "int_customer_orders", "int_customer_events",
    "fct_orders", "dim_customers", "dim_products", "customer_features", "image_inventory",
}  # fmt: skip
#: the columns the ML models read from customer_features (a contract with warehouse/ml and models/ml)
FEATURE_CONTRACT = (
    "customer_id",
    "annual_income",
    "spending_score",
    "age",
    "order_count",
    "total_spend",
    "event_count",
)


@pytest.fixture(scope="module")
def built(
    lake_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> tuple[DbtReport, list[ProgressEvent]]:
    events: list[ProgressEvent] = []
    target = tmp_path_factory.mktemp("dbt-target")
    report = build(lake_settings, progress=events.append, target_path=target)
    return report, events


def query(settings: Settings, sql: str) -> list[tuple[Any, ...]]:
    con = connect(settings, database=settings.warehouse_file, read_only=True, lake_read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_build_passes_every_model_and_test(built: tuple[DbtReport, list[ProgressEvent]]) -> None:
    report, _ = built
    assert report.success, report.summary()["errors"]
    built_models = {n.name for n in report.nodes if n.resource_type == "model" and n.status == "success"}
    assert built_models >= WAREHOUSE_MODELS
    tests = [n for n in report.nodes if n.resource_type == "test"]
    assert len(tests) >= 50  # every test of the project ran
    assert report.tests_failed == 0 and report.tests_passed + report.tests_warned == len(tests)
    assert report.manifest is not None and report.manifest.exists()


def test_report_splits_startup_from_sql_time(built: tuple[DbtReport, list[ProgressEvent]]) -> None:
    report, _ = built
    assert report.startup_seconds > 0 and report.sql_seconds > 0
    assert report.startup_seconds + report.sql_seconds == pytest.approx(report.seconds)


def test_progress_counts_every_node(built: tuple[DbtReport, list[ProgressEvent]]) -> None:
    report, events = built
    assert events[-1].done == len(report.nodes) == events[-1].total
    assert {e.task for e in events} == {"dbt build"}


def test_models_land_in_their_schemas(built: object, lake_settings: Settings) -> None:
    rows = query(
        lake_settings,
        "SELECT table_schema, table_name FROM information_schema.tables WHERE table_catalog = 'warehouse'",
    )
    schemas = {name: schema for schema, name in rows}
    assert schemas["stg_orders"] == "staging"
    assert schemas["int_customer_orders"] == "intermediate"
    assert schemas["fct_orders"] == schemas["customer_features"] == schemas["image_inventory"] == "marts"


def test_customer_features_has_one_numeric_row_per_customer(built: object, lake_settings: Settings) -> None:
    rows = query(
        lake_settings,
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'customer_features'",
    )
    types = dict(rows)
    assert set(FEATURE_CONTRACT) <= set(types)
    assert all(t in ("INTEGER", "BIGINT", "DOUBLE", "HUGEINT") for name, t in types.items()), types
    counts = query(lake_settings, "SELECT count(*), count(DISTINCT customer_id) FROM marts.customer_features")
    assert counts == query(lake_settings, "SELECT count(*), count(*) FROM lake.customers")
    never_ordered = query(
        lake_settings,
        "SELECT order_count, total_spend, days_since_last_order FROM marts.customer_features WHERE customer_id = 12",
    )
    assert never_ordered == [(0, 0.0, None)]


def test_events_are_flattened_and_items_unnested(built: object, lake_settings: Settings) -> None:
    items = query(lake_settings, "SELECT sum(len(items)) FROM lake.events")[0][0]
    assert query(lake_settings, "SELECT count(*) FROM staging.stg_event_items")[0][0] == items
    positions = query(
        lake_settings, "SELECT max(item_position), min(item_position) FROM staging.stg_event_items"
    )[0]
    assert positions[1] == 1 and positions[0] >= 2
    consent = query(
        lake_settings,
        "SELECT month(event_time) >= 4 AS changed, count(consent_marketing) FROM staging.stg_events GROUP BY ALL ORDER BY 1",
    )
    assert consent[0] == (False, 0) and consent[1][1] > 0  # the form gained consent in April


def test_image_inventory_links_pictures_to_products(built: object, lake_settings: Settings) -> None:
    rows = query(
        lake_settings,
        "SELECT file_name, product_id, has_gps FROM marts.image_inventory ORDER BY file_name",
    )
    assert rows[0] == ("product_00001.jpg", 1, True)
    assert query(lake_settings, "SELECT has_image FROM marts.dim_products WHERE product_id = 6") == [(False,)]


def test_incremental_fct_orders_merges_only_new_orders(
    built: object, lake_settings: Settings, tmp_path: Path
) -> None:
    con = connect(lake_settings)
    try:
        con.execute(
            "INSERT INTO lake.orders SELECT 1000 + order_id, customer_id, product_id, order_time, quantity, unit_price,"
            " discount, status, channel, _source_uri, _source_line, 'fixture-2', TIMESTAMPTZ '2026-08-01 00:00:00+00'"
            " FROM lake.orders WHERE order_id <= 3"
        )
        con.execute(  # a re-delivered order replaces its earlier version
            "INSERT INTO lake.orders SELECT order_id, customer_id, product_id, order_time, quantity, unit_price,"
            " discount, 'returned', channel, _source_uri, _source_line, 'fixture-2', TIMESTAMPTZ '2026-08-01 00:00:00+00'"
            " FROM lake.orders WHERE order_id = 5"
        )
    finally:
        con.close()
    warehouse = connect(lake_settings, database=lake_settings.warehouse_file, lake=False)
    warehouse.execute("UPDATE marts.fct_orders SET product_brand = 'untouched' WHERE order_id = 10")
    warehouse.close()
    report = build(lake_settings, select="+fct_orders", target_path=tmp_path)
    assert report.success, report.summary()["errors"]
    assert {n.name for n in report.nodes if n.resource_type == "model"} == {
        "stg_orders",
        "stg_products",
        "fct_orders",
    }
    rows = query(lake_settings, "SELECT count(*), count(DISTINCT order_id) FROM marts.fct_orders")
    assert rows == [(33, 33)]
    assert query(lake_settings, "SELECT status FROM marts.fct_orders WHERE order_id = 5") == [("returned",)]
    # an incremental run: rows ingested before the last build were not rebuilt
    assert query(lake_settings, "SELECT product_brand FROM marts.fct_orders WHERE order_id = 10") == [
        ("untouched",)
    ]


def test_the_lake_is_read_only_inside_dbt(built: object, lake_settings: Settings, tmp_path: Path) -> None:
    from warehouse.dbt_plugin import Plugin

    plugin = Plugin("lakehouse", {"home": str(lake_settings.home)})
    con = duckdb.connect(str(tmp_path / "w.duckdb"), config={"autoinstall_known_extensions": False})
    try:
        plugin.configure_connection(con)
        assert con.execute("SELECT count(*) FROM lake.customers").fetchone() == (12,)
        with pytest.raises(duckdb.Error, match="read-only"):
            con.execute("DELETE FROM lake.customers")
    finally:
        con.close()


def test_build_without_a_lake_says_what_to_do(tmp_path: Path) -> None:
    settings = isolated_settings(tmp_path / "empty")
    with pytest.raises(NotFoundError, match=r"lake at .*metadata.sqlite does not exist yet.*lakehouse demo"):
        build(settings)


def test_build_names_the_missing_lake_tables(tmp_path: Path) -> None:
    settings = isolated_settings(tmp_path / "partial")
    con = connect(settings)
    con.execute("CREATE TABLE lake.customers (customer_id BIGINT)")
    con.close()
    with pytest.raises(
        NotFoundError, match=r"no table lake\.events, lake\.images, lake\.orders, lake\.products \(declared"
    ):
        build(settings, target_path=tmp_path / "target")


def test_unknown_target_is_a_usage_error(lake_settings: Settings) -> None:
    with pytest.raises(UsageError, match="unknown dbt target 'prod'.*dev, bigquery"):
        run_dbt(lake_settings, "parse", target="prod")


def test_every_model_and_column_is_described(
    built: tuple[DbtReport, list[ProgressEvent]], lake_settings: Settings
) -> None:
    report, _ = built
    assert report.manifest is not None
    manifest = json.loads(report.manifest.read_text(encoding="utf-8"))
    models = [
        n
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and n["name"] in WAREHOUSE_MODELS
    ]
    assert len(models) == len(WAREHOUSE_MODELS)
    for node in models:
        assert node["description"].strip(), node["name"]
        documented = {name for name, column in node["columns"].items() if column["description"].strip()}
        actual = {row[0] for row in query(lake_settings, f"DESCRIBE {node['schema']}.{node['alias']}")}
        assert actual == documented, (node["name"], actual ^ documented)
    for source in manifest["sources"].values():
        assert source["description"].strip() and all(
            c["description"].strip() for c in source["columns"].values()
        )


def test_a_failing_test_is_reported_not_raised(tmp_path: Path) -> None:
    settings = isolated_settings(tmp_path / "home")
    build_fixture_lake(settings)
    con = connect(settings)
    # a negative discount slipped past the gate (say, ingested with --no-gate): net exceeds gross
    con.execute(
        "UPDATE lake.orders SET discount = -0.5 WHERE order_id = (SELECT min(order_id) FROM lake.orders)"
    )
    con.close()
    report = build(settings, select="stg_orders", target_path=tmp_path / "target")
    assert not report.success
    assert report.models_built == 1 and report.tests_failed == 1
    [failed] = report.errors
    assert failed.name.startswith("expression_is_true_stg_orders")
    assert failed.failures == 1
