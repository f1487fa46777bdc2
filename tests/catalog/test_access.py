"""The access view: search and show never reveal tables or columns a principal may not select."""

from __future__ import annotations

from pathlib import Path

import pytest

import catalog
from catalog.search import search
from lakehouse.errors import NotFoundError
from lakehouse.settings import load_settings
from tests.catalog.conftest import StaticView, fixture_records

HIDDEN_COLUMNS = {("lake.customers", "email"), ("lake.customers", "phone"), ("lake.customers", "birth_date")}
HIDDEN_TABLES = {"lake.payments"}
#: a principal who may read everything except lake.payments and the customers' contact columns
VIEW = StaticView(frozenset(HIDDEN_TABLES), frozenset(HIDDEN_COLUMNS))


def test_hidden_columns_do_not_make_a_table_match(fixture_catalog: Path) -> None:
    names = [h.name for h in search(fixture_catalog, "email", view=VIEW, limit=50).hits]
    assert "lake.customers" not in names
    assert "main.stg_customers" in names and "lake.suppliers" in names
    assert "lake.customers" in [h.name for h in search(fixture_catalog, "email", limit=50).hits]


def test_hidden_tables_are_never_found(fixture_catalog: Path) -> None:
    for query in ("payments", "iban", "tag:pci", "pii=credit_card", "owner:finance", "type=column card*"):
        result = search(fixture_catalog, query, view=VIEW, limit=50)
        assert all(h.name not in HIDDEN_TABLES for h in result.hits), query
        assert "lake.payments" not in str(result.facets)


def test_matching_columns_and_column_results_leave_hidden_columns_out(fixture_catalog: Path) -> None:
    hit = next(h for h in search(fixture_catalog, "customers", view=VIEW).hits if h.name == "lake.customers")
    assert hit.matching_columns == () or all(c.name != "email" for c in hit.matching_columns)
    found = {
        (h.name, h.column) for h in search(fixture_catalog, "type=column pii=true", view=VIEW, limit=200).hits
    }
    assert ("lake.customers", "first_name") in found
    assert not found & HIDDEN_COLUMNS
    assert not any(name in HIDDEN_TABLES for name, _ in found)


def test_pii_filter_only_counts_visible_columns(fixture_catalog: Path) -> None:
    assert "lake.customers" in [h.name for h in search(fixture_catalog, "pii=email", limit=50).hits]
    assert "lake.customers" not in [
        h.name for h in search(fixture_catalog, "pii=email", view=VIEW, limit=50).hits
    ]


def test_facets_and_totals_count_only_visible_hits(fixture_catalog: Path) -> None:
    full = search(fixture_catalog, "pii=true", limit=50)
    restricted = search(fixture_catalog, "pii=true", view=VIEW, limit=50)
    assert restricted.total == len(restricted.hits) == full.total - 1  # lake.payments
    assert sum(restricted.facets["kind"].values()) == restricted.total


def test_show_hides_tables_and_columns(fixture_catalog: Path) -> None:
    settings = load_settings({"home": fixture_catalog.parent})
    with pytest.raises(NotFoundError, match="no dataset 'lake.payments' in the catalog"):
        catalog.show(settings, "lake.payments", view=VIEW)
    info = catalog.show(settings, "customers", view=VIEW)
    assert info.hidden_columns == 3
    assert {c.name for c in info.dataset.columns}.isdisjoint({"email", "phone", "birth_date"})
    assert "email" not in info.example_query


def test_a_principal_who_sees_nothing_finds_nothing(fixture_catalog: Path) -> None:
    nothing = StaticView(hidden_tables=frozenset(r.name for r in fixture_records()))
    result = search(fixture_catalog, "customers", view=nothing)
    assert result.hits == () and result.total == 0 and not any(result.facets.values())


def test_a_suggestion_never_borrows_a_word_from_what_the_principal_may_not_see(fixture_catalog: Path) -> None:
    """ "did you mean" looks at names, columns and tags: a hidden table's (lake.payments' iban) stay unseen."""
    assert search(fixture_catalog, "ibn").suggestion == "iban"
    assert search(fixture_catalog, "ibn", view=VIEW).suggestion is None


def test_hidden_columns_do_not_count_as_matched_words(fixture_catalog: Path) -> None:
    """customers matches "customers email" fully, but not for a principal who may not see its email."""
    seen = [h.name for h in search(fixture_catalog, "customers email", view=VIEW, limit=50).hits]
    assert seen[0] == "main.stg_customers"
    assert [h.name for h in search(fixture_catalog, "customers email", limit=50).hits][0] == "lake.customers"
    assert "lake.customers" in seen  # one word still matches: a hit, ranked after the full matches
