"""INFORMATION_SCHEMA as a principal: only the tables granted and the columns not denied.

Under the sample policy the analyst may not read customers' names (no masked rule for analysts) and
has no grant beyond five lake tables; marketing reads customers, orders and products only.
"""

from __future__ import annotations

import pytest

from catalog.access import Principal, run_query
from lakehouse.errors import AccessDenied
from lakehouse.settings import Settings

ANA = Principal.of(user="ana")  # analyst
MARK = Principal.of(user="mark")  # marketing


def test_columns_leave_out_denied_columns_and_keep_masked_ones(lake: Settings) -> None:
    result = run_query(
        lake,
        ANA,
        "SELECT column_name, data_type FROM lake.INFORMATION_SCHEMA.COLUMNS "
        "WHERE table_name = 'customers' ORDER BY ordinal_position",
    )
    names = [r[0] for r in result.rows]
    assert "first_name" not in names and "last_name" not in names  # denied: not even the name
    assert {"customer_id", "email", "birth_date", "city"} <= set(names)  # raw or masked: listed
    assert ("customer_id", "INT64") in result.rows and ("email", "STRING") in result.rows


def test_no_denied_name_anywhere_in_the_view(lake: Settings) -> None:
    result = run_query(lake, ANA, "SELECT * FROM INFORMATION_SCHEMA.COLUMNS")
    text = repr(result.rows).lower()
    assert "first_name" not in text and "last_name" not in text
    assert {r[2] for r in result.rows} == {"customers", "orders", "products", "images"}


def test_tables_are_only_the_granted_ones(lake: Settings) -> None:
    result = run_query(
        lake, MARK, "SELECT table_name, table_type FROM lake.INFORMATION_SCHEMA.TABLES ORDER BY 1"
    )
    assert result.rows == [("customers", "BASE TABLE"), ("orders", "BASE TABLE"), ("products", "BASE TABLE")]
    schemata = run_query(lake, MARK, "SELECT schema_name FROM INFORMATION_SCHEMA.SCHEMATA")
    assert schemata.rows == [("lake",)]


def test_duckdb_spelling_reads_the_same_restricted_view(lake: Settings) -> None:
    """DuckDB's ``information_schema.columns`` never reaches DuckDB's own catalog for a principal."""
    result = run_query(
        lake, ANA, "SELECT column_name FROM information_schema.columns WHERE table_name = 'customers'"
    )
    names = {r[0] for r in result.rows}
    assert "email" in names and "first_name" not in names


def test_a_dataset_without_readable_tables_is_refused_like_a_missing_one(lake: Settings) -> None:
    with pytest.raises(
        AccessDenied, match="dataset 'main' does not exist or .*user:ana may not read any of its tables"
    ):
        run_query(lake, ANA, "SELECT * FROM main.INFORMATION_SCHEMA.TABLES")
