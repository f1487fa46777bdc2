"""An ingest command uses one DuckDB instance for the lake commit and the catalog's read after it (each
extension's signature is checked once per command); each step attaches the lake in its own mode."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

import catalog
import lake
from lakehouse.connect import connect
from lakehouse.project_files import ProjectFileMissing
from lakehouse.settings import Settings, load_settings
from lakehouse.wiring.pipeline import ingest


def _csv(path: Path, first: int) -> Path:
    rows = [f"{i},name {i},{i * 1.5}" for i in range(first, first + 20)]
    path.write_text("id,name,amount\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def _settings(tmp_path: Path) -> Settings:
    return load_settings(
        {"home": tmp_path / "home", "threads": 1, "policy_file": tmp_path / "none.yml"}, env={}
    )


def _attached(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute("SELECT database_name FROM duckdb_databases()").fetchall()}


def test_a_caller_connection_is_left_without_the_lake_and_serves_the_next_step(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    con = connect(settings, lake=False, extensions=("sqlite_scanner", "ducklake"))
    try:
        first = lake.ingest(settings, [_csv(tmp_path / "a.csv", 0)], "items", gate=None, con=con)
        assert "lake" not in _attached(con)
        second = lake.ingest(settings, [_csv(tmp_path / "b.csv", 100)], "items", gate=None, con=con)
        assert first.rows_landed == second.rows_landed == 20
        assert "lake" not in _attached(con)
        found = catalog.register_ingest(settings, second.landed(), lake_con=con)
        assert found.datasets == 1 and "lake" not in _attached(con)
    finally:
        con.close()
    assert catalog.show(settings, "lake.items").dataset.row_count == 40


def test_the_ingest_command_updates_the_catalog_from_the_same_instance(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    report = ingest(settings, [_csv(tmp_path / "a.csv", 0)], "items", gate=False)
    assert report.committed
    assert catalog.show(settings, "lake.items").dataset.row_count == 20
    reader = connect(settings, lake_read_only=True)  # the lake was detached and closed cleanly
    try:
        assert reader.execute("SELECT count(*) FROM lake.items").fetchone() == (20,)
    finally:
        reader.close()


def test_an_error_inside_the_commit_reaches_the_caller_not_the_detach(tmp_path: Path) -> None:
    """A new project without a quality suites folder: the gate's own error, not DuckDB's "Cannot detach
    database lake ... outstanding work" that hid it on today's integrate (the commit's transaction was left
    open when the gate raised); the lake is unchanged and takes the next ingest."""
    settings = load_settings(
        {"home": tmp_path / "home", "threads": 1, "policy_file": tmp_path / "none.yml",
         "quality_suites_dir": tmp_path / "no-suites"},
        env={},
    )  # fmt: skip
    with pytest.raises(ProjectFileMissing, match=r"expectation suites folder \S*no-suites does not exist"):
        ingest(settings, [_csv(tmp_path / "a.csv", 0)], "items")
    report = ingest(settings, [_csv(tmp_path / "a.csv", 0)], "items", gate=False)
    assert report.committed and report.rows_landed == 20
    assert catalog.show(settings, "lake.items").dataset.row_count == 20
