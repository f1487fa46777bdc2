"""The settings a caller resolved reach profiles.yml and the dbt plugin, and nothing else does."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lakehouse.settings import load_settings
from warehouse.dbt.environment import patched_environment, settings_environment


def test_settings_become_lakehouse_variables(tmp_path: Path) -> None:
    settings = load_settings(
        {"home": tmp_path / "home", "threads": 3, "lake_encryption_key": "secret"}, env={}, cwd=tmp_path
    )
    env = settings_environment(settings)
    assert env["LAKEHOUSE_HOME"] == str(tmp_path / "home")
    assert env["LAKEHOUSE_THREADS"] == "3"
    assert env["LAKEHOUSE_WAREHOUSE_PATH"] == str(tmp_path / "home" / "warehouse.duckdb")
    assert "LAKEHOUSE_LAKE_ENCRYPTION_KEY" not in env  # secrets do not travel to dbt


def test_paths_are_normalised_not_resolved(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    settings = load_settings({"home": "link/../link/home"}, env={}, cwd=tmp_path)
    assert settings_environment(settings)["LAKEHOUSE_HOME"] == str(tmp_path / "link" / "home")


def test_patched_environment_hides_other_settings_and_restores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAKEHOUSE_LAKE_METADATA", "/elsewhere/metadata.sqlite")
    monkeypatch.setenv("LAKEHOUSE_BQ_PROJECT", "from-the-shell")
    monkeypatch.setenv("LAKEHOUSE_DBT_TARGET", "kept")
    monkeypatch.setenv("LAKEHOUSE_HOME", "/before")
    with patched_environment({"LAKEHOUSE_HOME": "/during"}):
        assert os.environ["LAKEHOUSE_HOME"] == "/during"
        assert "LAKEHOUSE_LAKE_METADATA" not in os.environ  # a developer's setting must not leak into dbt
        assert (
            "LAKEHOUSE_BQ_PROJECT" not in os.environ
        )  # BigQuery settings too: they come from Settings.bigquery
        assert os.environ["LAKEHOUSE_DBT_TARGET"] == "kept"  # not a setting: profiles.yml reads it
    assert os.environ["LAKEHOUSE_HOME"] == "/before"
    assert os.environ["LAKEHOUSE_LAKE_METADATA"] == "/elsewhere/metadata.sqlite"
    assert os.environ["LAKEHOUSE_BQ_PROJECT"] == "from-the-shell"
