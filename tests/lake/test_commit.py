"""Commits: the gate decides, modes, partitioning, maintenance, the writer lock."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import lake
from lakehouse.errors import GateFailed, LockedError, UsageError
from lakehouse.locks import writer_lock
from lakehouse.settings import Settings, load_settings
from tests.conftest import LAYOUTS
from tests.lake.conftest import (
    NotNullGate,
    data_files,
    put_data_file,
    query,
    snapshot_count,
    table_names,
    write_lines,
)


@pytest.fixture(params=LAYOUTS)
def lake_layout(request: pytest.FixtureRequest) -> str:
    """Every test here runs on the embedded layout and on the team layout (PostgreSQL + S3, real servers)."""
    return str(request.param)


def _orders(tmp_path: Path, name: str, rows: list[str]) -> Path:
    return write_lines(tmp_path / name, ["order_id,status,amount", *rows])


def test_gate_rejects_batch_and_lake_is_unchanged(settings: Settings, tmp_path: Path) -> None:
    lake.ingest(settings, [_orders(tmp_path, "a.csv", ["1,placed,10", "2,shipped,20"])], "orders")
    before = (snapshot_count(settings), query(settings, "SELECT count(*) FROM lake.orders"))
    gate = NotNullGate("status")
    with pytest.raises(
        GateFailed, match=r"quality gate rejected batch .* expect_column_values_to_not_be_null\(status\)"
    ) as info:
        lake.ingest(settings, [_orders(tmp_path, "b.csv", ["3,,30", "4,placed,40"])], "orders", gate=gate)
    report = info.value.report  # type: ignore[attr-defined]
    assert isinstance(info.value, lake.BatchRejected) and not report.committed and gate.calls == 1
    assert (report.rows_landed, report.rows_quarantined) == (0, 2)
    assert query(settings, "SELECT count(*) FROM lake.orders") == before[1]
    reasons = query(settings, "SELECT DISTINCT reason, raw IS NOT NULL FROM lake._quarantine")
    assert (
        len(reasons) == 1 and "expect_column_values_to_not_be_null(status)" in reasons[0][0] and reasons[0][1]
    )
    assert query(settings, "SELECT count(*) FROM lake._files") == [(1,)]  # a rerun retries the rejected file
    assert snapshot_count(settings) == before[0] + 1  # only the quarantine commit


def test_gate_warning_commits_and_is_reported(settings: Settings, tmp_path: Path) -> None:
    gate = NotNullGate("status", severity="warning")
    report = lake.ingest(settings, [_orders(tmp_path, "a.csv", ["1,,10"])], "orders", gate=gate)
    assert report.committed and report.gate is not None and report.gate.passed
    assert [w.expectation for w in report.gate.warnings] == ["expect_column_values_to_not_be_null"]
    assert not report.gate_skipped


def test_gate_sees_exactly_the_staged_batch(settings: Settings, tmp_path: Path) -> None:
    seen: list[tuple[int, list[str]]] = []

    def gate(con, dataset, relation):  # type: ignore[no-untyped-def]
        from lakehouse.gate import GateResult

        count = con.execute(f'SELECT count(*) FROM "{relation}"').fetchone()[0]
        columns = [d[0] for d in con.execute(f'SELECT * FROM "{relation}" LIMIT 0').description]
        seen.append((count, columns))
        return GateResult(dataset, "s", 0)

    lake.ingest(settings, [_orders(tmp_path, "a.csv", ["1,placed,10"])], "orders")
    lake.ingest(settings, [_orders(tmp_path, "b.csv", ["2,placed,10", "3,placed,5"])], "orders", gate=gate)
    assert seen == [
        (2, ["order_id", "status", "amount", "_source_uri", "_source_line", "_batch_id", "_ingested_at"])
    ]


def test_replace_and_merge(settings: Settings, tmp_path: Path) -> None:
    lake.ingest(settings, [_orders(tmp_path, "a.csv", ["1,placed,10", "2,placed,20"])], "orders")
    merged = lake.ingest(
        settings,
        [_orders(tmp_path, "b.csv", ["2,shipped,20", "3,placed,30"])],
        "orders",
        mode="merge",
        key="order_id",
    )
    assert merged.rows_landed == 2
    assert query(settings, "SELECT order_id, status FROM lake.orders ORDER BY 1") == [
        (1, "placed"),
        (2, "shipped"),
        (3, "placed"),
    ]
    dup = lake.ingest(
        settings,
        [_orders(tmp_path, "dup.csv", ["3,shipped,30", "3,delivered,30"])],
        "orders",
        mode="merge",
        key="order_id",
    )
    assert (dup.rows_landed, dup.rows_quarantined) == (1, 1)
    assert query(settings, "SELECT status FROM lake.orders WHERE order_id = 3") == [("delivered",)]
    replaced = lake.ingest(settings, [_orders(tmp_path, "c.csv", ["9,returned,1"])], "orders", mode="replace")
    assert replaced.committed
    assert query(settings, "SELECT order_id FROM lake.orders") == [(9,)]
    again = lake.ingest(settings, [tmp_path / "a.csv"], "orders")  # replace forgot the old files
    assert again.rows_landed == 2
    with pytest.raises(UsageError, match="merge key 'nope' is not a column"):
        lake.ingest(
            settings, [_orders(tmp_path, "d.csv", ["5,placed,1"])], "orders", mode="merge", key="nope"
        )


def test_partition_by_year(settings: Settings, tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "e.ndjson", [f'{{"id": {i}, "t": "{2020 + i % 3}-05-01T00:00:00"}}' for i in range(9)]
    )
    lake.ingest(settings, [path], "ev", partition_by="year(t)")
    assert query(settings, "SELECT count(*), count(DISTINCT year(t)) FROM lake.ev") == [(9, 3)]
    with pytest.raises(UsageError, match="cannot partition by 'drop table x'"):
        lake.ingest(
            settings,
            [write_lines(tmp_path / "f.ndjson", ['{"id": 1, "t": "2020-01-01T00:00:00"}'])],
            "ev2",
            partition_by="drop table x",
        )


def test_maintain_compacts_and_keeps_data(settings: Settings, tmp_path: Path) -> None:
    for i in range(3):
        lake.ingest(settings, [write_lines(tmp_path / f"{i}.ndjson", [f'{{"id": {i}}}'])], "small")
    put_data_file(settings, "main/small/orphan.parquet")
    if not settings.lake_on_object_store:  # an object's time cannot be set: there, any age counts
        os.utime(settings.lake_data_dir / "main" / "small" / "orphan.parquet", (1, 1))
    (settings.spill_dir / "ingest-killed" / "staged").mkdir(parents=True)
    os.utime(settings.spill_dir / "ingest-killed", (1, 1))  # long ago (a shared catalog spares young ones)
    orphan_age = dt.timedelta(minutes=-1) if settings.lake_on_object_store else dt.timedelta(hours=1)
    report = lake.maintain(settings, orphan_age=orphan_age)
    assert set(report.steps) == {
        "flush_inlined",
        "merge_files",
        "expire_snapshots",
        "cleanup_old_files",
        "delete_orphans",
        "stale_staging",
    }
    assert report.steps["stale_staging"] == 1 and not list(settings.spill_dir.glob("ingest-*"))
    assert report.steps["delete_orphans"] >= 1, report.steps
    if not settings.lake_on_object_store:  # on moto the object was still listed afterwards (issue 18 note)
        assert not data_files(settings, "main/small/orphan.parquet")
    assert query(settings, "SELECT sum(id) FROM lake.small") == [(3,)]


def test_writer_lock_names_the_holder(settings: Settings) -> None:
    code = (
        "import sys, time; from pathlib import Path; from lakehouse.locks import writer_lock\n"
        "with writer_lock(Path(sys.argv[1])):\n    print('held', flush=True); time.sleep(30)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(settings.lock_file)], stdout=subprocess.PIPE, env=env
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == b"held"
        with (
            pytest.raises(LockedError, match=rf"held by another process \(PID {holder.pid}\)"),
            writer_lock(settings.lock_file, timeout=0.3),
        ):
            pass
    finally:
        holder.kill()
        holder.wait()
    with writer_lock(settings.lock_file, timeout=5):  # the kernel released the killed holder's lock
        pass


def test_tables_listed(settings: Settings, tmp_path: Path) -> None:
    lake.ingest(settings, [_orders(tmp_path, "a.csv", ["1,placed,10"])], "orders")
    assert {"orders", "_quarantine", "_files", "_schema_changes", "_columns"} <= table_names(settings)
    time.sleep(0)


@pytest.mark.parametrize("encrypted", [True, False])
def test_plain_and_encrypted_lakes(home: Path, tmp_path: Path, encrypted: bool) -> None:
    """An encrypted lake (``lake_encrypted``: the wiring sets it when the policy marks a dataset
    sensitive) gets its files written by DuckLake; an unencrypted one registers the staged Parquet as
    it is. Both land the same rows."""
    settings = load_settings({"home": home, "threads": 2, "lake_encrypted": encrypted})
    lake.ingest(settings, [_orders(tmp_path, "a.csv", ["1,placed,10", "2,placed,20"])], "orders")
    flag = query(settings, "SELECT value FROM lake.options() WHERE option_name = 'encrypted'")
    assert (flag == [("true",)]) == encrypted
    staged = data_files(settings, "main/orders/ingest-*/**/*.parquet")
    # registered in place only when unencrypted and local (on S3 the batch is staged locally and inserted)
    assert bool(staged) == (not encrypted and not settings.lake_on_object_store)
    assert query(settings, "SELECT sum(amount) FROM lake.orders") == [(30,)]


def test_rerun_of_landed_files_is_not_gated(settings: Settings, tmp_path: Path) -> None:
    """Running the same ingest twice lands nothing the second time, and an empty batch is not judged
    (a row-count expectation would otherwise reject every rerun)."""
    path = _orders(tmp_path, "a.csv", ["1,placed,10", "2,shipped,20"])
    gate = NotNullGate("status")
    lake.ingest(settings, [path], "orders", gate=gate)
    again = lake.ingest(settings, [path], "orders", gate=gate)
    assert gate.calls == 1
    assert (again.rows_landed, again.files_skipped, again.gate) == (0, 1, None)
