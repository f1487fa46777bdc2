"""``catalog show`` finds a dataset by indexed lookups only, so its cost does not grow with the catalog.

The store's statements behind ``show`` are checked by SQLite's own query plan (no full scan of a table),
and the lookups' answers: a name in any case, the end of a name after a dot, several matches, a typo.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from catalog import store
from catalog.show import show
from lakehouse.errors import NotFoundError, UsageError
from lakehouse.settings import load_settings
from tests.catalog.conftest import fixture_records

#: the statements ``show`` runs, with example parameters
SHOW_STATEMENTS = {
    "find_names": ("stg.orders", "orders"),
    "names_starting": ("cu", "cv", 100),
    "select_dataset": ("lake.orders",),
    "select_dataset_columns": ("lake.orders",),
    "upstream": ("lake.orders",),
    "downstream": ("lake.orders",),
    "select_history": ("lake.orders",),
    "kinds": ('["lake.orders"]',),
}


@pytest.mark.parametrize("statement", SHOW_STATEMENTS)
def test_show_reads_the_store_through_indexes(fixture_catalog: Path, statement: str) -> None:
    con = store.connect(fixture_catalog, readonly=True)
    try:
        plan = con.execute(f"EXPLAIN QUERY PLAN {store.statements()[statement]}", SHOW_STATEMENTS[statement])
        steps = [row[3] for row in plan]
    finally:
        con.close()
    scans = [s for s in steps if re.match(r"SCAN (datasets|columns|lineage|schema_history)\b", s)]
    assert scans == [], steps


def test_show_finds_a_name_in_any_case_or_by_its_end(fixture_catalog: Path) -> None:
    settings = load_settings({"home": fixture_catalog.parent})
    assert show(settings, "LAKE.Customers").dataset.name == "lake.customers"
    assert show(settings, "stg_customers").dataset.name == "main.stg_customers"
    assert show(settings, "MAIN.stg_customers").dataset.name == "main.stg_customers"
    with pytest.raises(NotFoundError, match=r"no dataset 'ustomers' in the catalog"):
        show(settings, "ustomers")  # the end of a name counts from a dot only
    with pytest.raises(NotFoundError, match=r"no dataset 'custmers'.*did you mean lake.customers"):
        show(settings, "custmers")


def test_a_name_two_datasets_end_with_is_a_usage_error(tmp_path: Path) -> None:
    first = fixture_records()[0]
    records = [dataclasses.replace(first, name=n) for n in ("raw.Orders", "mart.orders", "mart.orders_v2")]
    con = store.connect(tmp_path / "catalog")
    store.replace_all(con, records, [], [])
    con.close()
    settings = load_settings({"home": tmp_path})
    with pytest.raises(UsageError, match=r"'ORDERS' names several datasets: mart.orders, raw.Orders"):
        show(settings, "ORDERS")
    assert show(settings, "raw.orders").dataset.name == "raw.Orders"
