"""``quality.check`` on lake tables and warehouse models, Data Docs and suggested suites."""

from __future__ import annotations

import json

import duckdb
import pytest

from lakehouse.connect import connect
from lakehouse.errors import NotFoundError
from lakehouse.settings import Settings
from quality import build_docs, check, history, latest_page, latest_results, page_file, suggest
from quality.suites import parse_suite

from .conftest import create_table


def test_check_validates_every_lake_table_with_a_suite(
    settings: Settings, lake: duckdb.DuckDBPyConnection
) -> None:
    lake.close()
    events: list[str] = []
    results = check(settings, progress=lambda e: events.append(e.message))
    assert [r.dataset for r in results] == [
        "customers",
        "events",
        "orders",
        "products",
    ]  # no images table, no warehouse
    assert all(r.passed for r in results), [f for r in results for f in r.failures]
    assert {s["source"] for s in latest_results(settings).values()} == {"check"}
    assert "customers" in events


def test_check_of_a_broken_table_fails(settings: Settings, lake: duckdb.DuckDBPyConnection) -> None:
    create_table(lake, "lake.orders", "orders_broken.csv")
    lake.close()
    [result] = check(settings, ["orders"])
    assert not result.passed
    assert latest_results(settings)["orders"]["failed_critical"] >= 5


def test_named_dataset_without_table_is_an_error(settings: Settings, lake: duckdb.DuckDBPyConnection) -> None:
    lake.close()
    with pytest.raises(NotFoundError, match=r"lake.images does not exist \(suite images\)"):
        check(settings, ["images"])


def test_check_validates_warehouse_models(settings: Settings, lake: duckdb.DuckDBPyConnection) -> None:
    lake.close()
    warehouse = connect(settings, database=settings.warehouse_file)
    warehouse.execute("CREATE SCHEMA marts")
    warehouse.execute(
        "CREATE TABLE marts.dim_customers AS SELECT c.*, count(o.order_id) AS order_count, "
        "coalesce(sum(o.quantity * o.unit_price), 0) AS lifetime_spend, min(o.order_time)::DATE AS first_order_date "
        "FROM lake.customers c LEFT JOIN lake.orders o USING (customer_id) GROUP BY ALL"
    )
    warehouse.close()
    [result] = check(settings, ["dim_customers"])
    assert result.suite == "dim_customers" and result.passed, result.failures


def test_data_docs_show_suites_and_results(settings: Settings, lake: duckdb.DuckDBPyConnection) -> None:
    lake.close()
    check(settings, ["orders"])
    index = build_docs(settings)
    assert index.name == "index.html" and index.is_relative_to(settings.quality_dir)
    site = index.parent
    assert (site / "expectations" / "orders.html").is_file()
    pages = list((site / "validations" / "orders").rglob("*.html"))
    page = pages[0].read_text(encoding="utf-8")
    assert "values must be unique." in page and "order_id" in page


def test_data_docs_name_the_newest_validation_page_and_serve_only_their_site(
    settings: Settings, lake: duckdb.DuckDBPyConnection
) -> None:
    lake.close()
    assert latest_page(settings, "orders") is None  # no docs built yet
    check(settings, ["orders"])
    check(settings, ["orders"])
    index = build_docs(settings)
    page = latest_page(settings, "orders")
    assert page is not None and page.validated_at == latest_results(settings)["orders"]["validated_at"]
    assert page_file(settings, page.path) == (index.parent / page.path).resolve()
    assert page.path.startswith("validations/orders/") and len(history(settings, "orders")) == 2
    assert "order_id" in page_file(settings, page.path).read_text(encoding="utf-8")
    (index.parent / "escape.html").symlink_to(settings.home.parent / "outside.html")
    (settings.home.parent / "outside.html").write_text("secret", encoding="utf-8")
    for outside in ("../../../../catalog/catalog.sqlite", "escape.html", "/etc/passwd", "nothing.html"):
        with pytest.raises(NotFoundError, match="no Data Docs file"):
            page_file(settings, outside)


def test_suggested_suite_is_valid_and_passes_on_the_profiled_table(
    settings: Settings, lake: duckdb.DuckDBPyConnection
) -> None:
    lake.close()
    path = suggest(settings, "orders", out=settings.home / "orders_draft.json")
    draft = parse_suite(path.read_text(encoding="utf-8"), dataset="orders")
    kinds = {e.type for e in draft.expectations}
    assert {
        "expect_column_values_to_be_unique",
        "expect_column_values_to_be_in_set",
        "expect_column_values_to_be_between",
    } <= kinds
    assert json.loads(path.read_text())["meta"]["relation"] == "lake.orders"
    settings = settings.model_copy(update={"quality_suites_dir": path.parent})
    path.rename(path.parent / "orders.json")
    [result] = check(settings, ["orders"])
    assert result.passed and result.failures == []


def test_check_before_the_first_ingest(settings: Settings) -> None:
    assert check(settings) == []
    with pytest.raises(NotFoundError, match=r"lake.orders does not exist \(suite orders\)"):
        check(settings, ["orders"])
    with pytest.raises(NotFoundError, match=r"cannot profile lake.orders: the lake is empty"):
        suggest(settings, "orders")
    assert not settings.lake_dir.exists(), "a check must not create the lake"
