"""A small lake shaped like the ingest contract, built from tests/fixtures/warehouse (until/alongside lake.ingest)."""

from __future__ import annotations

from pathlib import Path

from lakehouse.connect import connect
from lakehouse.settings import Settings

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "warehouse"
LAKE_TABLES = ("customers", "products", "orders", "events", "images")


def build_fixture_lake(settings: Settings, *, sql_file: Path = FIXTURES / "lake.sql") -> None:
    """Create lake.customers, products, orders, events and images from the fixture files."""
    con = connect(settings)
    try:
        con.execute("SET VARIABLE fixture_dir = $1", [str(FIXTURES)])
        con.execute(sql_file.read_text(encoding="utf-8"))
    finally:
        con.close()
