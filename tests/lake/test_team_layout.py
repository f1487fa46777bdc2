"""The team layout against real servers: the lake's catalog on PostgreSQL, its data on S3 (moto), several
writers at once with no lock file, a killed writer, and credentials that never show in an error."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import lake
from lakehouse.errors import StorageError
from lakehouse.settings import Settings, load_settings
from tests.conftest import team_environment
from tests.lake.conftest import make_image, query
from tests.servers import BUCKET, PG_PASSWORD, S3, Postgres

pytestmark = pytest.mark.team
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def lake_layout() -> str:
    return "team"


def test_a_wrong_catalog_password_is_one_line_without_the_password(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PGPASSWORD", "Wrong-Pa55-xyz")
    with pytest.raises(
        StorageError, match=r"cannot open the lake's catalog postgres:dbname=.*password"
    ) as err:
        query(settings, "SELECT 1")
    assert "Wrong-Pa55-xyz" not in str(err.value) and PG_PASSWORD not in str(err.value)
    assert "\n" not in str(err.value)


def test_data_and_image_objects_land_in_the_bucket(settings: Settings, tmp_path: Path, s3_server: S3) -> None:
    (tmp_path / "a.ndjson").write_text('{"id": 1, "kind": "x"}\n{"id": 2, "kind": "y"}\n')
    (tmp_path / "b.ndjson").write_text('{"id": 3, "kind": "z", "extra": 1.5}\nnot json\n')
    first = lake.ingest(settings, [tmp_path / "a.ndjson"], "events")
    second = lake.ingest(settings, [tmp_path / "b.ndjson"], "events")
    assert (second.rows_landed, second.rows_quarantined) == (1, 1)
    assert query(settings, "SELECT count(*), count(extra) FROM lake.events") == [(3, 1)]
    old = query(settings, f"SELECT count(*) FROM lake.events AT (VERSION => {first.snapshot_id})")
    assert old == [(2,)]  # time travel
    make_image(tmp_path / "p.jpg")
    lake.ingest(settings, [tmp_path / "p.jpg"], "photos")
    ((uri, sha),) = query(settings, "SELECT uri, sha256 FROM lake.photos")
    prefix = settings.lake_data_url.removeprefix(f"s3://{BUCKET}/").removesuffix("data/")
    keys = s3_server.list_keys(BUCKET, prefix)
    assert uri == f"{settings.objects_url}{sha[:2]}/{sha}" and f"{prefix}objects/{sha[:2]}/{sha}" in keys
    assert any(k.startswith(f"{prefix}data/main/events/") for k in keys)
    assert not settings.lock_file.exists()  # no lock file on a shared catalog
    assert not settings.objects_dir.exists()  # nothing kept locally


WRITER = """
import sys
from lakehouse.settings import load_settings
import lake
settings = load_settings({"home": sys.argv[1], "threads": 1})
for spec in sys.argv[2:]:
    path, dataset = spec.split("=")
    lake.ingest(settings, [path], dataset)
print("ok", flush=True)
"""
WRITERS, BATCHES, ROWS = 4, 6, 50


def _batches(folder: Path, writer: int) -> list[str]:
    """Writer ``writer``'s batches: every other one into the shared dataset, the rest into its own."""
    specs = []
    for b in range(BATCHES):
        path = folder / f"w{writer}-b{b}.ndjson"
        path.write_text("".join(json.dumps({"w": writer, "b": b, "i": i}) + "\n" for i in range(ROWS)))
        specs.append(f"{path}={'shared' if b % 2 == 0 else f'own{writer}'}")
    return specs


@pytest.mark.slow
def test_concurrent_writers_commit_every_batch_once(settings: Settings, tmp_path: Path) -> None:
    seed = tmp_path / "seed.ndjson"
    seed.write_text('{"w": -1, "b": -1, "i": 0}\n')
    lake.ingest(settings, [seed], "seed")  # the catalog exists; "shared" and "own*" are created concurrently
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(settings.home), *_batches(tmp_path, w)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        for w in range(WRITERS)
    ]
    results = [(w.wait(timeout=600), w.stderr.read().decode()[-2000:] if w.stderr else "") for w in writers]
    assert [code for code, _ in results] == [0] * WRITERS, results
    shared = query(
        settings, "SELECT w, b, count(*), count(DISTINCT i) FROM lake.shared GROUP BY ALL ORDER BY ALL"
    )
    assert shared == [(w, b, ROWS, ROWS) for w in range(WRITERS) for b in range(0, BATCHES, 2)]
    for w in range(WRITERS):
        own = query(settings, f"SELECT count(*), count(DISTINCT b) FROM lake.own{w}")
        assert own == [(ROWS * BATCHES // 2, BATCHES // 2)]
    files = query(settings, "SELECT count(*), count(DISTINCT batch_id) FROM lake._files")
    assert files == [(WRITERS * BATCHES + 1, WRITERS * BATCHES + 1)]


CHILD = """
import os, signal, sys
from lakehouse.settings import load_settings
import lake
settings = load_settings({"home": sys.argv[1], "threads": 1})

def gate(con, dataset, relation):  # inside the open DuckLake transaction, after the data is written
    os.kill(os.getpid(), signal.SIGKILL)

print("started", flush=True)
lake.ingest(settings, [sys.argv[2]], "events", gate=gate)
"""


@pytest.mark.slow
def test_a_writer_killed_in_its_transaction_leaves_nothing_and_the_rerun_lands(
    settings: Settings, tmp_path: Path
) -> None:
    data = tmp_path / "e.ndjson"
    data.write_text("".join(json.dumps({"id": i}) + "\n" for i in range(1000)))
    lake.ingest(settings, [tmp_path / "e.ndjson"], "other")  # the catalog exists
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(settings.home), str(data)],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        timeout=300,
    )
    assert child.returncode == -signal.SIGKILL
    assert query(settings, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'events'") == [(0,)]
    report = lake.ingest(settings, [data], "events")
    assert report.rows_landed == 1000
    assert query(settings, "SELECT count(*), count(DISTINCT id) FROM lake.events") == [(1000, 1000)]


def test_settings_of_the_team_layout_reach_a_fresh_process(postgres_server: Postgres, s3_server: S3) -> None:
    """The environment alone configures the team layout (what a teammate's shell holds)."""
    env = team_environment(postgres_server, s3_server)
    s = load_settings(env=env)
    assert s.lake_catalog_shared and s.lake_on_object_store
