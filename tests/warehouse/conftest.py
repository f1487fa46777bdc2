"""Fixtures for the warehouse tests: a lake built from tests/fixtures/warehouse, and one dbt build on it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from lakehouse.settings import Settings, load_settings
from tests.warehouse.lake_fixture import build_fixture_lake


def isolated_settings(home: Path) -> Settings:
    """Settings for ``home`` that ignore the developer's LAKEHOUSE_* environment and lakehouse.toml."""
    return load_settings({"home": home, "threads": 2}, env={}, cwd=home.parent)


@pytest.fixture(scope="module")
def lake_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """A LAKEHOUSE_HOME whose lake holds the five fixture tables (module-scoped: built once)."""
    settings = isolated_settings(tmp_path_factory.mktemp("warehouse") / "home")
    build_fixture_lake(settings)
    yield settings
