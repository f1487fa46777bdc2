"""BigQuery's INFORMATION_SCHEMA views in `lakehouse sql` (privileged): the lake and the warehouse datasets.

The first test is the failure from issue 14: ``lake.INFORMATION_SCHEMA.COLUMNS`` was quoted as one
table ``"INFORMATION_SCHEMA.COLUMNS"`` and the statement failed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest

import warehouse
from lakehouse.errors import NotFoundError, UsageError
from lakehouse.settings import Settings
from tests.conftest import CliResult

CSV = "order_id,status,amount,ordered_on\n1,shipped,9.5,2024-01-02\n2,placed,3.25,2024-01-03\n"


@pytest.fixture
def ingested(cli: Callable[..., CliResult], tmp_path: Path) -> Callable[..., CliResult]:
    """A home whose lake holds ``shipments`` from a real ingest of a small CSV file."""
    source = tmp_path / "orders.csv"
    source.write_text(CSV)
    assert cli("ingest", str(source), "--dataset", "shipments").code == 0
    return cli


def test_lake_columns_as_bigquery_lists_them(ingested: Callable[..., CliResult]) -> None:
    result = ingested(
        "sql",
        "SELECT table_name, column_name, ordinal_position, data_type "
        "FROM lake.INFORMATION_SCHEMA.COLUMNS WHERE table_name = 'shipments' ORDER BY ordinal_position",
        "--json",
    )
    assert result.code == 0, result.err
    rows = [r for r in result.json() if not r["column_name"].startswith("_")]  # lineage columns of the lake
    assert [(r["column_name"], r["data_type"]) for r in rows] == [
        ("order_id", "INT64"),
        ("status", "STRING"),
        ("amount", "FLOAT64"),
        ("ordered_on", "DATE"),
    ]
    assert {r["table_name"] for r in rows} == {"shipments"}


@pytest.fixture
def con(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    """A warehouse with a lake table, a warehouse table and a view (privileged DDL)."""
    connection = warehouse.connect(settings)
    connection.execute("CREATE TABLE lake.events AS SELECT 1 AS id, [1, 2] AS tags, {'a': 1.5} AS payload")
    connection.execute("CREATE TABLE main.dim_day AS SELECT DATE '2024-01-01' AS day")
    connection.execute("CREATE VIEW main.v_day AS SELECT day FROM main.dim_day")
    yield connection
    connection.close()


def test_tables_in_each_dataset_with_bigquery_table_types(con: duckdb.DuckDBPyConnection) -> None:
    lake = warehouse.execute(con, "SELECT * FROM `lake`.INFORMATION_SCHEMA.TABLES")
    assert lake.columns[:4] == ["table_catalog", "table_schema", "table_name", "table_type"]
    assert [r[1:4] for r in lake.rows] == [("lake", "events", "BASE TABLE")]
    main = warehouse.execute(
        con, "SELECT table_name, table_type FROM `my-project.main.INFORMATION_SCHEMA.TABLES` ORDER BY 1"
    )
    assert main.rows == [("dim_day", "BASE TABLE"), ("v_day", "VIEW")]


def test_columns_carry_bigquery_type_names(con: duckdb.DuckDBPyConnection) -> None:
    result = warehouse.execute(
        con,
        "SELECT c.column_name, c.is_nullable, c.data_type FROM lake.INFORMATION_SCHEMA.COLUMNS AS c "
        "WHERE c.table_name = 'events' ORDER BY c.ordinal_position",
    )
    assert result.rows == [
        ("id", "YES", "INT64"),
        ("tags", "YES", "ARRAY<INT64>"),
        ("payload", "YES", "STRUCT<a NUMERIC(2, 1)>"),
    ]


@pytest.mark.parametrize("name", ["INFORMATION_SCHEMA.SCHEMATA", "`region-us`.INFORMATION_SCHEMA.SCHEMATA"])
def test_schemata_lists_every_dataset(con: duckdb.DuckDBPyConnection, name: str) -> None:
    result = warehouse.execute(con, f"SELECT catalog_name, schema_name FROM {name} ORDER BY schema_name")
    assert result.rows == [("lakehouse", "lake"), ("lakehouse", "main")]


def test_unknown_dataset_and_view_are_one_clear_error(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(NotFoundError, match="no dataset 'sales' for INFORMATION_SCHEMA.TABLES"):
        warehouse.execute(con, "SELECT * FROM sales.INFORMATION_SCHEMA.TABLES")
    with pytest.raises(UsageError, match="INFORMATION_SCHEMA.PARTITIONS is not supported here"):
        warehouse.execute(con, "SELECT * FROM lake.INFORMATION_SCHEMA.PARTITIONS")


def test_dialect_duckdb_runs_duckdb_sql_as_is(ingested: Callable[..., CliResult]) -> None:
    """DuckDB-only syntax and DuckDB's own information_schema, privileged: nothing is rewritten."""
    result = ingested(
        "sql", "--dialect", "duckdb",
        "FROM information_schema.tables SELECT table_catalog, table_name WHERE table_name = 'shipments'",
        "--json",
    )  # fmt: skip
    assert result.code == 0, result.err
    assert result.json() == [{"table_catalog": "lake", "table_name": "shipments"}]
    bigquery = ingested(
        "sql", "SELECT table_catalog, table_schema FROM information_schema.tables WHERE table_name = 'shipments'",
        "--json",
    )  # fmt: skip
    assert bigquery.json() == [{"table_catalog": "lakehouse", "table_schema": "lake"}]  # BigQuery's view
