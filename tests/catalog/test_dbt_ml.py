"""dbt artifacts and the ML registry: descriptions, tests, owners, and lineage file -> lake -> dbt -> model.

Every input is made by its real producer: the fixture dbt project built by dbt-duckdb (``built_dbt_project``,
once per session), the lake table by an ingest, the models by ``CREATE MODEL`` through ``warehouse.execute``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import catalog
import lake
import warehouse
from lakehouse.cli import output
from lakehouse.settings import Settings, load_settings
from tests.catalog.conftest import FIXTURES, BuiltProject
from tests.conftest import CliResult

pytestmark = [pytest.mark.integration, pytest.mark.slow]  # the session's one dbt build takes a while

NO_METADATA = Path("/nonexistent")
FIXTURE_PROJECT = FIXTURES / "dbt_project"
SEGMENTS = (
    "CREATE MODEL ml.customer_segments OPTIONS(model_type='kmeans', num_clusters=2) "
    "AS SELECT customers, country FROM main.dim_customers"
)


@pytest.fixture
def project(home: Path, tmp_path: Path, built_dbt_project: BuiltProject) -> Settings:
    """Settings whose dbt project was built (its target/) and whose warehouse is the one that build made."""
    project = tmp_path / "dbt_project"
    shutil.copytree(built_dbt_project.target, project / "target")
    # the project the manifest belongs to (the catalog reads only the configured project's manifest)
    shutil.copyfile(FIXTURE_PROJECT / "dbt_project.yml", project / "dbt_project.yml")
    settings = load_settings({"home": home, "threads": 2, "dbt_project_dir": project})
    settings.warehouse_file.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(built_dbt_project.warehouse, settings.warehouse_file)
    return settings


def _lake_customers(settings: Settings, tmp_path: Path) -> str:
    """lake.customers by a real ingest (the dbt project's source); the file's URI."""
    path = tmp_path / "customers.csv"
    path.write_text("customer_id,first_name,email,country\n1,Ann,ANN@example.com,DE\n", encoding="utf-8")
    return lake.ingest(settings, [path], "customers").files[0].uri


def _sql(settings: Settings, statement: str) -> None:
    con = warehouse.connect(settings)
    try:
        warehouse.execute(con, statement)
    finally:
        con.close()


def test_dbt_models_from_manifest_and_catalog(project: Settings) -> None:
    report = catalog.refresh(project, metadata_file=NO_METADATA)
    assert report.sources["dbt"] == 3
    stg = catalog.show(project, "stg_customers")
    d = stg.dataset
    assert (d.name, d.kind, d.layer, d.owner, d.tags) == (
        "main.stg_customers",
        "view",
        "staging",
        "data-eng",
        ("staging",),
    )
    assert d.description == "Cleaned customers, one row per customer"
    assert d.properties["tests"] == ["not_null(customer_id)", "unique(customer_id)"]
    cols = {c.name: c for c in d.columns}
    assert cols["customer_id"].type == "INTEGER" and cols["customer_id"].description == "Key of the customer"
    assert cols["email"].pii is not None and cols["email"].pii.source == "override"
    assert [e.upstream for e in stg.upstream] == ["lake.customers"]
    assert [e.downstream for e in stg.downstream] == ["main.dim_customers"]
    assert catalog.show(project, "dim_customers").dataset.layer == "mart"
    assert catalog.show(project, "country_names").dataset.layer == "raw"


def test_lineage_from_files_to_model(project: Settings, tmp_path: Path) -> None:
    uri = _lake_customers(project, tmp_path)
    _sql(project, SEGMENTS)
    report = catalog.refresh(project, metadata_file=NO_METADATA)
    assert report.sources == {"lake": 1, "dbt": 3, "ml": 1}
    model = catalog.show(project, "customer_segments")
    d = model.dataset
    assert (d.name, d.kind, d.layer) == ("ml.customer_segments", "model", "ml")
    assert d.properties["options"]["num_clusters"] == 2 and d.properties["model_type"] == "KMEANS"
    assert [c.name for c in d.columns] == ["customers", "country"]
    assert [e.upstream for e in model.upstream] == ["main.dim_customers"]
    chain = [catalog.show(project, "ml.customer_segments")]
    while chain[-1].upstream:
        chain.append(catalog.show(project, chain[-1].upstream[0].upstream))
    names = [info.dataset.name for info in chain]
    assert names == ["ml.customer_segments", "main.dim_customers", "main.country_names"]
    assert [e.upstream for e in catalog.show(project, "lake.customers").upstream] == [f"file:{uri}"]
    assert [e.downstream for e in catalog.show(project, "lake.customers").downstream] == [
        "main.stg_customers"
    ]
    assert [h.name for h in catalog.search(project, "type=model").hits] == ["ml.customer_segments"]
    assert catalog.search(project, "kmeans").hits[0].name == "ml.customer_segments"


def test_model_features_have_their_types(
    project: Settings, cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression (issue 13): the catalog read a feature's type as type/data_type; the registry writes dtype."""
    _sql(project, SEGMENTS)
    catalog.register_models(project, metadata_file=NO_METADATA)
    shown = cli("catalog", "show", "customer_segments", "--json").json()
    assert [(c["name"], c["type"]) for c in shown["dataset"]["columns"]] == [
        ("customers", "BIGINT"),
        ("country", "VARCHAR"),
    ]
    monkeypatch.setattr(output.console, "width", 240)  # one line per table row
    text = cli("catalog", "show", "customer_segments").out
    assert re.search(r"│ customers +│ BIGINT +│", text) and re.search(r"│ country +│ VARCHAR +│", text), text


def test_a_locked_warehouse_is_skipped_with_a_warning(project: Settings) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True); time.sleep(60)",
         str(project.warehouse_file)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        report = catalog.refresh(project, metadata_file=NO_METADATA)
    finally:
        holder.kill()
        holder.wait()
    assert report.sources["ml"] == 0
    assert len(report.warnings) == 1 and report.warnings[0].startswith("warehouse skipped:")
    assert f"PID {holder.pid}" in report.warnings[0]


def test_dbt_models_are_profiled_in_the_warehouse(project: Settings, tmp_path: Path) -> None:
    _lake_customers(project, tmp_path)
    catalog.refresh(project, metadata_file=NO_METADATA)
    stg = catalog.show(project, "main.stg_customers")
    assert [e.upstream for e in stg.upstream] == ["lake.customers"]
    assert [e.downstream for e in stg.downstream] == ["main.dim_customers"]
    dim = catalog.show(project, "main.dim_customers")
    assert sorted(e.upstream for e in dim.upstream) == ["main.country_names", "main.stg_customers"]
    assert [c.name for c in dim.dataset.columns] == ["country", "country_name", "customers"]
    assert [c.type for c in dim.dataset.columns] == ["VARCHAR", "VARCHAR", "BIGINT"]  # from catalog.json
    assert dim.dataset.properties["tests"] == ["unique(country)"]
    assert dim.dataset.row_count == 3  # profiled in the warehouse the build made: DE, FR, US
    assert {c.name: c.stats.distinct_count for c in dim.dataset.columns}["country"] == 3
    assert stg.dataset.row_count == 1  # a view over the lake: the one ingested customer
    columns = {c.name: c for c in stg.dataset.columns}
    assert columns["email"].pii is not None and columns["email"].pii.source == "override"
    assert columns["first_name"].pii is not None and columns["first_name"].pii.kind == "person_name"


def test_register_models_after_create_and_drop_model(project: Settings, tmp_path: Path) -> None:
    _lake_customers(project, tmp_path)
    catalog.refresh(project, metadata_file=NO_METADATA)
    assert catalog.search(project, "type=model").hits == ()
    _sql(project, SEGMENTS)
    report = catalog.register_models(project, metadata_file=NO_METADATA)
    assert report.sources == {"ml": 1} and report.datasets == 1
    assert [h.name for h in catalog.search(project, "type=model").hits] == ["ml.customer_segments"]
    assert [e.upstream for e in catalog.show(project, "customer_segments").upstream] == ["main.dim_customers"]
    _sql(project, "DROP MODEL ml.customer_segments")
    catalog.register_models(project, metadata_file=NO_METADATA)
    assert catalog.search(project, "type=model").hits == ()
    assert catalog.show(project, "lake.customers").dataset.row_count == 1  # the rest is untouched


def test_register_dbt_after_a_build(project: Settings, tmp_path: Path) -> None:
    _lake_customers(project, tmp_path)
    shutil.move(project.dbt_project_dir / "target", project.dbt_project_dir / "built")
    catalog.refresh(project, metadata_file=NO_METADATA)
    assert catalog.search(project, "stg_customers").hits == ()
    shutil.move(project.dbt_project_dir / "built", project.dbt_project_dir / "target")
    report = catalog.register_dbt(project, metadata_file=NO_METADATA)
    assert report.sources["dbt"] == 3
    assert catalog.search(project, "stg_customers").hits[0].name == "main.stg_customers"
    assert [e.downstream for e in catalog.show(project, "lake.customers").downstream] == [
        "main.stg_customers"
    ]
