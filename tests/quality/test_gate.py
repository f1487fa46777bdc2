"""The ingest gate and the stored results: critical failures block, warnings pass and are recorded."""

from __future__ import annotations

import json

import duckdb

from lakehouse.gate import Gate, GateResult
from lakehouse.settings import Settings
from quality import describe_failures, gate_for, history, latest_results, record_ungated
from quality.results import load

from .conftest import create_table


def run_gate(settings: Settings, con: duckdb.DuckDBPyConnection, dataset: str, fixture: str) -> GateResult:
    create_table(con, "staged", fixture)
    gate: Gate = gate_for(settings)
    return gate(con, dataset, "staged")


def test_good_batch_passes_and_is_stored(settings: Settings, lake: duckdb.DuckDBPyConnection) -> None:
    result = run_gate(settings, lake, "orders", "orders.csv")
    assert result.passed and result.suite == "orders" and result.checks > 15
    assert result.failures == []
    assert result.result_path is not None and result.result_path.is_relative_to(settings.quality_dir)
    stored = load(result.result_path)
    assert stored.source == "ingest" and stored.engine == "gx" and stored.rows == 60


def test_broken_batch_is_blocked_with_counts_and_failing_values(
    settings: Settings, lake: duckdb.DuckDBPyConnection
) -> None:
    result = run_gate(settings, lake, "orders", "orders_broken.csv")
    assert not result.passed
    by_check = {(f.expectation, f.column): f for f in result.failures}
    duplicate = by_check[("expect_column_values_to_be_unique", "order_id")]
    assert duplicate.severity == "critical" and duplicate.unexpected_count == 2
    quantity = by_check[("expect_column_values_to_be_between", "quantity")]
    assert quantity.unexpected_count == 2 and sorted(quantity.examples) == [-3, 0]
    assert by_check[("expect_column_values_to_not_be_null", "order_id")].unexpected_count == 1
    assert by_check[("expect_column_values_to_be_in_set", "status")].examples == ["lost"]
    assert (
        by_check[("expect_table_columns_to_match_set", None)].detail
        == "missing column channel; unexpected column sales_channel"
    )
    assert result.failures[0].severity == "critical", "critical failures come first"
    lines = describe_failures(result)
    assert any(
        "critical expect_column_values_to_be_between(quantity): 2 of 20 rows unexpected; e.g." in line
        for line in lines
    )


def test_warning_failures_do_not_block(settings: Settings, lake: duckdb.DuckDBPyConnection) -> None:
    lake.execute("DELETE FROM lake.customers WHERE customer_id = (SELECT min(customer_id) FROM lake.orders)")
    result = run_gate(settings, lake, "orders", "orders.csv")
    assert result.passed
    assert [(w.expectation, w.column) for w in result.warnings] == [
        ("expect_column_values_to_be_in_set", "customer_id")
    ]
    summary = latest_results(settings)["orders"]
    assert summary["passed"] is True and summary["failed_warning"] == 1 and summary["failed_critical"] == 0


def test_referential_check_is_skipped_until_the_referenced_table_exists(
    settings: Settings, lake: duckdb.DuckDBPyConnection
) -> None:
    lake.execute("DROP TABLE lake.customers")
    lake.execute("BEGIN")  # ingest gates inside its commit transaction: a failed lookup would abort it
    result = run_gate(settings, lake, "orders", "orders.csv")
    lake.execute("COMMIT")
    full = run_gate(settings, lake, "products", "products.csv")
    assert result.passed and full.passed
    assert (
        result.checks
        == len(json.loads((settings.quality_suites_dir / "orders.json").read_text())["expectations"]) - 1
    )


def test_dataset_without_suite_is_not_validated(settings: Settings, lake: duckdb.DuckDBPyConnection) -> None:
    result = run_gate(settings, lake, "clickstream_v2", "orders.csv")
    assert result.suite is None and result.checks == 0 and result.passed
    assert "clickstream_v2" not in latest_results(settings)


def test_latest_results_keeps_history_and_records_ungated_batches(
    settings: Settings, lake: duckdb.DuckDBPyConnection
) -> None:
    run_gate(settings, lake, "orders", "orders_broken.csv")
    run_gate(settings, lake, "orders", "orders.csv")
    record_ungated(settings, "customers")
    latest = latest_results(settings)
    assert set(latest) == {"orders", "customers"}
    orders = latest["orders"]
    assert orders["passed"] is True and orders["source"] == "ingest" and orders["gated"] is True
    assert set(orders) >= {
        "dataset",
        "suite",
        "passed",
        "checks",
        "failed_critical",
        "failed_warning",
        "validated_at",
        "source",
        "gated",
    }
    assert latest["customers"]["gated"] is False and latest["customers"]["checks"] == 0
    older = history(settings, "orders")
    assert len(older) == 2 and load(older[1]).failed_critical > 0


def test_gate_result_is_the_contract_type(settings: Settings, lake: duckdb.DuckDBPyConnection) -> None:
    result = run_gate(settings, lake, "customers", "customers_broken.csv")
    assert isinstance(result, GateResult) and not result.passed
    columns = {f.column for f in result.failures if f.severity == "critical"}
    assert {"customer_id", "spending_score", "age", "email", None} <= columns


def test_sql_engine_gives_the_same_gate_result(settings: Settings, lake: duckdb.DuckDBPyConnection) -> None:
    create_table(lake, "staged", "orders_broken.csv")
    gx = gate_for(settings, engine="gx")(lake, "orders", "staged")
    sql = gate_for(settings, engine="sql")(lake, "orders", "staged")
    strip = [(f.expectation, f.column, f.severity, f.unexpected_count) for f in gx.failures]
    assert [(f.expectation, f.column, f.severity, f.unexpected_count) for f in sql.failures] == strip
