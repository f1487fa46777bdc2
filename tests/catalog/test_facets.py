"""Search facets: type, layer, owner, PII and quality, counted the same from the index and as a principal.

A facet's count is a promise about a click: narrowing the query by the facet's filter of the query
language finds exactly that many matches. A principal's counts come from what it may see only.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from catalog.model import ColumnRecord, PiiFinding
from catalog.search import FACET_FILTERS, search
from tests.catalog.conftest import StaticView, fixture_records
from tests.catalog.test_access import VIEW
from tests.catalog.test_pending import _build, _update

QUERIES = ["", "customer", "pii=true", "layer=mart OR quality=failing", "type=column", "type=column email"]


def narrowed(query: str, facet: str, value: str) -> str:
    return f"{query} {FACET_FILTERS[facet]}={value}".strip()


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("view", [None, VIEW], ids=["administrator", "principal"])
def test_a_facet_count_is_what_its_filter_finds(fixture_catalog: Path, query: str, view: StaticView) -> None:
    result = search(fixture_catalog, query, view=view)
    assert set(result.facets) == {"kind", "layer", "owner", "pii", "quality"}
    assert result.facets["owner"] and result.facets["quality"] and result.facets["pii"]
    for facet, counts in result.facets.items():
        if facet == "kind" and query.startswith("type=column"):
            continue  # the column's dataset's type: type=table would leave column mode
        for value, count in counts.items():
            assert search(fixture_catalog, narrowed(query, facet, value), view=view).total == count, (
                facet,
                value,
            )


@pytest.mark.parametrize("query", QUERIES)
def test_the_index_counts_facets_as_a_principal_who_sees_everything(
    fixture_catalog: Path, query: str
) -> None:
    """One aggregation over the index's fast fields, or the re-checked candidates: the same counts."""
    assert search(fixture_catalog, query).facets == search(fixture_catalog, query, view=StaticView()).facets


def test_facets_never_count_what_a_principal_may_not_see(fixture_catalog: Path) -> None:
    full, restricted = search(fixture_catalog, "").facets, search(fixture_catalog, "", view=VIEW).facets
    assert restricted["owner"].get("finance", 0) == full["owner"]["finance"] - 1  # lake.payments' owner
    assert {"iban", "credit_card"} <= set(full["pii"]) and not {"iban", "credit_card"} & set(
        restricted["pii"]
    )
    assert restricted["pii"]["email"] == full["pii"]["email"] - 1  # lake.customers.email is denied


def test_pending_updates_count_as_after_a_full_refresh(fixture_catalog: Path, tmp_path: Path) -> None:
    """A dataset updated since the index caught up (``catalog.pending``) counts with its new owner and PII."""
    records = fixture_records()
    orders = next(r for r in records if r.name == "lake.orders")
    email = ColumnRecord(
        "buyer_email", "VARCHAR", len(orders.columns) + 1, pii=PiiFinding("email", 0.9, "values")
    )
    changed = dataclasses.replace(orders, owner="Web Shop", columns=(*orders.columns, email))
    catalog_dir = tmp_path / "catalog"
    shutil.copytree(fixture_catalog, catalog_dir)
    _update(catalog_dir, [changed])
    rebuilt = _build(tmp_path / "rebuilt", [changed if r.name == "lake.orders" else r for r in records])
    for query in QUERIES:
        assert search(catalog_dir, query).facets == search(rebuilt, query).facets, query
    assert search(catalog_dir, "").facets["owner"]["web shop"] == 1
    assert search(catalog_dir, 'owner="web shop"').total == 1
