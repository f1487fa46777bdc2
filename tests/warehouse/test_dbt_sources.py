"""`lakehouse dbt sources`: sources.yml follows the lake's schemas and keeps what people wrote."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from lakehouse.cli import cli
from lakehouse.connect import connect
from lakehouse.errors import InputError
from lakehouse.settings import Settings
from tests.warehouse.conftest import isolated_settings
from tests.warehouse.lake_fixture import build_fixture_lake
from warehouse.dbt.sources import PLACEHOLDER, SOURCES_FILE, generate_sources, merge_tables

REPO_SOURCES = Path(__file__).resolve().parents[2] / "dbt_project" / SOURCES_FILE


@pytest.fixture
def lake(tmp_path: Path) -> Settings:
    settings = isolated_settings(tmp_path / "home")
    build_fixture_lake(settings)
    return settings


def lake_source(path: Path) -> dict:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    return next(s for s in document["sources"] if s["name"] == "lake")


def columns(source: dict, table: str) -> dict[str, dict]:
    entry = next(t for t in source["tables"] if t["name"] == table)
    return {c["name"]: c for c in entry["columns"]}


def test_keeps_descriptions_and_follows_schema_changes(lake: Settings, tmp_path: Path) -> None:
    path = tmp_path / "sources.yml"
    shutil.copy(REPO_SOURCES, path)
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    orders = next(t for t in document["sources"][0]["tables"] if t["name"] == "orders")
    orders["columns"][0]["description"] = "Hand-written: the order number printed on the receipt."
    orders["columns"][0]["data_tests"] = ["not_null"]
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    con = connect(lake)
    con.execute("ALTER TABLE lake.orders ADD COLUMN coupon_code VARCHAR")
    con.execute("ALTER TABLE lake.orders DROP COLUMN channel")
    con.execute("CREATE TABLE lake.returns (order_id BIGINT, reason VARCHAR)")
    con.close()

    report = generate_sources(lake, path)

    assert report.changed
    assert report.tables_added == ["returns"]
    assert "orders.coupon_code" in report.columns_added and "orders.channel" in report.columns_removed
    source = lake_source(path)
    order_columns = columns(source, "orders")
    assert (
        order_columns["order_id"]["description"] == "Hand-written: the order number printed on the receipt."
    )
    assert order_columns["order_id"]["data_tests"] == ["not_null"]
    assert order_columns["order_id"]["data_type"] == "BIGINT"
    assert order_columns["coupon_code"]["description"] == PLACEHOLDER.format(type="VARCHAR")
    assert "channel" not in order_columns
    assert order_columns["_ingested_at"]["description"].startswith("Lineage:")
    assert source["config"]["loaded_at_field"] == "_ingested_at"  # hand-written source keys survive
    assert "target.type" in source["database"]


def test_second_run_changes_nothing(lake_settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "sources.yml"
    shutil.copy(REPO_SOURCES, path)
    generate_sources(lake_settings, path)
    first = path.read_text(encoding="utf-8")
    assert not generate_sources(lake_settings, path).changed
    assert path.read_text(encoding="utf-8") == first


def test_committed_sources_match_the_lake_contract(lake_settings: Settings, tmp_path: Path) -> None:
    """The committed sources.yml already lists every column of the contract's lake tables."""
    path = tmp_path / "sources.yml"
    shutil.copy(REPO_SOURCES, path)
    report = generate_sources(lake_settings, path)
    assert report.columns_added == [] and report.columns_removed == [] and report.tables_added == []


def test_tables_missing_from_the_lake_are_kept_and_reported(tmp_path: Path) -> None:
    settings = isolated_settings(tmp_path / "home")
    con = connect(settings)
    con.execute("CREATE TABLE lake.customers (customer_id BIGINT)")
    con.execute("CREATE TABLE lake._quarantine (reason VARCHAR)")
    con.close()
    path = tmp_path / "sources.yml"
    shutil.copy(REPO_SOURCES, path)
    report = generate_sources(settings, path)
    assert report.tables == ["customers"]  # internal _quarantine is not a source
    assert report.tables_not_in_lake == ["events", "images", "orders", "products"]
    assert {t["name"] for t in lake_source(path)["tables"]} == {
        "customers",
        "events",
        "images",
        "orders",
        "products",
    }


def test_creates_the_file_when_there_is_none(lake_settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "new" / "sources.yml"
    report = generate_sources(lake_settings, path)
    assert report.tables_added == ["customers", "events", "images", "orders", "products"]
    source = lake_source(path)
    assert source["schema"].startswith("{{") and len(columns(source, "events")) == 14


def test_bad_yaml_is_an_input_error(lake_settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "sources.yml"
    path.write_text("sources: [unclosed\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"sources\.yml: not valid YAML"):
        generate_sources(lake_settings, path)


def test_cli_prints_the_report_as_json(lake_settings: Settings, tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(REPO_SOURCES.parents[2], project, ignore=shutil.ignore_patterns("target", "logs"))
    env = {"LAKEHOUSE_HOME": str(lake_settings.home), "LAKEHOUSE_DBT_PROJECT_DIR": str(project)}
    result = CliRunner().invoke(cli, ["dbt", "sources", "--json"], env=env, standalone_mode=False)
    assert result.exception is None, result.output
    data = json.loads(result.output)
    assert data["path"] == str(project / SOURCES_FILE)
    assert data["tables"] == ["customers", "events", "images", "orders", "products"]


names = st.sampled_from(["id", "name", "amount", "ts", "payload", "_batch_id", "_ingested_at"])
schemas = st.dictionaries(
    st.sampled_from(["orders", "events", "returns"]),
    st.lists(st.tuples(names, st.sampled_from(["BIGINT", "VARCHAR", "TIMESTAMP"])), unique_by=lambda c: c[0]),
    min_size=1,
)


@given(before=schemas, after=schemas)
def test_merge_is_idempotent_and_keeps_descriptions(before: dict, after: dict) -> None:
    """Law: regenerating twice equals regenerating once, and a column that stays keeps its description."""
    source: dict = {"name": "lake", "tables": []}
    merge_tables(source, before)
    for table in source["tables"]:
        for column in table.get("columns", []):
            column["description"] = f"hand-written {table['name']}.{column['name']}"
    merge_tables(source, after)
    once = copy.deepcopy(source)
    merge_tables(source, after)
    assert source == once
    for table in source["tables"]:
        kept = {name for name, _ in before.get(table["name"], [])} & {
            name for name, _ in after.get(table["name"], [])
        }
        for column in table.get("columns", []):
            if column["name"] in kept:
                assert column["description"] == f"hand-written {table['name']}.{column['name']}"
