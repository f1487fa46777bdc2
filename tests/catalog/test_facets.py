"""Search facets: type, layer, owner, PII and quality, counted the same from the index and as a principal.

A facet's count is a promise about a click: narrowing the query by the facet's filter of the query
language finds exactly that many matches. A principal's counts come from what it may see only.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog.search import FACET_FILTERS, search
from tests.catalog.conftest import StaticView
from tests.catalog.test_access import VIEW

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
