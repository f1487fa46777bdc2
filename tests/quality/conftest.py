"""Lake tables built straight from small fixture files (the way ingest lands them, lineage columns included)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from lakehouse.connect import connect
from lakehouse.settings import Settings

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "quality"
READERS = {".csv": "read_csv", ".ndjson": "read_json"}


def source_sql(path: Path) -> str:
    """A SELECT of ``path`` with the lineage columns ingest adds (paths are fixtures, not user input)."""
    reader = READERS[path.suffix]
    return (
        f"SELECT *, '{path.as_uri()}' AS _source_uri, row_number() OVER () AS _source_line, "
        f"'test-batch' AS _batch_id, now() AS _ingested_at FROM {reader}('{path}')"
    )


def create_table(con: duckdb.DuckDBPyConnection, name: str, fixture: str) -> None:
    con.execute(f"CREATE OR REPLACE TABLE {name} AS {source_sql(FIXTURES / fixture)}")


@pytest.fixture
def lake(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    """A lake holding customers, products, orders and events from the good fixtures."""
    con = connect(settings)
    for dataset, fixture in [
        ("customers", "customers.csv"),
        ("products", "products.csv"),
        ("orders", "orders.csv"),
        ("events", "events.ndjson"),
    ]:
        create_table(con, f"lake.{dataset}", fixture)
    yield con
    con.close()
