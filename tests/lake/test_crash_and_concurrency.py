"""Crash safety (real SIGKILLs of an ingesting process) and readers during an ingest."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import lake
from lakehouse.errors import NotFoundError
from lakehouse.settings import Settings
from tests.lake.conftest import query, table_names

ROOT = Path(__file__).resolve().parents[2]
FILES, ROWS = 4, 40_000

#: the child ingests DATA into lake.events and SIGKILLs itself at the point named in argv[3]
CHILD = """
import os, signal, sys
from lakehouse.settings import load_settings
import lake

home, data, point = sys.argv[1], sys.argv[2], sys.argv[3]
settings = load_settings({"home": home, "threads": 2})
staged = 0

def die():
    os.kill(os.getpid(), signal.SIGKILL)

def progress(event):
    global staged
    staged += 1
    if (point == "first_file" and staged == 1) or (point == "all_files" and staged == FILES_TOTAL):
        die()

def gate(con, dataset, relation):  # runs inside the open DuckLake transaction
    if point == "in_transaction":
        die()
    from lakehouse.gate import GateResult
    return GateResult(dataset, None, 0)

print("started", flush=True)
lake.ingest(settings, [data], "events", gate=gate, progress=progress)
print("done", flush=True)
""".replace("FILES_TOTAL", str(FILES))


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("crash")
    for f in range(FILES):
        with open(folder / f"events-{f}.ndjson", "w") as out:
            for i in range(ROWS):
                n = f * ROWS + i
                out.write(
                    json.dumps(
                        {"id": n, "kind": "view", "device": {"os": "ios", "v": i % 7}, "items": [n, i]}
                    )
                    + "\n"
                )
    return folder


def _child(home: Path, data: Path, point: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(home), str(data), point], stdout=subprocess.PIPE, env=env
    )


def _staged_leftovers(settings: Settings) -> list[Path]:
    return list((settings.lake_data_dir / "main" / "events").glob("ingest-*/**/*.parquet"))


@pytest.mark.slow
@pytest.mark.parametrize("point", ["first_file", "all_files", "in_transaction", "timer"])
def test_sigkill_leaves_no_partial_batch_and_rerun_completes(
    settings: Settings, data: Path, point: str
) -> None:
    child = _child(settings.home, data, point)
    assert child.stdout is not None and child.stdout.readline().strip() == b"started"
    if point == "timer":  # from outside, at whatever the child is doing after a second
        time.sleep(1.0)
        child.send_signal(signal.SIGKILL)
    code = child.wait(timeout=120)
    finished = point == "timer" and code == 0  # a fast machine may finish first: then all of it is there
    assert code == -signal.SIGKILL or finished
    try:
        tables = table_names(settings)
    except NotFoundError:  # killed before it created the lake (a slow start): nothing to read yet, fine
        tables = set()
    # a kill at a fixed point comes before the commit: nothing of the batch is visible. The timer's kill may
    # also land after the commit (in the catalog update that follows it): then all of it is. Never a part.
    committed = finished
    if "events" in tables:  # readable, and the batch is all there or not at all
        (landed,) = query(settings, "SELECT count(*) FROM lake.events")[0]
        committed = finished or (point == "timer" and landed == FILES * ROWS)
        assert landed == (FILES * ROWS if committed else 0)
    if "_files" in tables:  # the files' ledger commits with the rows
        assert query(settings, "SELECT count(*) FROM lake._files") == ([(FILES,)] if committed else [(0,)])
    report = lake.ingest(settings, [data], "events")  # the rerun completes the batch
    assert report.rows_landed + report.rows_skipped == FILES * ROWS
    assert query(settings, "SELECT count(*), count(DISTINCT id) FROM lake.events") == [
        (FILES * ROWS, FILES * ROWS)
    ]
    lake.maintain(settings, orphan_age=__import__("datetime").timedelta(0))
    registered = {
        Path(p) for (p,) in query(settings, "SELECT data_file FROM ducklake_list_files('lake', 'events')")
    }
    assert not [p for p in _staged_leftovers(settings) if p not in registered]
    assert not list(settings.spill_dir.glob("ingest-*"))  # staging of an encrypted lake, cleaned too
    assert query(settings, "SELECT count(*) FROM lake.events") == [(FILES * ROWS,)]


@pytest.mark.slow
def test_readers_work_while_an_ingest_runs(settings: Settings, data: Path) -> None:
    first = lake.ingest(settings, [data / "events-0.ndjson"], "events")
    child = _child(settings.home, data, "none")
    assert child.stdout is not None and child.stdout.readline().strip() == b"started"
    seen: set[int] = set()
    reads = 0
    while child.poll() is None:
        count = query(settings, "SELECT count(*) FROM lake.events")[0][0]
        assert "events" in table_names(settings)
        seen.add(count)
        reads += 1
    assert child.returncode == 0 and reads >= 2
    assert seen <= {first.rows_landed, FILES * ROWS}  # the old state or the whole new batch, never part of it
    assert query(settings, "SELECT count(*) FROM lake.events") == [(FILES * ROWS,)]
