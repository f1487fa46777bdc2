"""Ranking on a labeled set of queries over a fixture catalog (tests/fixtures/catalog/ranking_*.yml)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from catalog import store
from catalog.index import payload
from catalog.match import Entry, evaluate
from catalog.query import parse
from catalog.search import search
from catalog.write import update
from tests.catalog.conftest import FIXTURES, fixture_records

CASES = yaml.safe_load((FIXTURES / "ranking_queries.yml").read_text())


def test_the_labeled_set_is_large_enough() -> None:
    assert len(CASES) >= 30


@pytest.mark.parametrize("case", CASES, ids=[c["query"] for c in CASES])
def test_labeled_query(fixture_catalog: Path, case: dict) -> None:
    result = search(fixture_catalog, case["query"], limit=20)
    names = [h.name for h in result.hits]
    columns = [f"{h.name}.{h.column}" for h in result.hits if h.column]
    if case.get("none"):
        assert names == [] and result.total == 0
        return
    if "total" in case:
        assert result.total == case["total"] and result.total_exact, columns
    if "columns" in case:
        assert sorted(columns) == sorted(case["columns"]) and result.total == len(columns), columns
    assert columns[: len(case.get("columns_first", []))] == case.get("columns_first", []), columns
    assert set(case.get("includes_columns", [])) <= set(columns), columns
    assert not set(case.get("excludes_columns", [])) & set(columns), columns
    if "top" in case:
        assert names[:1] == [case["top"]], names
    if "first" in case:
        assert names[: len(case["first"])] == case["first"], names
    if "first_set" in case:
        assert set(names[: len(case["first_set"])]) == set(case["first_set"]), names
    for name in case.get("includes", []):
        assert name in names, names
    for name in case.get("excludes", []):
        assert name not in names, names


def test_exact_name_outranks_any_relevance(fixture_catalog: Path) -> None:
    hits = search(fixture_catalog, "orders", limit=20).hits
    assert hits[0].name == "lake.orders" and hits[0].tier == 2
    assert all(h.tier < 2 for h in hits[1:])
    assert [h.tier for h in hits] == sorted((h.tier for h in hits), reverse=True)


def test_tie_breakers_never_jump_a_tier(fixture_catalog: Path) -> None:
    """lake.orders fails its quality checks yet stays above everything that only matches relevance."""
    hits = search(fixture_catalog, "orders", limit=20).hits
    assert hits[0].quality == "failing"
    for hit in search(fixture_catalog, "customer_id", limit=20).hits:
        assert hit.tier == 1


def test_explain_says_why(fixture_catalog: Path) -> None:
    hit = search(fixture_catalog, "customers", explain=True).hits[0]
    assert hit.explanation[0] == "exact name 'customers'"
    assert any("tie-breaker" in line for line in hit.explanation)


def test_hits_show_matching_columns(fixture_catalog: Path) -> None:
    hit = next(h for h in search(fixture_catalog, "email").hits if h.name == "lake.customers")
    assert [c.name for c in hit.matching_columns] == ["email"]
    assert hit.matching_columns[0].pii == "email"


def test_type_column_returns_columns(fixture_catalog: Path) -> None:
    result = search(fixture_catalog, "type=column email", limit=20)
    found = {(h.name, h.column) for h in result.hits}
    assert ("lake.customers", "email") in found and ("lake.suppliers", "contact_email") in found
    assert all(h.kind == "column" for h in result.hits)


def test_column_results_are_columns_and_facets_count_columns(fixture_catalog: Path) -> None:
    """Regression: pii=true type=column listed every column of a dataset that had some PII column."""
    result = search(fixture_catalog, "pii=true type=column", limit=100)
    assert result.hits and all(h.kind == "column" and h.matching_columns[0].pii for h in result.hits)
    assert result.total == len(result.hits)
    assert sum(result.facets["pii"].values()) == sum(result.facets["layer"].values()) == result.total
    assert result.facets["pii"]["email"] == 3


def test_column_results_rank_exact_column_names_first(fixture_catalog: Path) -> None:
    hits = search(fixture_catalog, "type=column email", explain=True).hits
    assert [h.tier for h in hits] == [1, 1, 0]
    assert hits[0].explanation[0] == "exact column name 'email'"
    assert any("matched column columns" in line for line in hits[2].explanation)


def test_facets_count_every_match(fixture_catalog: Path) -> None:
    result = search(fixture_catalog, "customer_id", limit=1)
    assert len(result.hits) == 1
    assert sum(result.facets["kind"].values()) == result.total > 1
    assert result.facets["layer"]["mart"] >= 2


@pytest.mark.parametrize(
    "query", ["c*", "cu*", "cust*", "custo*", "custom*", "customer*", "ema*", "column:ord*", "tag:fin*", "s*"]
)
def test_prefixes_find_exactly_what_the_matcher_accepts(fixture_catalog: Path, query: str) -> None:
    """Short prefixes use the precomputed prefix fields, long ones the term dictionary: same answers."""
    expected = {
        r.name for r in fixture_records() if evaluate(parse(query).root, Entry.from_payload(payload(r)))
    }
    assert expected and {h.name for h in search(fixture_catalog, query, limit=100).hits} == expected


def test_an_update_builds_a_missing_or_outdated_index_whole(tmp_path: Path) -> None:
    records = fixture_records()
    con = store.connect(tmp_path)
    store.replace_all(con, records, [], [])
    (tmp_path / "search-v1").mkdir()  # an index of an older version is not used
    with store.writer_lock(tmp_path):
        update(con, tmp_path, records[:1], [], [], via=())
    assert search(tmp_path, "type=table OR type=view OR type=model OR type=image").total == len(records)
