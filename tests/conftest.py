"""Shared fixtures: a temporary LAKEHOUSE_HOME with its settings, and the sample data at scale 1."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from lakehouse.settings import Settings, load_settings


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    have_bq = bool(
        os.environ.get("GOOGLE_APPLICATION_CREDENTIALS") and os.environ.get("LAKEHOUSE_BQ_PROJECT")
    )
    skip = pytest.mark.skip(
        reason="needs BigQuery credentials: GOOGLE_APPLICATION_CREDENTIALS and LAKEHOUSE_BQ_PROJECT"
    )
    for item in items:
        if "bigquery" in item.keywords and not have_bq:
            item.add_marker(skip)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh LAKEHOUSE_HOME; environment LAKEHOUSE_* variables from the developer's shell are cleared."""
    for var in [v for v in os.environ if v.startswith("LAKEHOUSE_")]:
        monkeypatch.delenv(var)
    path = tmp_path / "home"
    monkeypatch.setenv("LAKEHOUSE_HOME", str(path))
    monkeypatch.chdir(tmp_path)
    yield path


@pytest.fixture
def settings(home: Path) -> Settings:
    return load_settings({"home": home, "threads": 2})
