"""``lakehouse lake maintain`` keeps the lake snapshots that kept model versions were trained on.

A registered model is trained on the lake (its version records the snapshot it read); later batches
land, one replacing the table's rows; maintenance with an expiry that covers every older snapshot then
expires all but that one, says so, and the version's training rows read back exactly by time travel.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import lake
import warehouse
from lakehouse.settings import Settings
from tests.conftest import CliResult
from warehouse.ml import registry, versions

MODEL = (
    "CREATE OR REPLACE MODEL ml.items OPTIONS(model_type='kmeans', num_clusters=2, vertex_ai_model_id='items') "
    "AS SELECT amount, kind FROM lake.items"
)


def _csv(path: Path, first: int, rows: int) -> Path:
    lines = ["id,amount,kind"] + [f"{i},{i * 1.5},{'ab'[i % 2]}" for i in range(first, first + rows)]
    path.write_text("\n".join(lines) + "\n")
    return path


def _snapshots(settings: Settings) -> list[int]:
    con = warehouse.connect(settings, read_only=True)
    try:
        return [
            int(r[0]) for r in con.execute("SELECT snapshot_id FROM ducklake_snapshots('lake')").fetchall()
        ]
    finally:
        con.close()


def test_maintain_keeps_the_snapshot_a_kept_version_was_trained_on(
    settings: Settings, tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    lake.ingest(settings, [_csv(tmp_path / "a.csv", 0, 40)], "items", gate=None)
    con = warehouse.connect(settings)
    try:
        warehouse.execute(con, MODEL)
        trained = versions.find(con, "ml", "items", 1)
        read = registry.load(con, "ml", "items").state["training_read"]
        training_rows = sorted(con.execute(read).fetchall())
    finally:
        con.close()
    snapshot = trained.lake_snapshots["lake.items"]
    lake.ingest(settings, [_csv(tmp_path / "b.csv", 40, 25)], "items", gate=None)
    lake.ingest(settings, [_csv(tmp_path / "c.csv", 100, 30)], "items", gate=None, mode="replace")
    con = warehouse.connect(settings)
    try:
        warehouse.execute(con, MODEL)  # version 2, trained on the replaced rows; version 1 is kept
    finally:
        con.close()
    before = _snapshots(settings)
    assert snapshot in before and len([s for s in before if s > snapshot]) >= 2

    report = cli("lake", "maintain", "--keep-days", "0", "--json")
    assert report.code == 0, report.err
    con = warehouse.connect(settings, read_only=True)
    try:
        assert sorted(con.execute(read).fetchall()) == training_rows and len(training_rows) == 40
        assert con.execute("SELECT count(*) FROM lake.items").fetchone() == (30,)
    finally:
        con.close()
    kept = report.json()["kept_for_models"]
    assert {"snapshot": snapshot, "model": "ml.items", "version": 1, "table": "lake.items"} in kept
    after = _snapshots(settings)
    assert snapshot in after
    assert len(after) < len(before)  # the others older than the cutoff did expire
    text = cli("lake", "maintain", "--keep-days", "0")
    assert f"kept snapshot {snapshot} (lake.items): model ml.items version 1 was trained on it" in text.out


def test_maintain_without_models_expires_as_before(settings: Settings, tmp_path: Path) -> None:
    for i in range(3):
        lake.ingest(settings, [_csv(tmp_path / f"{i}.csv", i * 10, 10)], "items", gate=None)
    report = lake.maintain(settings, keep=dt.timedelta(0))
    assert report.kept_for_models == []
    assert report.snapshots_after < report.snapshots_before
