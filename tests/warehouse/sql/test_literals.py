"""A SELECT of literals runs as DuckDB SQL without sqlglot (``warehouse.sql.literals``): every statement
the grammar accepts gives the same columns and rows as the BigQuery front end's translation, and what
could mean something else in the two dialects is left to the front end."""

from __future__ import annotations

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from warehouse.sql.frontend import run_script
from warehouse.sql.literals import literal_select
from warehouse.sql.results import run_duckdb

SPACE = st.sampled_from(["", " ", "  ", "\n", "\t "])
LITERAL = st.one_of(
    st.integers(min_value=-(10**18) + 1, max_value=10**18 - 1).map(str),
    st.text(alphabet="abcXYZ019 _", max_size=8).map(lambda s: f"'{s}'"),
    st.sampled_from(["TRUE", "FALSE", "NULL", "true", "False", "null", "007", "-0"]),
)


@st.composite
def statements(draw: st.DrawFn) -> str:
    keyword = draw(st.sampled_from(["SELECT", "select", "Select"]))
    items = draw(st.lists(LITERAL, min_size=1, max_size=4))
    text = keyword + draw(st.sampled_from([" ", "\n", "  "]))
    text += "".join(f"{draw(SPACE)},{draw(SPACE)}{item}" if i else item for i, item in enumerate(items))
    return draw(SPACE) + text + draw(st.sampled_from(["", ";", " ;", "; "]))


@settings(max_examples=150, deadline=None)
@given(statements())
def test_a_literal_select_gives_what_the_translation_gives(text: str) -> None:
    assert literal_select(text)
    con = duckdb.connect()
    (as_is,) = run_duckdb(con, text)
    (translated,) = run_script(con, text)
    assert (as_is.columns, as_is.rows) == (translated.columns, translated.rows)


@pytest.mark.parametrize(
    "text",
    [
        'SELECT "a"',  # a string in BigQuery, a column name in DuckDB
        r"SELECT 'a\nb'",  # an escape in BigQuery, two characters in DuckDB
        "SELECT 1 AS one",
        "SELECT 1 FROM t",
        "SELECT 1; SELECT 2",
        "SELECT x",
        "SELECT 1 -- a comment",
        "SELECT 1 # a BigQuery comment",
        "SELECT 1.5",
        "SELECT 1 + 1",
        "SELECT 0x10",
        "SELECT r'a'",
        "SELECT '''a'''",
        "SELECT 1234567890123456789",
        "SELECT count(*)",
        "SELECT 1 UNION ALL SELECT 2",
        "WITH t AS (SELECT 1) SELECT 1",
        "SELECT",
        "SELECT 1,",
        "SELECT ML.PREDICT",
    ],
)
def test_what_may_differ_between_the_dialects_goes_to_the_front_end(text: str) -> None:
    assert not literal_select(text)


FRAGMENTS = [
    "1",
    "-2",
    "'a'",
    '"a"',
    "1.5",
    "TRUE",
    "NULL",
    "x",
    "AS y",
    r"'\n'",
    "+",
    "(",
    ")",
    ",",
    "--",
    "#",
]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=5))
def test_nothing_accepted_from_a_wider_alphabet_differs(fragments: list[str]) -> None:
    text = "SELECT " + " ".join(fragments)
    if literal_select(text):
        con = duckdb.connect()
        (as_is,) = run_duckdb(con, text)
        (translated,) = run_script(con, text)
        assert (as_is.columns, as_is.rows) == (translated.columns, translated.rows)
