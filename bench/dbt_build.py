"""dbt build on the sample (scale 1 by default): dbt's fixed start-up cost against its SQL time, and against
the peer - the very SQL dbt compiled (models materialized as tables in DAG order, then every test query) run
directly on one DuckDB connection, without dbt.

Each measured build is `lakehouse dbt build --full-refresh --json` in a fresh process, as a user runs it, so
start-up includes importing dbt; "wall" also counts the interpreter and the CLI.

    PYTHONPATH=. python bench/dbt_build.py [--scale 1] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lake.sample import generate  # noqa: E402
from lakehouse.connect import connect  # noqa: E402
from lakehouse.settings import Settings, load_settings  # noqa: E402
from lakehouse.wiring.sample_project import bundled  # noqa: E402
from tests.warehouse.sample_lake import land_sample  # noqa: E402  (lake.ingest stand-in, same tables)
from warehouse.dbt import build  # noqa: E402


def raw_sql_seconds(settings: Settings, manifest: Path) -> float:
    """Run the compiled models (as CREATE TABLE, in dependency order) and tests directly in DuckDB."""
    nodes = json.loads(manifest.read_text(encoding="utf-8"))["nodes"]
    models = {k: n for k, n in nodes.items() if n["resource_type"] == "model"}
    order: list[str] = []

    def visit(key: str) -> None:
        if key in order or key not in models:
            return
        for parent in models[key]["depends_on"]["nodes"]:
            visit(parent)
        order.append(key)

    for key in models:
        visit(key)
    with tempfile.TemporaryDirectory() as scratch:
        con = connect(settings, database=Path(scratch) / "peer.duckdb", lake_read_only=True)
        con.execute("SET TimeZone = 'UTC'")
        started = time.perf_counter()
        for key in order:
            node = models[key]
            con.execute(f'CREATE SCHEMA IF NOT EXISTS "{node["schema"]}"')
            sql = node["compiled_code"].replace(f'"{node["database"]}".', '"peer".')
            con.execute(f'CREATE OR REPLACE TABLE "{node["schema"]}"."{node["alias"]}" AS {sql}')
        for node in nodes.values():
            if node["resource_type"] == "test":
                sql = node["compiled_code"].replace('"warehouse".', '"peer".')
                con.execute(f"SELECT count(*) FROM ({sql}) AS failures").fetchone()
        seconds = time.perf_counter() - started
        con.close()
    return seconds


#: the sample dbt project (this repository's dbt_project/ in a checkout)
SAMPLE_DBT_PROJECT = bundled()["dbt_project_dir"]


def cli_build(home: Path) -> dict[str, float]:
    """One `lakehouse dbt build` in a new process: its JSON summary plus the wall-clock time."""
    command = [sys.executable, "-m", "lakehouse", "--home", str(home), "--threads", "2"]
    command += ["--dbt-project-dir", str(SAMPLE_DBT_PROJECT)]
    command += ["dbt", "build", "--full-refresh", "--json"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAKEHOUSE_")}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
    started = time.perf_counter()
    out = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - started
    if out.returncode != 0:
        raise SystemExit(f"dbt build failed ({out.returncode}): {out.stdout[-2000:]} {out.stderr[-2000:]}")
    summary = json.loads(out.stdout)
    return {**summary, "wall": wall}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        overrides = {"home": root / "home", "threads": 2, "dbt_project_dir": SAMPLE_DBT_PROJECT}
        settings = load_settings(overrides, env={}, cwd=root)
        generate(root / "sample", scale=args.scale, seed=42)
        land_sample(settings, root / "sample")
        target = root / "target"
        build(settings, target_path=target)  # warm-up: creates the warehouse and dbt's partial-parse file
        runs = [cli_build(settings.home) for _ in range(args.runs)]
        peer = [raw_sql_seconds(settings, target / "manifest.json") for _ in range(args.runs)]
    wall = statistics.median(r["wall"] for r in runs)
    total = statistics.median(r["seconds"] for r in runs)
    startup = statistics.median(r["startup_seconds"] for r in runs)
    sql = statistics.median(r["sql_seconds"] for r in runs)
    raw = statistics.median(peer)
    last = runs[-1]
    print(f"dbt build, sample scale {args.scale:g}: {last['models_built']} models, {last['tests_passed']} tests "
          f"passed, {last['tests_warned']} warned, {last['tests_failed']} failed; median of {args.runs} runs")  # fmt: skip
    print(f"  lakehouse dbt build (wall) {wall:6.2f} s   (bar: < 30 s)")
    print(f"  dbt build total     {total:6.2f} s")
    print(f"  dbt start-up        {startup:6.2f} s   ({startup / total:.0%} of the build)")
    print(f"  dbt SQL phase       {sql:6.2f} s")
    print(f"  peer: same SQL, plain DuckDB  {raw:6.2f} s")
    print(f"  ratio dbt total / plain SQL   {total / raw:6.1f}x")
    print(f"  ratio dbt SQL phase / plain SQL {sql / raw:6.1f}x")


if __name__ == "__main__":
    main()
