"""Refresh from a real DuckLake lake: columns, stats, PII, lineage, freshness, schema history, show.

The lake is landed by real ingests (what the lake hands the catalog: lineage columns, schema changes,
original column names, the landed batch); plain SQL on top stands for any other writer, whose changes
DuckLake records. Quality status comes from real validations.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

import catalog
import quality
from catalog import store
from lake import ingest as lake_ingest
from lakehouse.cli import output
from lakehouse.connect import connect
from lakehouse.errors import NotFoundError, UsageError
from lakehouse.settings import Settings, load_settings
from lakehouse.wiring import pipeline
from tests.conftest import CliResult

NO_METADATA = Path("/nonexistent")


def csv(path: Path, *lines: str) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home whose lake holds customers (one file) and orders (two files), landed by real ingests.

    Module-scoped: each test gets a copy (a copied home opens with its own data path).
    """
    root = tmp_path_factory.mktemp("ingested")
    settings = load_settings({"home": root / "home", "threads": 2}, env={}, cwd=root)
    days = [dt.date(1970, 1, 1) + dt.timedelta(days=i * 97) for i in range(40)]
    customers = [f"{i},user{i}@example.com,{'' if i % 5 == 0 else 'gold'},{days[i]}" for i in range(40)]
    lake_ingest(settings, [csv(root / "customers.csv", "customer_id,email,loyalty_tier,birth_date", *customers)],
                "customers")  # fmt: skip
    orders = [csv(root / f"orders-{n}.csv", "order_id,customer_id", *[f"{i},{i % 40}" for i in range(n, 100, 2)])
              for n in (0, 1)]  # fmt: skip
    lake_ingest(settings, orders, "orders")
    return settings.home


@pytest.fixture
def lake(settings: Settings, ingested: Path) -> Settings:
    """A copy of the ingested lake, then a column added and a comment set by plain SQL (any writer)."""
    shutil.copytree(ingested, settings.home)
    con = connect(settings)
    for sql in ("ALTER TABLE lake.orders ADD COLUMN channel VARCHAR",
                "COMMENT ON TABLE lake.customers IS 'Customers from the CRM export'"):  # fmt: skip
        con.execute(sql)
    con.close()
    return settings


def source_uri(settings: Settings, dataset: str) -> list[str]:
    con = connect(settings, lake_read_only=True)
    try:
        return [
            r[0]
            for r in con.execute(f"SELECT DISTINCT _source_uri FROM lake.{dataset} ORDER BY 1").fetchall()
        ]
    finally:
        con.close()


def test_refresh_reads_the_lake(lake: Settings) -> None:
    report = catalog.refresh(lake, metadata_file=NO_METADATA)
    assert report.sources == {"lake": 2, "dbt": 0, "ml": 0}
    assert report.datasets == 2 and report.pii_columns == 2  # email, birth_date
    assert report.lineage_edges == 3  # one customers file, two orders files
    info = catalog.show(lake, "customers")
    d = info.dataset
    assert (d.name, d.kind, d.layer, d.row_count) == ("lake.customers", "table", "raw", 40)
    assert d.description == "Customers from the CRM export"
    assert d.updated_at is not None and d.snapshot_id is not None
    cols = {c.name: c for c in d.columns}
    assert cols["loyalty_tier"].stats.null_fraction == pytest.approx(0.2)
    assert cols["customer_id"].stats.min == "0" and cols["customer_id"].stats.max == "39"
    assert cols["loyalty_tier"].stats.top_values == ("gold",)
    assert cols["email"].pii is not None and cols["email"].pii.kind == "email"
    assert (
        cols["email"].stats.min is None and cols["email"].stats.top_values == ()
    )  # no PII values in the catalog
    assert cols["birth_date"].pii is not None and cols["birth_date"].pii.kind == "date_of_birth"
    assert [e.upstream for e in info.upstream] == [f"file:{uri}" for uri in source_uri(lake, "customers")]
    assert (
        info.example_query
        == "SELECT customer_id, email, loyalty_tier, birth_date FROM lake.customers LIMIT 10"
    )


def test_schema_history_from_ducklake(lake: Settings) -> None:
    catalog.refresh(lake, metadata_file=NO_METADATA)
    history = catalog.show(lake, "lake.orders").schema_history
    changes = [(h.change, h.column, h.old_type, h.new_type, h.source) for h in history]
    assert changes[0] == ("created", None, None, None, "ducklake")
    assert ("added", "channel", None, "varchar", "ducklake") in changes
    assert history[0].snapshot_id is not None and history[-1].snapshot_id > history[0].snapshot_id


def test_show_gives_each_ingest_change_its_snapshot_and_types_and_each_column_its_source_name(
    cli: Callable[..., CliResult], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression (issue 13): the catalog read fields of lake._schema_changes the lake does not write
    (history without snapshot or types) and original names from a report field that does not exist."""
    monkeypatch.setenv("LAKEHOUSE_DBT_PROJECT_DIR", str(tmp_path / "no_dbt_project"))
    first = cli("ingest", str(csv(tmp_path / "shipments-0.csv", "Shipment ID,Weight KG", "1,10", "2,20")),
                "--dataset", "shipments", "--json")  # fmt: skip
    second = cli("ingest", str(csv(tmp_path / "shipments-1.csv", "Shipment ID,Weight KG,Carrier Name", "3,10.5,DHL")),
                 "--dataset", "shipments", "--json")  # fmt: skip
    assert first.code == 0 and second.code == 0, first.err + second.err
    one, two = first.json()["snapshot_id"], second.json()["snapshot_id"]
    shown = cli("catalog", "show", "shipments", "--json").json()
    assert {
        (h["snapshot_id"], h["change"], h["column"], h["old_type"], h["new_type"])
        for h in shown["schema_history"]
        if h["source"] == "ingest"
    } == {
        (one, "created", "shipment_id", None, "BIGINT"),
        (one, "created", "weight_kg", None, "BIGINT"),
        (two, "widened", "weight_kg", "BIGINT", "DOUBLE"),
        (two, "added", "carrier_name", None, "VARCHAR"),
    }
    assert {h["snapshot_id"] for h in shown["schema_history"]} == {one, two}
    names = {
        c["name"]: c["original_name"] for c in shown["dataset"]["columns"] if not c["name"].startswith("_")
    }
    assert names == {"shipment_id": "Shipment ID", "weight_kg": "Weight KG", "carrier_name": "Carrier Name"}

    monkeypatch.setattr(output.console, "width", 240)  # one line per table row
    text = cli("catalog", "show", "shipments").out
    assert re.search(rf"│ {two} +│ [^│]+│ widened +│ weight_kg +│ BIGINT → DOUBLE +│", text), text
    assert re.search(r"│ shipment_id +│ BIGINT +│.*│ Shipment ID +│", text), text

    assert cli("catalog", "refresh").code == 0  # a full refresh reads the names from the lake again
    again = cli("catalog", "show", "shipments", "--json").json()
    assert {c["name"]: c["original_name"] for c in again["dataset"]["columns"]}[
        "carrier_name"
    ] == "Carrier Name"
    assert cli("catalog", "search", '"Carrier Name"', "--json").json()["hits"][0]["name"] == "lake.shipments"


def test_internal_tables_are_not_catalogued(settings: Settings, tmp_path: Path) -> None:
    pipeline.ingest(settings, [csv(tmp_path / "returns.csv", "return_id", "1")], "returns", gate=False)
    catalog.refresh(settings, metadata_file=NO_METADATA)
    with pytest.raises(NotFoundError, match="no dataset '_quarantine' in the catalog"):
        catalog.show(settings, "_quarantine")
    assert catalog.search(settings, "quarantine").hits == ()
    assert [h.name for h in catalog.search(settings, "type=table").hits] == ["lake.returns"]


def test_show_suggests_names(lake: Settings) -> None:
    catalog.refresh(lake, metadata_file=NO_METADATA)
    with pytest.raises(NotFoundError, match=r"no dataset 'customer' .*did you mean"):
        catalog.show(lake, "customer")


def test_show_before_any_refresh(settings: Settings) -> None:
    with pytest.raises(NotFoundError, match="the catalog is empty"):
        catalog.show(settings, "orders")
    assert catalog.search(settings, "orders").warnings[-1].startswith("the catalog is empty")


def test_an_ingest_updates_its_dataset_in_the_catalog(lake: Settings, tmp_path: Path) -> None:
    """The wiring hands the catalog the lake's LandedBatch; only that dataset is re-read."""
    catalog.refresh(lake, metadata_file=NO_METADATA)
    first = csv(tmp_path / "returns-0.csv", "Return ID,order_id", "1,7", "2,9")
    report = pipeline.ingest(lake, [first], "returns", gate=False)
    info = catalog.show(lake, "returns")
    assert info.dataset.row_count == 2
    assert [e.upstream for e in info.upstream] == [f"file:{report.files[0].uri}"]
    assert {c.name: c.original_name for c in info.dataset.columns}["return_id"] == "Return ID"
    assert catalog.search(lake, '"Return ID"').hits[0].name == "lake.returns"
    assert catalog.show(lake, "customers").dataset.row_count == 40  # untouched

    second = pipeline.ingest(lake, [first, csv(tmp_path / "returns-1.csv", "Return ID,order_id", "3,4")], "returns",
                             gate=False)  # fmt: skip
    assert second.landed().source_uris == (second.files[1].uri,)  # the first file had landed already
    assert catalog.show(lake, "returns").dataset.row_count == 3


def catalog_content(settings: Settings) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the catalog store's datasets, columns, lineage and schema history, sorted."""
    con = store.connect(settings.catalog_dir, readonly=True)
    try:
        tables = ("datasets", "columns", "lineage", "schema_history")
        return {t: sorted(con.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables}  # noqa: S608
    finally:
        con.close()


def test_the_update_after_an_ingest_equals_a_full_refresh(lake: Settings, tmp_path: Path) -> None:
    """The ingest's catalog update reads only the tables the batch wrote (their list, comment and columns
    from DuckLake's metadata); what it writes is what a full refresh of the whole lake writes.

    One DuckDB thread: with more, ``approx_top_k`` may list values of equal count in another order on
    every scan (two full refreshes differ the same way)."""
    lake = lake.model_copy(update={"threads": 1})
    pipeline.ingest(
        lake, [csv(tmp_path / "returns-0.csv", "Return ID,order_id", "1,7")], "returns", gate=False
    )
    con = connect(lake)
    con.execute("COMMENT ON TABLE lake.returns IS 'Returned orders'")
    con.close()
    catalog.refresh(lake)
    pipeline.ingest(lake, [csv(tmp_path / "orders-2.csv", "order_id,customer_id,channel", "500,3,web")], "orders",
                    gate=False)  # fmt: skip
    pipeline.ingest(lake, [csv(tmp_path / "returns-1.csv", "Return ID,order_id,reason", "2,9,late")], "returns",
                    gate=False)  # fmt: skip
    incremental = catalog_content(lake)
    assert ("lake.returns", "Returned orders", 2) in {(r[0], r[4], r[7]) for r in incremental["datasets"]}

    catalog.refresh(lake)
    assert catalog_content(lake) == incremental


def suite(folder: Path, dataset: str, *expectations: tuple[str, dict, str]) -> None:
    """A suite file, as people write them (GX JSON with our severity)."""
    folder.mkdir(parents=True, exist_ok=True)
    items = [
        {"type": t, "kwargs": kwargs, "meta": {"severity": severity}} for t, kwargs, severity in expectations
    ]
    (folder / f"{dataset}.json").write_text(
        json.dumps({"name": dataset, "expectations": items}), encoding="utf-8"
    )


def test_quality_status_from_real_validations(lake: Settings, tmp_path: Path) -> None:
    suites = tmp_path / "suites"
    suite(suites, "orders",
          ("expect_table_row_count_to_be_between", {"min_value": 1, "max_value": 1000}, "critical"),
          ("expect_column_values_to_not_be_null", {"column": "channel"}, "critical"),
          ("expect_column_values_to_be_between", {"column": "order_id", "min_value": 0, "max_value": 50}, "warning"),
          ("expect_column_values_to_be_unique", {"column": "order_id"}, "warning"))  # fmt: skip
    suite(
        suites,
        "customers",
        ("expect_table_row_count_to_be_between", {"min_value": 1, "max_value": 100}, "critical"),
    )
    settings = lake.model_copy(update={"quality_suites_dir": suites})
    quality.check(settings, ["orders", "customers"])
    catalog.refresh(settings, metadata_file=NO_METADATA)
    q = catalog.show(settings, "orders").dataset.quality
    assert q is not None and (q.label, q.checks, q.failed_critical, q.failed_warning) == ("failing", 4, 1, 1)
    assert [h.name for h in catalog.search(settings, "quality=failing").hits] == ["lake.orders"]
    assert [h.name for h in catalog.search(settings, "quality=passing").hits] == ["lake.customers"]


def test_an_unreadable_quality_result_does_not_break_refresh(lake: Settings) -> None:
    path = quality.record_ungated(lake, "orders")
    path.write_text("{", encoding="utf-8")  # e.g. a disk that filled up (results are written atomically)
    report = catalog.refresh(lake, metadata_file=NO_METADATA)
    assert len(report.warnings) == 1
    assert report.warnings[0].startswith(
        f"quality status skipped: {path}: not a validation result this version"
    )
    assert catalog.show(lake, "orders").dataset.quality is None


def test_business_metadata_from_yaml(lake: Settings, tmp_path: Path) -> None:
    meta = tmp_path / "metadata.yml"
    meta.write_text("datasets:\n  orders:\n    description: Every order line\n    owner: sales\n    tags: [revenue]\n"
                    "    columns:\n      channel: {description: \"web, app or store\"}\n")  # fmt: skip
    catalog.refresh(lake, metadata_file=meta)
    d = catalog.show(lake, "orders").dataset
    assert (d.description, d.owner, d.tags) == ("Every order line", "sales", ("revenue",))
    assert [h.name for h in catalog.search(lake, "owner:sales").hits] == ["lake.orders"]
    assert catalog.search(lake, "description:store").hits[0].matching_columns[0].name == "channel"


def test_ambiguous_short_name(lake: Settings) -> None:
    con = connect(lake)
    con.execute("CREATE SCHEMA lake.archive")
    con.execute("CREATE TABLE lake.archive.orders AS SELECT 1 AS order_id")
    con.close()
    catalog.refresh(lake, metadata_file=NO_METADATA)
    with pytest.raises(
        UsageError, match=r"'orders' names several datasets: lake.archive.orders, lake.orders"
    ):
        catalog.show(lake, "orders")
    assert catalog.show(lake, "lake.archive.orders").dataset.row_count == 1


def test_search_over_an_index_of_an_older_version_says_to_refresh(settings: Settings) -> None:
    (settings.catalog_dir / "search-v1").mkdir(parents=True)
    assert catalog.search(settings, "orders").warnings[-1] == (
        "its search index is from an older version: run `lakehouse catalog refresh`"
    )
