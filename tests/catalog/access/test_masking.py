"""Masking rules reproduce BigQuery's documented outputs (column-data-masking-intro, Data Policy API)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from typing import Any

import duckdb
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlglot import exp

from catalog.access.masking import MASKING_RULES, PRECEDENCE, mask_expression, strongest, type_family
from lakehouse.errors import UsageError

UTC = dt.UTC


def masked(rule: str, literal: str, duck_type: str, **kwargs: Any) -> Any:
    value = exp.cast(exp.Literal.string(literal), exp.DataType.build(duck_type, dialect="duckdb"))
    sql = mask_expression(rule, value, duck_type, **kwargs).sql("duckdb")
    con = duckdb.connect()
    try:
        return con.execute(f"SELECT {sql}").fetchone()[0]  # type: ignore[index]
    finally:
        con.close()


def sha(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


#: BigQuery's documented examples: (rule, input, type, expected)
DOCUMENTED = [
    ("SHA256", "randomtext", "VARCHAR", "jQHDyQuj7vJcveEe59ygb3Zcvj0B5FJINBzgM6Bypgw="),
    ("EMAIL_MASK", "abc123@gmail.com", "VARCHAR", "XXXXX@gmail.com"),
    ("EMAIL_MASK", "cloudysanfrancisco@gmail.com", "VARCHAR", "XXXXX@gmail.com"),
    ("EMAIL_MASK", "not an email", "VARCHAR", sha("not an email")),
    ("FIRST_FOUR_CHARACTERS", "abcdefg", "VARCHAR", "abcdXXXXX"),
    ("FIRST_FOUR_CHARACTERS", "abcd", "VARCHAR", sha("abcd")),
    ("LAST_FOUR_CHARACTERS", "abcdefg", "VARCHAR", "XXXXXdefg"),
    ("LAST_FOUR_CHARACTERS", "abc", "VARCHAR", sha("abc")),
    ("DATE_YEAR_MASK", "2076-03-04", "DATE", dt.date(2076, 1, 1)),
    ("DATE_YEAR_MASK", "2076-03-04 05:06:07", "TIMESTAMP", dt.datetime(2076, 1, 1)),
    (
        "DATE_YEAR_MASK",
        "2076-01-01 00:30:00+02",
        "TIMESTAMPTZ",
        dt.datetime(2075, 1, 1, tzinfo=UTC),
    ),  # UTC year
    ("DEFAULT_MASKING_VALUE", "text", "VARCHAR", ""),
    ("DEFAULT_MASKING_VALUE", "\\xAA", "BLOB", b""),
    ("DEFAULT_MASKING_VALUE", "42", "BIGINT", 0),
    ("DEFAULT_MASKING_VALUE", "4.5", "DOUBLE", 0.0),
    ("DEFAULT_MASKING_VALUE", "4.50", "DECIMAL(10,2)", 0),
    ("DEFAULT_MASKING_VALUE", "true", "BOOLEAN", False),
    ("DEFAULT_MASKING_VALUE", "2024-05-06", "DATE", dt.date(1970, 1, 1)),
    ("DEFAULT_MASKING_VALUE", "2024-05-06 07:08:09", "TIMESTAMP", dt.datetime(1970, 1, 1)),
    ("DEFAULT_MASKING_VALUE", "2024-05-06 07:08:09+00", "TIMESTAMPTZ", dt.datetime(1970, 1, 1, tzinfo=UTC)),
    ("DEFAULT_MASKING_VALUE", "07:08:09", "TIME", dt.time(0, 0)),
    ("DEFAULT_MASKING_VALUE", "[1, 2]", "INTEGER[]", []),
    ("DEFAULT_MASKING_VALUE", '{"a": 1}', "JSON", "null"),
    ("ALWAYS_NULL", "text", "VARCHAR", None),
    ("ALWAYS_NULL", "42", "BIGINT", None),
]


@pytest.mark.parametrize(("rule", "value", "duck_type", "expected"), DOCUMENTED)
def test_matches_bigquery(rule: str, value: str, duck_type: str, expected: Any) -> None:
    assert masked(rule, value, duck_type) == expected


def test_sha256_of_bytes_is_the_raw_digest() -> None:
    assert masked("SHA256", "abc", "BLOB") == hashlib.sha256(b"abc").digest()


def test_random_hash_depends_on_the_salt() -> None:
    one, two = (
        masked("RANDOM_HASH", "abc", "VARCHAR", salt="a"),
        masked("RANDOM_HASH", "abc", "VARCHAR", salt="b"),
    )
    assert one != two and one == masked("RANDOM_HASH", "abc", "VARCHAR", salt="a")


def test_custom_routine_is_bigquery_sql() -> None:
    routines = {"initial": "CONCAT(SUBSTR(value, 1, 1), '.')"}
    assert masked("routine:initial", "Ada", "VARCHAR", routines=routines) == "A."


def test_a_rule_on_a_type_it_cannot_mask_is_an_error() -> None:
    with pytest.raises(UsageError, match=r"EMAIL_MASK does not apply to lake.t.n of type BIGINT"):
        mask_expression("EMAIL_MASK", exp.column("n"), "BIGINT", where="lake.t.n")


def test_precedence_is_bigquerys_hierarchy() -> None:
    assert PRECEDENCE == (
        "routine", "RANDOM_HASH", "SHA256", "EMAIL_MASK", "LAST_FOUR_CHARACTERS", "FIRST_FOUR_CHARACTERS",
        "DATE_YEAR_MASK", "DEFAULT_MASKING_VALUE", "ALWAYS_NULL",
    )  # fmt: skip
    assert strongest(["ALWAYS_NULL", "SHA256", "EMAIL_MASK"]) == "SHA256"
    assert strongest(["DEFAULT_MASKING_VALUE", "routine:x"]) == "routine:x"


@given(st.lists(st.sampled_from([*MASKING_RULES, "routine:r"]), min_size=1, max_size=6))
def test_strongest_ignores_order_and_never_invents_a_rule(rules: list[str]) -> None:
    assert strongest(rules) == strongest(list(reversed(rules))) and strongest(rules) in rules


@pytest.mark.parametrize(
    ("duck_type", "family"),
    [("VARCHAR", "string"), ("BIGINT", "integer"), ("DECIMAL(18,3)", "numeric"), ("TIMESTAMP WITH TIME ZONE", "timestamp_tz"),
     ("TIMESTAMP", "timestamp"), ("VARCHAR[]", "array"), ("STRUCT(a INTEGER)", "struct"), ("JSON", "json")],
)  # fmt: skip
def test_type_families(duck_type: str, family: str) -> None:
    assert type_family(duck_type) == family
