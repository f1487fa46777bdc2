"""Bring your own dbt project: three public dbt projects (tests/fixtures/dbt_projects, not written here) built
on the lake, their raw CSVs landed by a real ``lakehouse ingest``, and the catalog checked against the warehouse.

- jaffle_shop_duckdb: ``lakehouse dbt init`` (its own profiles.yml needs --force), then ``lakehouse dbt build
  --project-dir`` running the project's own tests;
- jaffle_shop_classic: ``lakehouse dbt init``, then plain ``dbt build`` inside the project, which must
  update the catalog by itself;
- dbt_with_duckdb (another shape: snapshots, enforced model contracts, ``data_tests:``, relationships tests,
  an exposure, its own ``models/sources.yml``): ``lakehouse dbt init --force`` merges the lake source into
  the project's sources file, then ``lakehouse dbt build --project-dir``.

Both projects document a column ``total_order_amount`` on ``customers`` that the model does not have (it has
``customer_lifetime_value``): the catalog lists the real one and flags the documented one.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from lakehouse.cli import main
from lakehouse.errors import NotFoundError
from lakehouse.quoting import literal, qualified
from lakehouse.settings import load_settings
from tests.conftest import SAMPLE_PROJECT
from warehouse.dbt import build

pytestmark = [pytest.mark.integration, pytest.mark.slow]

PROJECTS = Path(__file__).parents[1] / "fixtures" / "dbt_projects"
RAW_TABLES = ("raw_customers", "raw_orders", "raw_payments")
#: the project's own tests (models/schema.yml and models/staging/schema.yml)
PROJECT_TESTS = 20


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


@dataclass
class Built:
    home: Path
    project: Path
    init_without_force: Run
    init: Run
    build: Run


def lakehouse(home: Path, *args: str) -> Run:
    """``lakehouse ARGS`` in this process (the environment is the module fixture's)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(["--home", str(home), "--threads", "2", *args])
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
    return Run(code, out.getvalue(), err.getvalue())


@contextlib.contextmanager
def sample_environment(home: Path) -> Iterator[pytest.MonkeyPatch]:
    """The developer's LAKEHOUSE_* cleared; the sample project's quality suites and policy named (the dbt
    project is the one under test, given per command)."""
    with pytest.MonkeyPatch.context() as mp:
        for var in [v for v in os.environ if v.startswith("LAKEHOUSE_")]:
            mp.delenv(var)
        mp.setenv("LAKEHOUSE_HOME", str(home))
        for name, file in SAMPLE_PROJECT.items():
            if name != "dbt_project_dir":
                mp.setenv("LAKEHOUSE_" + name.upper(), str(file))
        mp.chdir(home.parent)
        yield mp


def land_raw_tables(home: Path, project: Path) -> None:
    for table in RAW_TABLES:
        run = lakehouse(home, "ingest", str(project / "raw" / f"{table}.csv"), "--dataset", table, "--json")
        assert run.code == 0, run.err


def copy_project(name: str, tmp: Path) -> Path:
    return Path(shutil.copytree(PROJECTS / name, tmp / name))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    """jaffle_shop_duckdb: ingest its CSVs, init, ``lakehouse dbt build --project-dir`` (once per module)."""
    tmp = tmp_path_factory.mktemp("own-dbt")
    home, project = tmp / "home", copy_project("jaffle_shop_duckdb", tmp)
    with sample_environment(home):
        land_raw_tables(home, project)
        refused = lakehouse(home, "dbt", "init", str(project))
        init = lakehouse(home, "dbt", "init", str(project), "--force", "--json")
        run = lakehouse(home, "dbt", "build", "--project-dir", str(project), "--json")
        yield Built(home, project, refused, init, run)


#: dbt_with_duckdb's raw CSVs and the ingest options each needs (its dates are day-first: 1/4/2024 is the
#: 1st of April, as DuckDB's own CSV reader read them in the original project)
STAR_RAW = {
    "client": (),
    "department": (),
    "employee": (),
    "sale": ("--date-format", "date=%d/%m/%Y"),
}
STAR_MODELS = ("stg_client", "stg_department", "stg_employee", "stg_sale",
               "dim_client", "dim_employee", "dim_region", "fct_sale")  # fmt: skip
#: its own tests (models/dimensions/schema.yml and models/facts/schema.yml)
STAR_TESTS = 28


@dataclass
class StarBuilt:
    home: Path
    project: Path
    init: Run
    build: Run


@pytest.fixture(scope="module")
def star(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StarBuilt]:
    """dbt_with_duckdb: ingest its CSVs, ``init --force`` (it has its own models/sources.yml), build."""
    tmp = tmp_path_factory.mktemp("own-dbt-star")
    home, project = tmp / "home", copy_project("dbt_with_duckdb", tmp)
    with sample_environment(home):
        for table, options in STAR_RAW.items():
            csv = str(project / "raw" / f"{table}.csv")
            run = lakehouse(home, "ingest", csv, "--dataset", table, *options, "--json")
            assert run.code == 0, run.err
        init = lakehouse(home, "dbt", "init", str(project), "--force", "--json")
        run = lakehouse(home, "dbt", "build", "--project-dir", str(project), "--json")
        yield StarBuilt(home, project, init, run)


def warehouse_rows(home: Path, sql: str) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def show(home: Path, project: Path, name: str) -> dict[str, Any]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LAKEHOUSE_DBT_PROJECT_DIR", str(project))
        run = lakehouse(home, "catalog", "show", name, "--json")
    assert run.code == 0, run.err
    return dict(run.json()["dataset"])


def test_init_never_writes_over_the_projects_profile(built: Built) -> None:
    assert built.init_without_force.code == 2
    assert "will not write over" in built.init_without_force.err and "--force" in built.init_without_force.err
    report = built.init.json()
    assert report["profile"] == "jaffle_shop" and report["tables"] == sorted(RAW_TABLES)
    assert report["replaced"] == [str(built.project / "profiles.yml")]
    profile = (built.project / "profiles.yml").read_text(encoding="utf-8")
    assert "warehouse.dbt_plugin" in profile and str(built.home) in profile


def test_dbt_sources_keeps_the_file_init_wrote(built: Built) -> None:
    run = lakehouse(built.home, "dbt", "sources", "--project-dir", str(built.project), "--json")
    assert run.code == 0, run.err
    assert run.json()["path"] == str(built.project / "models" / "sources.yml")
    assert not run.json()["changed"] and not (built.project / "models" / "staging" / "sources.yml").exists()


def test_build_checks_only_the_sources_the_project_declares(built: Built) -> None:
    """Today's main refused: "the lake has no table lake.customers, lake.products, ..." (the sample's tables)."""
    assert built.build.code == 0, built.build.err
    summary = built.build.json()
    assert summary["success"] and summary["models_built"] == 5
    assert summary["tests_passed"] == PROJECT_TESTS and summary["tests_failed"] == 0


def test_a_declared_source_missing_from_the_lake_is_named(built: Built, tmp_path: Path) -> None:
    project = Path(
        shutil.copytree(built.project, tmp_path / "project", ignore=shutil.ignore_patterns("target"))
    )
    sources = project / "models" / "sources.yml"
    sources.write_text(sources.read_text(encoding="utf-8") + "      - name: raw_refunds\n", encoding="utf-8")
    with sample_environment(built.home):
        settings = load_settings({"home": built.home, "threads": 2, "dbt_project_dir": project})
        with pytest.raises(
            NotFoundError, match=r"the lake has no table lake\.raw_refunds \(declared"
        ) as caught:
            build(settings, target_path=tmp_path / "target")
    assert "lake.customers" not in str(caught.value)


def test_catalog_columns_and_rows_come_from_the_warehouse(built: Built) -> None:
    """Today's main listed the YAML's total_order_amount, missed customer_lifetime_value and had no row count."""
    dataset = show(built.home, built.project, "main.customers")
    real = warehouse_rows(
        built.home,
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'main' AND table_name = 'customers' ORDER BY ordinal_position",
    )
    assert [(c["name"], c["type"]) for c in dataset["columns"]] == [(n, t.upper()) for n, t in real]
    assert "customer_lifetime_value" in {c["name"] for c in dataset["columns"]}
    assert "total_order_amount" not in {c["name"] for c in dataset["columns"]}
    assert dataset["properties"]["documented_not_in_warehouse"] == ["total_order_amount"]
    assert dataset["properties"]["columns_from"] == "warehouse"
    assert dataset["row_count"] == warehouse_rows(built.home, "SELECT count(*) FROM main.customers")[0][0]
    described = {c["name"]: c["description"] for c in dataset["columns"]}
    assert described["customer_id"] == "This is a unique identifier for a customer"  # the YAML, overlaid


def test_catalog_show_flags_the_documented_column_the_model_lacks(built: Built) -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LAKEHOUSE_DBT_PROJECT_DIR", str(built.project))
        run = lakehouse(built.home, "catalog", "show", "main.customers")
    assert run.code == 0, run.err
    assert "documented not in warehouse: total_order_amount" in run.out


def test_search_finds_the_models_real_column(built: Built) -> None:
    run = lakehouse(built.home, "catalog", "search", "customer_lifetime_value", "--json")
    assert run.code == 0, run.err
    hits = run.json()["hits"]
    assert hits and hits[0]["name"] == "main.customers"
    assert "customer_lifetime_value" in {c["name"] for c in hits[0]["matching_columns"]}


def test_a_new_home_lists_no_models_it_never_built(built: Built, tmp_path: Path) -> None:
    """Today's main listed the project's models (built into another home) in a new home, with warnings."""
    home = tmp_path / "new-home"
    with sample_environment(home) as mp:
        mp.setenv("LAKEHOUSE_DBT_PROJECT_DIR", str(built.project))
        run = lakehouse(home, "catalog", "refresh", "--json")
        assert run.code == 0, run.err
        assert lakehouse(home, "catalog", "show", "main.customers").code == 1
    assert run.json()["sources"]["dbt"] == 0
    assert any("not into this home" in w for w in run.json()["warnings"])


def test_a_manifest_of_another_project_is_ignored(built: Built, tmp_path: Path) -> None:
    """The configured project's target/ holds a manifest another project wrote: none of its models are listed."""
    project = tmp_path / "other"
    (project / "target").mkdir(parents=True)
    (project / "dbt_project.yml").write_text("name: other\nprofile: other\n", encoding="utf-8")
    shutil.copy(built.project / "target" / "manifest.json", project / "target" / "manifest.json")
    with sample_environment(built.home) as mp:
        mp.setenv("LAKEHOUSE_DBT_PROJECT_DIR", str(project))
        run = lakehouse(built.home, "catalog", "refresh", "--json")
        assert run.code == 0, run.err
        assert lakehouse(built.home, "catalog", "show", "main.customers").code == 1
        mp.setenv("LAKEHOUSE_DBT_PROJECT_DIR", str(built.project))
        assert lakehouse(built.home, "catalog", "refresh", "--json").code == 0  # the module's catalog again
    assert any("written by dbt project 'jaffle_shop'" in w for w in run.json()["warnings"])


def test_plain_dbt_build_in_an_initialised_project_updates_the_catalog(tmp_path: Path) -> None:
    """jaffle_shop_classic: init, then `dbt build` run by hand in the project (no LAKEHOUSE_* set): its
    models are in the catalog afterwards, with the warehouse's columns and row counts."""
    home, project = tmp_path / "home", copy_project("jaffle_shop_classic", tmp_path)
    with sample_environment(home):
        land_raw_tables(home, project)
        assert lakehouse(home, "dbt", "init", str(project)).code == 0
        env = {k: v for k, v in os.environ.items() if not k.startswith("LAKEHOUSE_")}
    dbt = Path(sys.executable).with_name("dbt")
    done = subprocess.run(
        [str(dbt), "build"], cwd=project, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout[-2000:]
    results = json.loads((project / "target" / "run_results.json").read_text(encoding="utf-8"))["results"]
    assert sum(r["unique_id"].startswith("test.") and r["status"] == "pass" for r in results) == PROJECT_TESTS
    with sample_environment(home):
        dataset = show(home, project, "main.customers")
    assert dataset["row_count"] == warehouse_rows(home, "SELECT count(*) FROM main.customers")[0][0]
    assert "customer_lifetime_value" in {c["name"] for c in dataset["columns"]}
    assert dataset["properties"]["documented_not_in_warehouse"] == ["total_order_amount"]


def test_a_project_with_snapshots_and_contracts_builds_with_its_own_tests(star: StarBuilt) -> None:
    assert star.build.code == 0, star.build.err
    summary = star.build.json()
    assert summary["success"] and summary["models_built"] == len(STAR_MODELS)
    assert summary["tests_passed"] == STAR_TESTS and summary["tests_failed"] == 0
    snapshots = warehouse_rows(
        star.home,
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'snapshots' ORDER BY 1",
    )
    assert snapshots == [("snp_client",), ("snp_department",), ("snp_employee",), ("snp_sale",)]


def test_init_merges_the_lake_into_the_projects_own_sources_file(star: StarBuilt) -> None:
    report = star.init.json()
    assert report["tables"] == sorted(STAR_RAW)
    assert report["replaced"] == [str(star.project / "models" / "sources.yml")]
    sources = yaml.safe_load((star.project / "models" / "sources.yml").read_text(encoding="utf-8"))["sources"]
    by_name = {s["name"]: s for s in sources}
    assert by_name["external_source"]["meta"] == {"external_location": "demo_files/{name}.csv"}  # kept
    sale = next(t for t in by_name["lake"]["tables"] if t["name"] == "sale")
    assert {c["name"]: c["data_type"] for c in sale["columns"]}["date"] == "DATE"


@pytest.mark.parametrize("model", STAR_MODELS)
def test_catalog_lists_the_star_models_as_the_warehouse_has_them(star: StarBuilt, model: str) -> None:
    dataset = show(star.home, star.project, f"main.{model}")
    real = warehouse_rows(
        star.home,
        "SELECT column_name, data_type FROM information_schema.columns "
        f"WHERE table_schema = 'main' AND table_name = {literal(model)} ORDER BY ordinal_position",
    )
    assert real and [(c["name"], c["type"]) for c in dataset["columns"]] == [(n, t.upper()) for n, t in real]
    assert dataset["properties"]["columns_from"] == "warehouse"
    assert dataset["properties"]["documented_not_in_warehouse"] == []
    assert (
        dataset["row_count"]
        == warehouse_rows(star.home, f"SELECT count(*) FROM {qualified('main', model)}")[0][0]
    )


def test_catalog_overlays_the_contracts_descriptions(star: StarBuilt) -> None:
    dataset = show(star.home, star.project, "main.dim_employee")
    described = {c["name"]: (c["type"], c["description"]) for c in dataset["columns"]}
    assert described["_valid_to_datetime"] == (
        "TIMESTAMP",
        "The datetime the record is valid to given this is a Type 2 Dimension",
    )
    assert dataset["layer"] == "mart" and dataset["description"].startswith("A type 2 dimension table")


def test_search_finds_the_fact_by_its_real_column(star: StarBuilt) -> None:
    run = lakehouse(star.home, "catalog", "search", "sale_amount", "--json")
    assert run.code == 0, run.err
    hits = run.json()["hits"]
    assert [h["name"] for h in hits] == ["main.fct_sale"]
    assert [c["name"] for c in hits[0]["matching_columns"]] == ["sale_amount"]


def test_a_snapshot_is_listed_as_raw_history_between_its_source_and_staging(star: StarBuilt) -> None:
    """Today's integrate listed the four snapshots (copies of lake tables with dbt_valid_from/to) as marts."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LAKEHOUSE_DBT_PROJECT_DIR", str(star.project))
        run = lakehouse(star.home, "catalog", "show", "snapshots.snp_client", "--json")
    assert run.code == 0, run.err
    shown = run.json()
    assert shown["dataset"]["layer"] == "raw" and shown["dataset"]["source"] == "dbt"
    assert [e["upstream"] for e in shown["upstream"]] == ["lake.client"]
    assert [e["downstream"] for e in shown["downstream"]] == ["main.stg_client"]
    assert "dbt_valid_to" in {c["name"] for c in shown["dataset"]["columns"]}
    marts = lakehouse(star.home, "catalog", "search", "layer=mart", "--json")
    assert marts.code == 0, marts.err
    assert {h["name"] for h in marts.json()["hits"]} == {
        "main.dim_client", "main.dim_employee", "main.dim_region", "main.fct_sale"
    }  # fmt: skip
