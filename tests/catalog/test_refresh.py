"""Refresh from a real DuckLake lake: columns, stats, PII, lineage, freshness, schema history, show."""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import catalog
from lakehouse.connect import connect
from lakehouse.errors import NotFoundError, UsageError
from lakehouse.settings import Settings

CUSTOMERS = """
CREATE TABLE lake.customers AS
SELECT i AS customer_id,
       'user' || i || '@example.com' AS email,
       CASE WHEN i % 5 = 0 THEN NULL ELSE 'gold' END AS loyalty_tier,
       DATE '1970-01-01' + CAST(i * 97 AS INTEGER) AS birth_date,
       'customers/customers.csv' AS _source_uri, i + 2 AS _source_line, 'b1' AS _batch_id, now() AS _ingested_at
FROM range(40) t(i)
"""
ORDERS = """
CREATE TABLE lake.orders AS
SELECT i AS order_id, i % 40 AS customer_id, 'orders/orders-' || (i % 2) || '.csv' AS _source_uri
FROM range(100) t(i)
"""


@pytest.fixture
def lake(settings: Settings) -> Settings:
    con = connect(settings)
    for sql in (CUSTOMERS, ORDERS, "ALTER TABLE lake.orders ADD COLUMN channel VARCHAR",
                "CREATE TABLE lake._quarantine AS SELECT 'x' AS reason",
                "CREATE TABLE lake._schema_changes AS SELECT 'orders' AS dataset, 3 AS snapshot_id, 'added' AS change,"
                " 'channel' AS column_name, 'new field in orders-1.csv' AS detail",
                "COMMENT ON TABLE lake.customers IS 'Customers from the CRM export'"):  # fmt: skip
        con.execute(sql)
    con.close()
    return settings


def test_refresh_reads_the_lake(lake: Settings) -> None:
    report = catalog.refresh(lake, metadata_file=Path("/nonexistent"))
    assert report.sources == {"lake": 2, "dbt": 0, "ml": 0}
    assert report.datasets == 2 and report.pii_columns == 2  # email, birth_date
    assert report.lineage_edges == 3  # one customers file, two orders files
    info = catalog.show(lake, "customers")
    d = info.dataset
    assert (d.name, d.kind, d.layer, d.row_count) == ("lake.customers", "table", "raw", 40)
    assert d.description == "Customers from the CRM export"
    assert d.updated_at is not None and d.snapshot_id is not None
    cols = {c.name: c for c in d.columns}
    assert cols["loyalty_tier"].stats.null_fraction == pytest.approx(0.2)
    assert cols["customer_id"].stats.min == "0" and cols["customer_id"].stats.max == "39"
    assert cols["loyalty_tier"].stats.top_values == ("gold",)
    assert cols["email"].pii is not None and cols["email"].pii.kind == "email"
    assert (
        cols["email"].stats.min is None and cols["email"].stats.top_values == ()
    )  # no PII values in the catalog
    assert cols["birth_date"].pii is not None and cols["birth_date"].pii.kind == "date_of_birth"
    assert [e.upstream for e in info.upstream] == ["file:customers/customers.csv"]
    assert (
        info.example_query
        == "SELECT customer_id, email, loyalty_tier, birth_date FROM lake.customers LIMIT 10"
    )


def test_schema_history_from_ducklake_and_ingest_records(lake: Settings) -> None:
    catalog.refresh(lake, metadata_file=Path("/nonexistent"))
    history = catalog.show(lake, "lake.orders").schema_history
    changes = [(h.change, h.column, h.source) for h in history]
    assert changes[0] == ("created", None, "ducklake")
    assert ("added", "channel", "ducklake") in changes
    assert ("added", "channel", "ingest") in changes


def test_internal_tables_are_not_catalogued(lake: Settings) -> None:
    catalog.refresh(lake, metadata_file=Path("/nonexistent"))
    with pytest.raises(NotFoundError, match="no dataset '_quarantine' in the catalog"):
        catalog.show(lake, "_quarantine")
    assert catalog.search(lake, "quarantine").hits == ()


def test_show_suggests_names(lake: Settings) -> None:
    catalog.refresh(lake, metadata_file=Path("/nonexistent"))
    with pytest.raises(NotFoundError, match=r"no dataset 'customer' .*did you mean"):
        catalog.show(lake, "customer")


def test_show_before_any_refresh(settings: Settings) -> None:
    with pytest.raises(NotFoundError, match="the catalog is empty"):
        catalog.show(settings, "orders")
    assert catalog.search(settings, "orders").warnings[-1].startswith("the catalog is empty")


@dataclass
class FakeFile:
    source_uri: str


@dataclass
class Report:
    """The small protocol register_ingest reads; the ingest helper's report has more fields."""

    dataset: str
    snapshot_id: int | None
    files: list[FakeFile]
    original_names: dict[str, str] = field(default_factory=dict)


def test_register_ingest_updates_one_dataset(lake: Settings) -> None:
    catalog.refresh(lake, metadata_file=Path("/nonexistent"))
    con = connect(lake)
    con.execute(
        "INSERT INTO lake.orders (order_id, customer_id, _source_uri) SELECT 1000 + i, 1, 'orders/orders-9.csv' FROM range(5) t(i)"
    )
    con.close()
    report = Report("orders", None, [FakeFile("orders/orders-9.csv")], {"order_id": "Order ID"})
    catalog.register_ingest(lake, report, metadata_file=Path("/nonexistent"))
    info = catalog.show(lake, "orders")
    assert info.dataset.row_count == 105
    assert "file:orders/orders-9.csv" in {e.upstream for e in info.upstream}
    assert {c.name: c.original_name for c in info.dataset.columns}["order_id"] == "Order ID"
    assert catalog.search(lake, '"Order ID"').hits[0].name == "lake.orders"
    assert catalog.show(lake, "customers").dataset.row_count == 40  # untouched
    catalog.refresh(lake, metadata_file=Path("/nonexistent"))  # original names survive a full refresh
    assert {c.name: c.original_name for c in catalog.show(lake, "orders").dataset.columns}[
        "order_id"
    ] == "Order ID"


def test_quality_status_from_the_quality_package(lake: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """A stand-in ``quality`` module (the real one is built in parallel) exercising the documented contract."""
    module = types.ModuleType("quality")
    module.latest_results = lambda settings: {  # type: ignore[attr-defined]
        "orders": {
            "passed": False,
            "checks": 7,
            "failed_critical": 1,
            "failed_warning": 2,
            "validated_at": "2026-01-02T03:04:05Z",
        },
        "lake.customers": {
            "passed": True,
            "checks": 5,
            "failed_critical": 0,
            "failed_warning": 0,
            "validated_at": None,
        },
    }
    monkeypatch.setitem(sys.modules, "quality", module)
    catalog.refresh(lake, metadata_file=Path("/nonexistent"))
    q = catalog.show(lake, "orders").dataset.quality
    assert q is not None and (q.label, q.checks, q.failed_warning) == ("failing", 7, 2)
    assert [h.name for h in catalog.search(lake, "quality=failing").hits] == ["lake.orders"]
    assert [h.name for h in catalog.search(lake, "quality=passing").hits] == ["lake.customers"]


def test_a_failing_quality_package_does_not_break_refresh(
    lake: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = types.ModuleType("quality")

    def broken(settings: Settings) -> dict:
        raise RuntimeError("results folder unreadable")

    module.latest_results = broken  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "quality", module)
    report = catalog.refresh(lake, metadata_file=Path("/nonexistent"))
    assert report.warnings == (
        "quality status skipped: quality.latest_results failed (RuntimeError: results folder unreadable)",
    )


def test_business_metadata_from_yaml(lake: Settings, tmp_path: Path) -> None:
    meta = tmp_path / "metadata.yml"
    meta.write_text("datasets:\n  orders:\n    description: Every order line\n    owner: sales\n    tags: [revenue]\n"
                    "    columns:\n      channel: {description: \"web, app or store\"}\n")  # fmt: skip
    catalog.refresh(lake, metadata_file=meta)
    d = catalog.show(lake, "orders").dataset
    assert (d.description, d.owner, d.tags) == ("Every order line", "sales", ("revenue",))
    assert [h.name for h in catalog.search(lake, "owner:sales").hits] == ["lake.orders"]
    assert catalog.search(lake, "description:store").hits[0].matching_columns[0].name == "channel"


def test_ambiguous_short_name(lake: Settings) -> None:
    con = connect(lake)
    con.execute("CREATE SCHEMA lake.archive")
    con.execute("CREATE TABLE lake.archive.orders AS SELECT 1 AS order_id")
    con.close()
    catalog.refresh(lake, metadata_file=Path("/nonexistent"))
    with pytest.raises(
        UsageError, match=r"'orders' names several datasets: lake.archive.orders, lake.orders"
    ):
        catalog.show(lake, "orders")
    assert catalog.show(lake, "lake.archive.orders").dataset.row_count == 1


def test_search_over_an_index_of_an_older_version_says_to_refresh(settings: Settings) -> None:
    (settings.catalog_dir / "search-v1").mkdir(parents=True)
    assert catalog.search(settings, "orders").warnings[-1] == (
        "its search index is from an older version: run `lakehouse catalog refresh`"
    )
