"""Fixtures for the catalog tests: a fixture catalog indexed from YAML, small real lakes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from catalog import index, store
from catalog.model import ColumnRecord, DatasetRecord, PiiFinding, QualityStatus
from catalog.view import ColumnView
from lakehouse.settings import Settings, load_settings

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "catalog"
NOW = dt.datetime.now(dt.UTC)
QUALITY = {
    "passing": QualityStatus(True, 5),
    "warning": QualityStatus(True, 5, 0, 1),
    "failing": QualityStatus(False, 5, 1),
    "unknown": None,
}


@dataclass(frozen=True)
class StaticView:
    """A ``catalog.view.CatalogView`` spelled out as sets, for catalogs that have no lake or policy behind them."""

    hidden_tables: frozenset[str] = frozenset()
    denied: frozenset[tuple[str, str]] = frozenset()  # (table, column)
    masked: frozenset[tuple[str, str]] = frozenset()
    filtered: frozenset[str] = frozenset()  # tables the principal reads through a row filter

    def table(self, name: str) -> bool:
        return name not in self.hidden_tables

    def column(self, name: str, column: str) -> ColumnView:
        if not self.table(name) or (name, column) in self.denied:
            return "denied"
        return "masked" if (name, column) in self.masked else "raw"

    def full_rows(self, name: str) -> bool:
        return name not in self.filtered


def column(spec: str, position: int) -> ColumnRecord:
    head, _, description = spec.partition("|")
    parts = head.split()
    pii = PiiFinding(parts[2], 0.9, "values") if len(parts) > 2 else None
    return ColumnRecord(parts[0], parts[1], position, description.strip(), pii=pii)


def record(entry: dict) -> DatasetRecord:
    return DatasetRecord(
        entry["name"], entry["kind"], entry["layer"], "fixture", entry["description"], entry["owner"],
        tuple(entry["tags"]), tuple(column(c, i + 1) for i, c in enumerate(entry["columns"])),
        row_count=100, updated_at=NOW - dt.timedelta(days=entry["updated"]), quality=QUALITY[entry["quality"]],
    )  # fmt: skip


def fixture_records() -> list[DatasetRecord]:
    entries = yaml.safe_load((FIXTURES / "ranking_catalog.yml").read_text())
    return [record(e) for e in entries]


@pytest.fixture(scope="session")
def fixture_catalog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A catalog directory (store + index) holding ranking_catalog.yml, at ``HOME/catalog``."""
    catalog_dir = tmp_path_factory.mktemp("home") / "catalog"
    records = fixture_records()
    con = store.connect(catalog_dir)
    store.replace_all(con, records, [], [])
    con.close()
    index.replace_all(catalog_dir, records)
    return catalog_dir


@pytest.fixture
def settings(home: Path, tmp_path: Path) -> Settings:
    """Settings for a fresh home whose dbt project has never been built (the repo's may have been)."""
    return load_settings({"home": home, "threads": 2, "dbt_project_dir": tmp_path / "no_dbt_project"})
