"""The installed package, outside the checkout: a wheel in a fresh virtualenv runs `lakehouse demo` in an empty
folder, and in a folder with its own lakehouse.toml uses that folder's suites, policy, metadata and dbt project.

Building the wheel (from a copy of the source, so the checkout gets no build/ folder) and installing it with the
running environment's pinned versions (`pip freeze` as constraints) into a plain virtualenv costs about a minute
and a half of CPU on 2 cores, so the virtualenv is built once per session (``installed``). The commands run as a
user runs them: the installed console script, in its own folder, with no LAKEHOUSE_* variable and no PYTHONPATH.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.integration]

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[2]
#: what a source copy leaves out: environments, caches, outputs
NOT_SOURCE = (
    ".venv",
    ".git",
    "data",
    "build",
    "*.egg-info",
    "__pycache__",
    ".*_cache",
    ".hypothesis",
    "target",
    "logs",
)


@dataclass(frozen=True)
class Installed:
    venv: Path

    @property
    def site_packages(self) -> Path:
        return next((self.venv / "lib").glob("python3*/site-packages"))

    def environment(self) -> dict[str, str]:
        """A user's shell with the virtualenv on PATH: no LAKEHOUSE_* variable, no PYTHONPATH (the test run's
        may name a checkout, whose packages would shadow the wheel's)."""
        clean = {k: v for k, v in os.environ.items() if not k.startswith("LAKEHOUSE_")}
        for var in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"):
            clean.pop(var, None)
        clean["PATH"] = f"{self.venv / 'bin'}{os.pathsep}{clean.get('PATH', '')}"
        return clean

    def run(
        self, cwd: Path, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """``lakehouse ARGS`` from the virtualenv, in ``cwd``, as a user's shell would run it."""
        return subprocess.run(
            [str(self.venv / "bin" / "lakehouse"), *args],
            cwd=cwd,
            env={**self.environment(), **(env or {})},
            capture_output=True,
            text=True,
            timeout=900,
        )


def _pip(python: Path | str, *args: str) -> None:
    """pip without the test run's PYTHONPATH: one naming the checkout makes pip see the project installed
    already (its editable metadata) and skip installing the wheel."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    subprocess.run(
        [str(python), "-m", "pip", *args, "--quiet", "--disable-pip-version-check"], check=True, env=env
    )


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """A plain virtualenv with the project's wheel and its pinned dependencies (built once per session)."""
    work = tmp_path_factory.mktemp("installed")
    started = time.perf_counter()
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_SOURCE))
    _pip(sys.executable, "wheel", str(source), "--no-deps", "--wheel-dir", str(work / "wheels"))
    wheel = next((work / "wheels").glob("lakehouse_toolkit-*.whl"))
    frozen = subprocess.run(
        [sys.executable, "-m", "pip", "freeze", "--exclude-editable"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    constraints = work / "constraints.txt"
    pins = [line for line in frozen.splitlines() if line and not line.startswith(("-e", "lakehouse-toolkit"))]
    constraints.write_text("\n".join(pins) + "\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "venv", str(work / "venv")], check=True)
    # --no-compile: no bytecode for every file of every dependency up front (most are never imported here);
    # Python compiles what the commands import, as it does for any module without a .pyc
    _pip(
        work / "venv" / "bin" / "python",
        "install",
        "--no-compile",
        "--constraint",
        str(constraints),
        str(wheel),
    )
    log.warning("wheel built and installed in a fresh virtualenv in %.0f s", time.perf_counter() - started)
    return Installed(work / "venv")


def test_the_package_is_the_wheel_not_the_checkout(installed: Installed, tmp_path: Path) -> None:
    probe = "import lakehouse, lakehouse.wiring.sample_project as s; print(lakehouse.__file__); print(s.bundled())"
    out = subprocess.run(
        [str(installed.venv / "bin" / "python"), "-c", probe],
        cwd=tmp_path,
        env=installed.environment(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert str(installed.site_packages) in out and str(ROOT) not in out
    sample = installed.site_packages / "lakehouse" / "wiring" / "sample_dbt_project"
    assert (sample / "dbt_project.yml").is_file() and (sample / "profiles.yml").is_file()
    assert (sample / "models" / "docs.md").is_file() and (
        sample / "macros" / "cross_db" / "unnest.sql"
    ).is_file()


def test_demo_in_an_empty_folder(installed: Installed, tmp_path: Path) -> None:
    result = installed.run(tmp_path, "--threads", "2", "demo")
    assert result.returncode == 0, result.stdout + result.stderr
    copy = tmp_path / "data" / "sample_project"
    assert f"using the sample project in {copy} (dbt project, expectation suites folder," in result.stdout
    assert "all steps passed" in result.stdout
    assert (copy / "dbt_project" / "target" / "manifest.json").is_file()  # dbt wrote into the copy...
    sample = installed.site_packages / "lakehouse" / "wiring" / "sample_dbt_project"
    assert not (sample / "target").exists() and not (sample / "logs").exists()  # ...never into site-packages

    # other commands in this folder find no project files of its own, and say where the sample is
    denied = installed.run(tmp_path, "sql", "--user", "ana", "SELECT 1")
    assert denied.returncode == 2
    assert "access policy file" in denied.stderr and f"left a sample project in {copy}" in denied.stderr
    # the sample's policy knows ana, not the user of the project below
    policy = {"LAKEHOUSE_POLICY_FILE": str(copy / "catalog" / "policy.yml")}
    assert installed.run(tmp_path, "sql", "--user", "ana", "SELECT 1", env=policy).returncode == 0
    unknown = installed.run(tmp_path, "sql", "--user", "zoe", "SELECT 1", env=policy)
    assert unknown.returncode == 2 and "zoe" in unknown.stderr


PROJECT_TOML = """
[lakehouse]
home = "store"
threads = 2
dbt_project_dir = "transform"
quality_suites_dir = "checks"
policy_file = "governance/rules.yml"
metadata_file = "governance/about.yml"
"""
#: a suite the sample has not got: the batch lands with this one warning
SUITE = {
    "name": "customers",
    "meta": {"relation": "lake.customers"},
    "expectations": [
        {
            "type": "expect_table_row_count_to_be_between",
            "kwargs": {"min_value": 0, "max_value": 1},
            "meta": {"severity": "warning"},
        }
    ],
}
POLICY = """
version: 1
roles: {reader: {description: reads the lake}}
groups: {readers: {roles: [reader]}}
users: {zoe: {email: zoe@example.org, groups: [readers]}}
grants:
  - to: [role:reader]
    tables: ["lake.*"]
"""
METADATA = "datasets:\n  lake.customers: {description: Zoe's customers, owner: zoe-team}\n"
DBT_PROJECT = 'name: transform\nversion: "1.0.0"\nconfig-version: 2\nprofile: lakehouse\n'
CUSTOMERS = "customer_id,name\n1,Ada\n2,Grace\n3,Edsger\n"


def _project(root: Path) -> Path:
    files = {
        "lakehouse.toml": PROJECT_TOML,
        "checks/customers.json": json.dumps(SUITE),
        "governance/rules.yml": POLICY,
        "governance/about.yml": METADATA,
        "transform/dbt_project.yml": DBT_PROJECT,
        "raw/customers.csv": CUSTOMERS,
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def _json(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


def test_a_folder_with_its_own_lakehouse_toml_uses_its_own_files(
    installed: Installed, tmp_path: Path
) -> None:
    project = _project(tmp_path / "project")

    ingest = _json(installed.run(project, "ingest", "raw/customers.csv", "--dataset", "customers", "--json"))
    assert ingest["rows_landed"] == 3
    assert [(f["expectation"], f["severity"]) for f in ingest["gate"]["failures"]] == [
        ("expect_table_row_count_to_be_between", "warning")
    ]  # this folder's suite, not the sample's (which would reject the batch)
    assert (project / "store" / "lake").is_dir() and not (project / "store" / "sample_project").exists()

    rows = _json(
        installed.run(
            project, "sql", "--user", "zoe", "SELECT count(*) AS n FROM lake.customers", "--format", "json"
        )
    )
    assert rows == [{"n": 3}]  # this folder's policy knows zoe

    shown = installed.run(project, "catalog", "show", "lake.customers", "--json")
    assert shown.returncode == 0 and "zoe-team" in shown.stdout  # this folder's business metadata

    sources = _json(installed.run(project, "dbt", "sources", "--json"))
    assert Path(sources["path"]) == project / "transform" / "models" / "staging" / "sources.yml"
    assert "customers" in sources["tables"]
