"""Fixtures for the warehouse tests: a lake built from tests/fixtures/warehouse, and one dbt build on it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from lakehouse.settings import Settings, load_settings
from tests.conftest import SAMPLE_PROJECT
from tests.warehouse.lake_fixture import build_fixture_lake


def isolated_settings(home: Path) -> Settings:
    """Settings for ``home`` and the sample project that ignore the developer's LAKEHOUSE_* environment and
    lakehouse.toml."""
    return load_settings({"home": home, "threads": 2, **SAMPLE_PROJECT}, env={}, cwd=home.parent)


def with_bigquery_environment(settings: Settings) -> Settings:
    """``settings`` with ``Settings.bigquery`` resolved from the LAKEHOUSE_BQ_* variables set now, as the
    command line resolves it (the other settings stay isolated)."""
    env = {key: value for key, value in os.environ.items() if key.startswith("LAKEHOUSE_BQ_")}
    bigquery = load_settings(env=env, cwd=settings.home).bigquery
    return settings.with_values("LAKEHOUSE_BQ_* variables", bigquery=bigquery.model_dump())


@pytest.fixture(scope="module")
def lake_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """A LAKEHOUSE_HOME whose lake holds the five fixture tables (module-scoped: built once)."""
    settings = isolated_settings(tmp_path_factory.mktemp("warehouse") / "home")
    build_fixture_lake(settings)
    yield settings
