"""``quality check`` on the sample end to end: lake tables and the dbt-built warehouse model dim_customers."""

from __future__ import annotations

from pathlib import Path

import pytest

from lake import sample
from quality import check, latest_results
from tests.warehouse.conftest import isolated_settings
from tests.warehouse.sample_lake import land_sample
from warehouse.dbt import build

pytestmark = [pytest.mark.slow, pytest.mark.integration]


def test_sample_lake_and_warehouse_pass_their_suites(tmp_path: Path) -> None:
    settings = isolated_settings(tmp_path / "home")
    sample.generate(tmp_path / "sample", scale=0.2, seed=42)
    land_sample(settings, tmp_path / "sample")
    report = build(settings, select="+dim_customers", target_path=tmp_path / "target")
    assert report.success, report.summary()["errors"]

    results = {r.dataset: r for r in check(settings)}

    assert sorted(results) == ["customers", "dim_customers", "events", "images", "orders", "products"]
    critical = [
        (r.dataset, f.expectation, f.column, f.detail)
        for r in results.values()
        for f in r.failures
        if f.severity == "critical"
    ]
    assert critical == []
    assert latest_results(settings)["dim_customers"]["source"] == "check"
    # the only findings: orders and events of the customer rows ingest quarantined
    warnings = sorted((r.dataset, f.expectation, f.column) for r in results.values() for f in r.warnings)
    assert warnings == [
        ("events", "expect_column_values_to_be_in_set", "customer_id"),
        ("orders", "expect_column_values_to_be_in_set", "customer_id"),
    ]
