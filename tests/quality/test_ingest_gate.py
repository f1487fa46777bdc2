"""The gate at ingest, end to end through ``lake.ingest``: a broken batch is blocked and the table is unchanged.

The broken batch has null keys, a duplicate key, out-of-range values, a value outside its set and a renamed
column. Rejected rows go to ``lake._quarantine`` (a commit of its own), so the test compares the orders
table itself: same rows, and no change recorded for it after the last good batch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lake import BatchRejected, ingest
from lake.sample import generate
from lakehouse.connect import connect
from lakehouse.settings import Settings
from quality import gate_for, latest_results

from .conftest import FIXTURES


def orders_state(settings: Settings) -> tuple[int, list[tuple[Any, ...]]]:
    con = connect(settings, lake_read_only=True)
    try:
        snapshot = con.execute("SELECT max(snapshot_id) FROM ducklake_snapshots('lake')").fetchall()[0][0]
        rows = con.execute(
            "SELECT * EXCLUDE (_ingested_at, _batch_id, _source_uri, _source_line) FROM lake.orders ORDER BY ALL"
        ).fetchall()
    finally:
        con.close()
    return int(snapshot), rows


def orders_changes_since(settings: Settings, snapshot: int) -> int:
    con = connect(settings, lake_read_only=True)
    try:
        current = con.execute("SELECT max(snapshot_id) FROM ducklake_snapshots('lake')").fetchall()[0][0]
        if current == snapshot:
            return 0
        query = "SELECT count(*) FROM ducklake_table_changes('lake', 'main', 'orders', ?, ?)"
        return int(con.execute(query, [snapshot + 1, current]).fetchall()[0][0])
    finally:
        con.close()


def test_broken_batch_is_blocked_and_leaves_the_lake_unchanged(settings: Settings) -> None:
    gate = gate_for(settings)
    for dataset in ("customers", "products", "orders"):
        report = ingest(settings, [FIXTURES / f"{dataset}.csv"], dataset, gate=gate)
        assert report.committed and report.gate is not None and report.gate.passed, report.gate
    before_snapshot, before_rows = orders_state(settings)

    with pytest.raises(
        BatchRejected,
        match=r"quality gate rejected batch .* for lake.orders: .*expect_column_values_to_be_unique\(order_id\)",
    ) as rejected:
        ingest(settings, [FIXTURES / "orders_broken.csv"], "orders", gate=gate)

    result = rejected.value.report.gate
    assert result is not None and not result.passed
    failed = {(f.expectation, f.column) for f in result.failures if f.severity == "critical"}
    # the lake evolves the table for the renamed column: the batch has sales_channel, and channel is empty
    assert ("expect_table_columns_to_match_set", None) in {(f.expectation, f.column) for f in result.warnings}
    assert {
        ("expect_column_values_to_not_be_null", "channel"),
        ("expect_column_values_to_not_be_null", "order_id"),
        ("expect_column_values_to_be_unique", "order_id"),
        ("expect_column_values_to_be_between", "quantity"),
        ("expect_column_values_to_be_between", "discount"),
        ("expect_column_values_to_be_in_set", "status"),
    } <= failed
    after_snapshot, after_rows = orders_state(settings)
    assert after_rows == before_rows
    assert orders_changes_since(settings, before_snapshot) == 0
    summary = latest_results(settings)["orders"]
    assert summary["source"] == "ingest" and summary["passed"] is False and summary["failed_critical"] >= 6


def test_sample_data_lands_through_the_gate(settings: Settings, tmp_path: Path) -> None:
    """CI: every sample dataset passes its suite at ingest (the bad records are quarantined by ingest)."""
    sample = tmp_path / "sample"
    generate(sample, scale=0.2, seed=42)
    gate = gate_for(settings)
    for dataset in ("customers", "products", "orders", "events", "images"):
        report = ingest(settings, [sample / dataset], dataset, gate=gate)
        assert report.committed, [f for f in report.gate.failures] if report.gate else report
        assert report.gate is not None and report.gate.suite == dataset and report.gate.passed
    latest = latest_results(settings)
    assert sorted(latest) == ["customers", "events", "images", "orders", "products"]
    assert all(s["failed_critical"] == 0 and s["source"] == "ingest" for s in latest.values())
