"""dbt artifacts and the ML registry: descriptions, tests, owners, and lineage file -> lake -> dbt -> model."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

import catalog
from lakehouse.connect import connect
from lakehouse.settings import Settings, load_settings
from tests.catalog.conftest import FIXTURES

NO_METADATA = Path("/nonexistent")
REGISTRY = """
CREATE SCHEMA ml;
CREATE TABLE ml._models (name VARCHAR, model_type VARCHAR, options JSON, features JSON, training_query VARCHAR,
                         lake_snapshot BIGINT, metrics JSON, created_at TIMESTAMP);
INSERT INTO ml._models VALUES ('customer_segments', 'kmeans', '{"num_clusters": 4}',
    '[{"name": "customers", "type": "double"}, {"name": "country", "type": "varchar"}]',
    'SELECT customers, country FROM main.dim_customers', 3, '{"davies_bouldin_index": 0.61}', TIMESTAMP '2026-11-01 10:00:00');
"""


@pytest.fixture
def project(home: Path, tmp_path: Path) -> Settings:
    """Settings whose dbt project holds the fixture artifacts of a built project."""
    project = tmp_path / "dbt_project"
    shutil.copytree(FIXTURES / "dbt_target", project / "target")
    return load_settings({"home": home, "threads": 2, "dbt_project_dir": project})


def _lake_customers(settings: Settings) -> None:
    con = connect(settings)
    con.execute("CREATE TABLE lake.customers AS SELECT 1 AS customer_id, 'ann@example.com' AS email,"
                " 'DE' AS country, 'customers/customers.csv' AS _source_uri")  # fmt: skip
    con.close()


def _registry(settings: Settings) -> None:
    settings.warehouse_file.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(settings.warehouse_file))
    con.execute(REGISTRY)
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


def test_lineage_from_files_to_model(project: Settings) -> None:
    _lake_customers(project)
    _registry(project)
    report = catalog.refresh(project, metadata_file=NO_METADATA)
    assert report.sources == {"lake": 1, "dbt": 3, "ml": 1}
    model = catalog.show(project, "customer_segments")
    d = model.dataset
    assert (d.name, d.kind, d.layer) == ("ml.customer_segments", "model", "ml")
    assert d.properties["options"] == {"num_clusters": 4} and d.properties["model_type"] == "kmeans"
    assert [c.name for c in d.columns] == ["customers", "country"]
    assert [e.upstream for e in model.upstream] == ["main.dim_customers"]
    chain = [catalog.show(project, "ml.customer_segments")]
    while chain[-1].upstream:
        chain.append(catalog.show(project, chain[-1].upstream[0].upstream))
    names = [info.dataset.name for info in chain]
    assert names == ["ml.customer_segments", "main.dim_customers", "main.country_names"] or names[:2] == [
        "ml.customer_segments",
        "main.dim_customers",
    ]
    assert [e.upstream for e in catalog.show(project, "lake.customers").upstream] == [
        "file:customers/customers.csv"
    ]
    assert [e.downstream for e in catalog.show(project, "lake.customers").downstream] == [
        "main.stg_customers"
    ]
    assert [h.name for h in catalog.search(project, "type=model").hits] == ["ml.customer_segments"]
    assert catalog.search(project, "kmeans").hits[0].name == "ml.customer_segments"


def test_a_locked_warehouse_is_skipped_with_a_warning(project: Settings) -> None:
    _registry(project)
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


@pytest.mark.integration
@pytest.mark.slow
def test_lineage_after_a_real_dbt_build(home: Path, tmp_path: Path) -> None:
    """Build the fixture dbt project with dbt-duckdb, then refresh the catalog from its target/."""
    project = tmp_path / "dbt_project"
    shutil.copytree(FIXTURES / "dbt_project", project)
    lake_file = tmp_path / "lake.duckdb"
    con = duckdb.connect(str(lake_file))
    con.execute(
        "CREATE TABLE customers AS SELECT 1 AS customer_id, 'Ann' AS first_name, 'ANN@example.com' AS email, 'DE' AS country"
    )
    con.close()
    settings = load_settings({"home": home, "threads": 2, "dbt_project_dir": project})
    home.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "CATALOG_FIXTURE_DB": str(settings.warehouse_file),
        "CATALOG_FIXTURE_LAKE": str(lake_file),
    }
    args = [
        "--project-dir",
        str(project),
        "--profiles-dir",
        str(project),
        "--log-path",
        str(tmp_path / "logs"),
        "--quiet",
    ]
    script = (  # a separate process, as `dbt build` runs in real life (dbt-duckdb keeps its connection open)
        "import sys; from dbt.cli.main import dbtRunner; a = sys.argv[1:];"
        "sys.exit(not (dbtRunner().invoke(['build', *a]).success and dbtRunner().invoke(['docs', 'generate', *a]).success))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, *args], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    catalog.refresh(settings, metadata_file=NO_METADATA)
    stg = catalog.show(settings, "main.stg_customers")
    assert [e.upstream for e in stg.upstream] == ["lake.customers"]
    assert [e.downstream for e in stg.downstream] == ["main.dim_customers"]
    dim = catalog.show(settings, "main.dim_customers")
    assert sorted(e.upstream for e in dim.upstream) == ["main.country_names", "main.stg_customers"]
    assert [c.name for c in dim.dataset.columns] == ["country", "country_name", "customers"]
    assert dim.dataset.properties["tests"] == ["unique(country)"]
    assert dim.dataset.row_count == 1  # profiled in the warehouse
    assert {c.name: c.stats.distinct_count for c in dim.dataset.columns}["country"] == 1
    columns = {c.name: c for c in stg.dataset.columns}
    assert columns["email"].pii is not None and columns["email"].pii.source == "override"
    assert columns["first_name"].pii is not None and columns["first_name"].pii.kind == "person_name"


def test_register_models_after_create_and_drop_model(project: Settings) -> None:
    _lake_customers(project)
    catalog.refresh(project, metadata_file=NO_METADATA)
    assert catalog.search(project, "type=model").hits == ()
    _registry(project)
    report = catalog.register_models(project, metadata_file=NO_METADATA)
    assert report.sources == {"ml": 1} and report.datasets == 1
    assert [h.name for h in catalog.search(project, "type=model").hits] == ["ml.customer_segments"]
    assert [e.upstream for e in catalog.show(project, "customer_segments").upstream] == ["main.dim_customers"]
    con = duckdb.connect(str(project.warehouse_file))
    con.execute("DELETE FROM ml._models")
    con.close()
    catalog.register_models(project, metadata_file=NO_METADATA)
    assert catalog.search(project, "type=model").hits == ()
    assert catalog.show(project, "lake.customers").dataset.row_count == 1  # the rest is untouched


def test_register_dbt_after_a_build(project: Settings) -> None:
    _lake_customers(project)
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
