"""Model versions and aliases (warehouse.ml.versions) on real models: CREATE OR REPLACE of a registered
model keeps the earlier versions, `default` serves and moves with promote and rollback, versions survive
a new connection, a version is addressed as ``name__v<N>``, and each version's training rows are read again
exactly by DuckLake time travel after new rows land."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

import lake
import warehouse
from lakehouse.errors import NotFoundError, UsageError
from lakehouse.settings import Settings
from tests.conftest import CliResult
from warehouse.ml import registry, versions

DATA = "CREATE OR REPLACE TABLE d AS SELECT i / 10 AS x, (i % 7) * {scale} AS z FROM range(60) r(i)"
REGISTERED = (
    "CREATE OR REPLACE MODEL ml.seg OPTIONS(model_type='kmeans', num_clusters=2, model_registry='vertex_ai'"
    "{aliases}) AS SELECT x, z FROM d"
)


def _create(con: duckdb.DuckDBPyConnection, scale: int, aliases: str = "") -> None:
    con.execute(DATA.format(scale=scale))
    warehouse.execute(con, REGISTERED.format(aliases=aliases))


def _state(con: duckdb.DuckDBPyConnection) -> list[tuple[int, str, list[str]]]:
    return [(v.version, v.stored_as, v.aliases) for v in versions.list_versions(con, "ml", "seg")]


def _centroids(con: duckdb.DuckDBPyConnection, model: str) -> list[tuple]:
    query = f"SELECT centroid_id, feature, numerical_value FROM ML.CENTROIDS(MODEL {model}) ORDER BY 1, 2"
    return warehouse.execute(con, query).rows


def test_versions_are_kept_promoted_rolled_back_and_survive_a_new_connection(tmp_path: Path) -> None:
    path = str(tmp_path / "w.duckdb")
    with duckdb.connect(path) as con:
        _create(con, 1)
        first = _centroids(con, "ml.seg")
        _create(con, 100)
        _create(con, 1000)
        third = _centroids(con, "ml.seg")
        assert first != third
    with duckdb.connect(path) as con:  # a new connection: the versions were stored, not remembered
        assert _state(con) == [
            (1, "ml.seg__v1", []),
            (2, "ml.seg__v2", []),
            (3, "ml.seg", ["default"]),
        ]
        assert _centroids(con, "ml.seg__v1") == first  # a kept version, by its name
        assert _centroids(con, "ml.seg__v3") == third  # the default one, by its version name too
        versions.promote(con, "ml", "seg", 1)
        assert _centroids(con, "ml.seg") == first
    with duckdb.connect(path) as con:
        assert _state(con)[0] == (1, "ml.seg", ["default"])
        restored = versions.rollback(con, "ml", "seg")
        assert (restored.version, restored.aliases) == (3, ["default"])
    with duckdb.connect(path) as con:
        assert _centroids(con, "ml.seg") == third
        assert [v.version for v in versions.list_versions(con, "ml", "seg") if v.is_default] == [3]
        log = con.execute("SELECT version, reason FROM ml._model_defaults ORDER BY seq").fetchall()
        assert log == [(1, "created"), (2, "created"), (3, "created"), (1, "promoted"), (3, "rolled back")]


def test_a_new_version_takes_its_aliases_from_the_others(tmp_path: Path) -> None:
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        _create(con, 1, ", vertex_ai_model_version_aliases=['staging', 'blue']")
        _create(con, 2, ", vertex_ai_model_version_aliases=['staging']")
        assert _state(con) == [(1, "ml.seg__v1", ["blue"]), (2, "ml.seg", ["default", "staging"])]
        assert versions.find(con, "ml", "seg", "blue").version == 1
        with pytest.raises(UsageError, match="model version alias '7' is numeric"):
            _create(con, 3, ", vertex_ai_model_version_aliases=['7']")
        with pytest.raises(NotFoundError, match="model ml.seg has no version 'v9'"):
            versions.promote(con, "ml", "seg", "v9")


def test_an_unregistered_model_is_replaced_and_drop_model_drops_every_version(tmp_path: Path) -> None:
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        con.execute(DATA.format(scale=1))
        plain = (
            "CREATE OR REPLACE MODEL ml.p OPTIONS(model_type='kmeans', num_clusters=2) AS SELECT x, z FROM d"
        )
        warehouse.execute(con, plain)
        warehouse.execute(con, plain)
        assert [(v.version, v.stored_as) for v in versions.list_versions(con, "ml", "p")] == [(2, "ml.p")]
        with pytest.raises(UsageError, match="no earlier default to roll back to"):
            versions.rollback(con, "ml", "p")
        _create(con, 1)
        _create(con, 2)
        with pytest.raises(UsageError, match="ml.seg__v2 is the default version of its model"):
            warehouse.execute(con, "DROP MODEL ml.seg__v2")
        assert (
            warehouse.execute(con, "DROP MODEL ml.seg").message
            == "dropped model ml.seg and its 1 other versions"
        )
        names = {r[0] for r in con.execute("SELECT name FROM ml._models").fetchall()}
        tables = {
            r[0]
            for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'ml'").fetchall()
        }
        assert names == {"ml.p"}
        assert not any(t.startswith("seg") for t in tables)


def _csv(path: Path, first: int, rows: int) -> Path:
    lines = ["id,amount,kind"] + [f"{i},{i * 1.5},{'ab'[i % 2]}" for i in range(first, first + rows)]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_time_travel_reads_a_versions_training_rows_again_after_new_rows_land(
    settings: Settings, tmp_path: Path
) -> None:
    lake.ingest(settings, [_csv(tmp_path / "a.csv", 0, 40)], "items", gate=None)
    con = warehouse.connect(settings)
    try:
        warehouse.execute(
            con,
            "CREATE MODEL ml.items OPTIONS(model_type='kmeans', num_clusters=2, vertex_ai_model_id='items') "
            "AS SELECT amount, kind FROM lake.items",
        )
        trained = versions.find(con, "ml", "items", "default")
        snapshot = trained.lake_snapshot
        assert snapshot is not None and trained.lake_snapshots == {"lake.items": snapshot}
        read = registry.load(con, "ml", "items").state["training_read"]
        training_rows = sorted(con.execute(read).fetchall())
    finally:
        con.close()
    landed = lake.ingest(settings, [_csv(tmp_path / "b.csv", 40, 25)], "items", gate=None)
    assert landed.snapshot_id > snapshot
    con = warehouse.connect(settings)
    try:
        assert con.execute("SELECT count(*) FROM lake.items").fetchone() == (65,)
        again = sorted(con.execute(read).fetchall())
        at_version = sorted(
            con.execute(f"SELECT amount, kind FROM lake.items AT (VERSION => {int(snapshot)})").fetchall()
        )
        assert again == training_rows == at_version and len(again) == 40
        # a new version of the registered model reads the new snapshot; the first keeps its own
        warehouse.execute(
            con,
            "CREATE OR REPLACE MODEL ml.items OPTIONS(model_type='kmeans', num_clusters=2, "
            "vertex_ai_model_id='items') AS SELECT amount, kind FROM lake.items",
        )
        snapshots = {v.version: v.lake_snapshots for v in versions.list_versions(con, "ml", "items")}
        assert snapshots == {1: {"lake.items": snapshot}, 2: {"lake.items": landed.snapshot_id}}
    finally:
        con.close()


def test_the_cli_lists_promotes_and_rolls_back(cli: Callable[..., CliResult]) -> None:
    for scale in (1, 50):
        assert cli("sql", DATA.format(scale=scale)).code == 0
        assert cli("sql", REGISTERED.format(aliases="")).code == 0
    listed = cli("ml", "versions", "ml.seg", "--json")
    assert listed.code == 0, listed.err
    assert [(v["version"], v["stored_as"], v["aliases"]) for v in listed.json()] == [
        (1, "ml.seg__v1", []),
        (2, "ml.seg", ["default"]),
    ]
    promoted = cli("ml", "promote", "ml.seg", "v1")
    assert promoted.out.strip() == "ml.seg: version 1 holds `default` (stored as ml.seg)"
    rolled = cli("ml", "rollback", "ml.seg", "--json")
    assert (rolled.json()["version"], rolled.json()["aliases"]) == (2, ["default"])
    missing = cli("ml", "promote", "ml.seg", "7")
    assert missing.code == 1 and "model ml.seg has no version '7'" in missing.err
