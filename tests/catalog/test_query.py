"""The query language: golden parses, clear errors, and hostile input that must never crash."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.query import MAX_QUERY_CHARS, QuerySyntaxError, parse
from catalog.search import search
from tests.catalog.conftest import FIXTURES

GOLDEN = [c for c in yaml.safe_load((FIXTURES / "query_golden.yml").read_text())]


@pytest.mark.parametrize("case", GOLDEN, ids=[repr(c["query"]) for c in GOLDEN])
def test_golden_parse(case: dict) -> None:
    query = parse(case["query"])
    assert str(query) == case["parsed"]
    assert len(query.warnings) == case["warnings"], query.warnings


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "type=tabel",
            r"unknown type 'tabel' in 'type=tabel' at position 0 \(valid: table, column, model, image, view\).*did you mean type=table\?",
        ),
        (
            "customers layer=gold",
            r"unknown layer 'gold' in 'layer=gold' at position 10 \(valid: raw, staging, mart, ml, image\)",
        ),
        ("quality=bad", r"unknown quality 'bad'.*valid: failing, passing, warning, unknown"),
        ("pii=maybe", r"unknown pii 'maybe'"),
        (
            "updated>yesterday",
            r"cannot read 'yesterday' as a date in 'updated>yesterday' at position 0.*updated>2026-01-01",
        ),
        (
            "layer>raw",
            r"operator '>' does not apply to 'layer' in 'layer>raw' at position 0 \(write layer=VALUE\)",
        ),
        ("updated:2026-01-01", r"operator ':' does not apply to 'updated'"),
    ],
)
def test_bad_filters_raise_a_clear_message(text: str, message: str) -> None:
    with pytest.raises(QuerySyntaxError, match=message):
        parse(text)


def test_syntax_error_is_a_usage_error() -> None:
    with pytest.raises(ValueError, match="unknown type"):
        parse("type=nope")
    assert QuerySyntaxError("x").exit_code == 2


def test_repairs_are_reported() -> None:
    query = parse('name:"open quote (x OR')
    assert str(query) == 'name:"open quote (x or"'
    assert query.warnings == ("unterminated quote at position 5: closed at the end of the query",)


def test_overlong_queries_are_cut() -> None:
    query = parse("a " * MAX_QUERY_CHARS)
    assert any("longer than" in w for w in query.warnings)


HOSTILE = [
    "'; DROP TABLE datasets; --",
    '" OR 1=1 --',
    'name:"\\"',
    "column:'); DELETE FROM columns; --",
    "\x00\x01\x02\x1b[31m",
    "((((((((((((((((((((a",
    "))))))",
    "a" * 5000,
    "*" * 100,
    "type=table' OR '1'='1",
    '""""""',
    "name:* column:* tag:*",
    "ü é 漢字 😀",
    "-" * 50,
    "OR OR OR AND NOT",
    "updated>2026-01-01 updated<2025-01-01",
    "name:lake.orders; SELECT 1",
    "regex:.* [a-z]+ \\d{3}",
    "+title:foo^10 field:bar~2",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_queries_never_crash(fixture_catalog: Path, text: str) -> None:
    """Each hostile string either searches or fails with a one-line syntax error; nothing else."""
    try:
        result = search(fixture_catalog, text, limit=5)
    except QuerySyntaxError as exc:
        assert "\n" not in str(exc) and "position" in str(exc)
        return
    assert len(result.hits) <= 5


def test_sql_fragments_are_just_words(fixture_catalog: Path) -> None:
    result = search(fixture_catalog, "'; DROP TABLE datasets; --")
    assert result.parsed == "MOST(drop, table, datasets;)"  # free words: any of them, most first
    assert search(fixture_catalog, "customers").hits[0].name == "lake.customers"  # the store is intact


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=80))
def test_any_text_parses_or_raises_a_syntax_error(text: str) -> None:
    try:
        parse(text)
    except QuerySyntaxError as exc:
        assert "position" in str(exc) or "operator" in str(exc)


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet='ab:=*-"() ORNTtype', max_size=30))
def test_any_query_from_the_syntax_alphabet_searches(fixture_catalog: Path, text: str) -> None:
    with contextlib.suppress(QuerySyntaxError):
        search(fixture_catalog, text, limit=3)
