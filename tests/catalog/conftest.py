"""Fixtures for the catalog tests: a fixture catalog indexed from YAML, small real lakes, a real dbt build."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
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

    def model(self, name: str) -> bool:
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


@dataclass(frozen=True)
class BuiltProject:
    """The fixture dbt project after a real build: its ``target/`` and the warehouse file it built."""

    target: Path  # manifest.json and catalog.json
    warehouse: Path  # a DuckDB file whose database is named "warehouse", like settings.warehouse_file's


#: the source table of the fixture project (its lake, a DuckDB file attached as "lake" by its profile)
FIXTURE_CUSTOMERS = (
    "CREATE TABLE customers AS SELECT * FROM (VALUES (1, 'Ann', 'ANN@example.com', 'DE'), "
    "(2, 'Ben', 'ben@example.com', 'DE'), (3, 'Cleo', 'cleo@example.com', 'FR'), (4, 'Dan', 'dan@example.com', 'US'))"
    " AS t(customer_id, first_name, email, country)"
)


@pytest.fixture(scope="session")
def built_dbt_project(tmp_path_factory: pytest.TempPathFactory) -> BuiltProject:
    """``tests/fixtures/catalog/dbt_project`` built once with dbt-duckdb: ``dbt build`` and ``dbt docs generate``,
    in a process of their own as they run in real life (dbt-duckdb keeps its connection open)."""
    root = tmp_path_factory.mktemp("dbt_build")
    project = shutil.copytree(FIXTURES / "dbt_project", root / "dbt_project")  # dbt writes into its project
    lake_file, warehouse = root / "lake.duckdb", root / "warehouse.duckdb"
    con = duckdb.connect(str(lake_file))
    con.execute(FIXTURE_CUSTOMERS)
    con.close()
    env = {**os.environ, "CATALOG_FIXTURE_DB": str(warehouse), "CATALOG_FIXTURE_LAKE": str(lake_file)}
    args = ["--project-dir", str(project), "--profiles-dir", str(project), "--target-path", str(root / "target"),
            "--log-path", str(root / "logs"), "--quiet"]  # fmt: skip
    script = (
        "import sys; from dbt.cli.main import dbtRunner; a = sys.argv[1:];"
        "sys.exit(not (dbtRunner().invoke(['build', *a]).success and dbtRunner().invoke(['docs', 'generate', *a]).success))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, *args], env=env, cwd=root, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return BuiltProject(root / "target", warehouse)
