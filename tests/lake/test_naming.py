"""Column-name normalization and dataset-name validation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lake.naming import LINEAGE_COLUMNS, normalize_columns, normalize_name, validate_dataset
from lakehouse.errors import UsageError

CASES = [
    ("customer_id", "customer_id"),
    ("Customer ID", "customer_id"),
    ("userID", "user_id"),
    ("HTTPServer", "http_server"),
    ("eventType", "event_type"),
    ("Straße", "strasse"),
    ("Café Olé", "cafe_ole"),
    ("1st place", "c_1st_place"),
    ("__id__", "id"),
    ("", "col"),
    ("%%%", "col"),
    ("a.b-c d", "a_b_c_d"),
]


@pytest.mark.parametrize(("raw", "expected"), CASES)
def test_normalize_name(raw: str, expected: str) -> None:
    assert normalize_name(raw) == expected


@given(st.text(max_size=80))
def test_normalize_is_idempotent_and_safe(raw: str) -> None:
    once = normalize_name(raw)
    assert normalize_name(once) == once
    assert once and len(once) <= 63 and once[0].isalpha() and once.isascii()


@given(st.lists(st.text(max_size=20), max_size=12, unique=True))
def test_normalize_columns_collision_safe(names: list[str]) -> None:
    mapping = normalize_columns(names)
    columns = list(mapping.values())
    assert len(set(columns)) == len(columns) == len(names)
    assert not set(columns) & set(LINEAGE_COLUMNS)
    assert normalize_columns(columns) == {c: c for c in columns}


def test_existing_mapping_is_kept() -> None:
    assert normalize_columns(["Name", "name"]) == {"Name": "name", "name": "name_2"}
    assert normalize_columns(["name", "Name"], {"Name": "name"}) == {"Name": "name", "name": "name_2"}


@pytest.mark.parametrize(
    "bad", ["../etc", 'a"b', "a'b", "Orders", "événements", "_quarantine", "a b", "", "x" * 64, "a;drop"]
)
def test_bad_dataset_names(bad: str) -> None:
    with pytest.raises(UsageError, match="invalid dataset name"):
        validate_dataset(bad)


def test_good_dataset_name() -> None:
    assert validate_dataset("orders_2026") == "orders_2026"
