"""dbt build on the generated sample (scale 1), landed as the ingest contract describes. The bar: every test
passes; the only finding is the warning about orders whose customer row was quarantined."""

from __future__ import annotations

from pathlib import Path

import pytest

from lake import sample
from lakehouse.connect import connect
from tests.warehouse.conftest import isolated_settings
from tests.warehouse.sample_lake import land_sample
from warehouse.dbt import build

pytestmark = [pytest.mark.slow, pytest.mark.integration]


def test_build_on_the_sample_passes(tmp_path: Path) -> None:
    settings = isolated_settings(tmp_path / "home")
    sample.generate(tmp_path / "sample", scale=1.0, seed=42)
    land_sample(settings, tmp_path / "sample")

    report = build(settings, target_path=tmp_path / "target")

    assert report.success, report.summary()["errors"]
    assert report.tests_failed == 0
    assert [n.name for n in report.nodes if n.status == "warn"] == [
        "relationships_stg_orders_customer_id__customer_id__ref_stg_customers_"
    ]
    con = connect(settings, database=settings.warehouse_file, read_only=True, lake_read_only=True)
    try:
        landed = con.execute("SELECT count(*) FROM lake.customers").fetchone()
        assert con.execute("SELECT count(*) FROM marts.customer_features").fetchone() == landed
        inferred = con.execute("SELECT count(*) FROM marts.dim_customers WHERE is_inferred").fetchone()
        assert (
            inferred is not None and 1 <= inferred[0] <= 2
        )  # the two quarantined customer rows, if they ordered
        segments = con.execute(
            "SELECT min(annual_income), max(annual_income), min(spending_score), max(spending_score)"
            " FROM marts.customer_features"
        ).fetchone()
        assert segments is not None and segments[0] > 0 and segments[2] >= 1 and segments[3] <= 100
    finally:
        con.close()
