"""The contract records match what their producers really write (lakehouse/contracts.py).

Each test runs the producer (a real ingest, a real validation, the real model registry) and reads its
output back through the contract type, so a column renamed on one side fails here, not silently in
the consumer.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

import lake
import quality
from lakehouse import contracts
from lakehouse.connect import connect
from lakehouse.settings import Settings
from warehouse.ml import registry, versions
from warehouse.retrain import loop


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    rows = con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = 'lake' AND table_name = ? "
        "ORDER BY column_index",
        [table],
    ).fetchall()
    return dict(rows)


def test_the_lake_bookkeeping_tables_are_the_contract_records(settings: Settings, tmp_path: Path) -> None:
    first, second = tmp_path / "parcels-0.csv", tmp_path / "parcels-1.csv"
    first.write_text("Parcel ID,Weight\n1,2\n", encoding="utf-8")
    second.write_text("Parcel ID,Weight,Carrier\n2,2.5,DHL\n", encoding="utf-8")
    lake.ingest(settings, [first], "parcels")
    report = lake.ingest(settings, [second], "parcels")
    con = connect(settings, lake_read_only=True)
    try:
        for record in (contracts.LakeSchemaChange, contracts.LakeColumnOrigin, contracts.LakeNullMarker):
            assert _columns(con, record.TABLE) == contracts.stored_columns(record), record.__name__
        names = [
            *contracts.stored_columns(contracts.LakeSchemaChange),
            "snapshot_id",
        ]  # DuckLake's snapshot_id
        rows = con.execute(f"SELECT {', '.join(names)} FROM lake._schema_changes").fetchall()
    finally:
        con.close()
    changes = [contracts.LakeSchemaChange(*row) for row in rows]
    widened = [c for c in changes if c.change == "widened"]
    assert [(c.column_name, c.old_type, c.new_type, c.snapshot_id) for c in widened] == [
        ("weight", "BIGINT", "DOUBLE", report.snapshot_id)
    ]


def test_quality_writes_the_summary_the_catalog_reads(settings: Settings) -> None:
    path = quality.record_ungated(settings, "orders")
    summary, found = contracts.latest_summaries(settings.quality_dir)["orders"]
    assert found == path
    assert (summary.table, summary.source, summary.gated, summary.checks) == (
        "lake.orders",
        "ingest",
        False,
        0,
    )
    stored = json.loads(path.read_text(encoding="utf-8"))["summary"]
    assert contracts.ValidationSummary.from_json(stored) == summary
    assert quality.latest_results(settings)["orders"]["table"] == "lake.orders"


def test_the_model_registry_has_the_columns_the_catalog_reads() -> None:
    con = duckdb.connect()
    try:
        registry.ensure(con)
        query = "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ?"
        table = [contracts.RegisteredModel.SCHEMA, contracts.RegisteredModel.TABLE]
        have = {r[0] for r in con.execute(query, table).fetchall()}
    finally:
        con.close()
    assert set(contracts.RegisteredModel.columns()) <= have


def test_the_retrain_decisions_have_the_columns_the_catalog_reads() -> None:
    con = duckdb.connect()
    try:
        loop.record(con, loop.RetrainReport("ml.m", [], retrained=False, promoted=False, reason="kept"))
        query = "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ?"
        table = [contracts.RetrainDecision.SCHEMA, contracts.RetrainDecision.TABLE]
        have = {r[0] for r in con.execute(query, table).fetchall()}
    finally:
        con.close()
    assert set(contracts.RetrainDecision.columns()) <= have


def test_a_kept_version_is_named_as_the_warehouse_names_it() -> None:
    assert contracts.kept_version_name("ml.churn", 3) == versions.stored_name("ml.churn", 3) == "ml.churn__v3"
    assert contracts.kept_version("ml.churn__v3") == ("ml.churn", 3)
    assert contracts.kept_version("ml.churn__vx") is None and contracts.kept_version("ml.churn") is None
