"""Shared fixtures: a temporary LAKEHOUSE_HOME with its settings, and the sample data at scale 1.

Tests run in a temporary folder, where the default project files (./dbt_project, ./quality/expectations,
./catalog/policy.yml, ./catalog/metadata.yml) do not exist: ``home`` names the sample project's files through
``LAKEHOUSE_*`` variables, and ``SAMPLE_PROJECT`` gives them to tests that resolve settings without the
environment.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from lakehouse.cli import main
from lakehouse.settings import Settings, load_settings
from lakehouse.wiring.sample_project import bundled

#: the sample project as the installed package holds it (in a checkout: this repository's files)
SAMPLE_PROJECT: dict[str, Path] = bundled()


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
    """A fresh LAKEHOUSE_HOME with the sample project; LAKEHOUSE_* variables from the developer's shell are
    cleared."""
    for var in [v for v in os.environ if v.startswith("LAKEHOUSE_")]:
        monkeypatch.delenv(var)
    path = tmp_path / "home"
    monkeypatch.setenv("LAKEHOUSE_HOME", str(path))
    for name, file in SAMPLE_PROJECT.items():
        monkeypatch.setenv("LAKEHOUSE_" + name.upper(), str(file))
    monkeypatch.chdir(tmp_path)
    yield path


@pytest.fixture
def settings(home: Path) -> Settings:
    return load_settings({"home": home, "threads": 2})


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture
def cli(home: Path, capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """Run ``lakehouse ARGS`` in-process against the test home; returns exit code, stdout, stderr."""

    def run(*args: str) -> CliResult:
        capsys.readouterr()
        try:
            main(["--home", str(home), "--threads", "2", *args])
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run
