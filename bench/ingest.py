"""Benchmark: ``lake.ingest`` against bare DuckDB COPY, polars and dlt on the same files, same run.

    PYTHONPATH=. python bench/ingest.py --scale 130 --csv-rows 16000000 --work /tmp/lakehouse-bench

Data: ``lake.sample`` events (nested NDJSON; ``--scale`` 130 ≈ 1 GB) and sample orders written at
``--csv-rows`` (≈ 1 GB of CSV), plus the sample's product images. Every contender runs in its own
process under ``/usr/bin/time -v`` (peak RSS) with 2 DuckDB threads, writing zstd Parquet:

- ours:    ``lake.ingest`` (hash, detect, stage, one DuckLake commit; no quality gate) into a plain lake
- ours_encrypted: the same into an ENCRYPTED lake (what the repo policy, with a sensitive dataset,
           creates): DuckLake must write every file itself, so the staged Parquet is inserted
- duckdb:  ``COPY (SELECT * FROM read_json/read_csv([...])) TO '….parquet'``
- duckdb_all: the same for JSON with ``sample_size = -1``: types from every record, as ours detects
           them (DuckDB's default 20,480-record sample drops later keys and rounds later decimals)
- polars:  ``scan_ndjson/scan_csv(...).sink_parquet``
- dlt:     a dlt pipeline (JSON lines → parquet, filesystem destination) on the first ``--dlt-mb``
           MB only (it is ~50× slower); needs a venv with dlt (``--dlt-python``), skipped otherwise
- images:  ``lake.ingest`` of the images vs a serial Pillow loop doing the same work (read, sha256,
           md5, verify, decode, EXIF, copy to a content-addressed store)

Prints one table and the ratios of the bar (≥ 0.8× DuckDB, ≥ 20× dlt on nested JSON, RSS ≤ 1.5 GB,
images ≥ 1.5× the serial loop). Not a test; run it once, on a quiet machine.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
THREADS = 2


# --- contenders (each runs in a child process: python bench/ingest.py --run NAME ...) ---------
def run_ours(fmt: str, files: list[str], work: Path, *, encrypted: bool = False) -> dict[str, float]:
    import lake
    from lakehouse.settings import load_settings

    home = work / "ours-home"
    shutil.rmtree(home, ignore_errors=True)
    overrides: dict[str, object] = {"home": home, "threads": THREADS}
    if not encrypted:  # no policy → no sensitive dataset → a plain lake (the repo policy makes it ENCRYPTED)
        overrides["policy_file"] = work / "no-policy.yml"
    settings = load_settings(overrides)
    started = time.perf_counter()
    report = lake.ingest(settings, files, "bench", format=fmt)
    return {
        "seconds": time.perf_counter() - started,
        "rows": report.rows_landed,
        "quarantined": report.rows_quarantined,
    }


def run_duckdb(fmt: str, files: list[str], work: Path, *, every_record: bool = False) -> dict[str, float]:
    import duckdb

    con = duckdb.connect(config={"threads": THREADS})
    # the sample holds a truncated JSON line and a ragged CSV row: without ignore_errors DuckDB stops
    reader = "read_json" if fmt == "json" else "read_csv"
    sample = ", sample_size = -1" if every_record else ""
    out = work / f"duckdb-{fmt}.parquet"
    started = time.perf_counter()
    row = con.execute(
        f"COPY (SELECT * FROM {reader}(?, union_by_name = true, ignore_errors = true{sample})) TO '{out}' "
        "(FORMAT parquet, COMPRESSION zstd)",
        [files],
    ).fetchone()
    return {"seconds": time.perf_counter() - started, "rows": row[0] if row else 0}


def run_duckdb_all_records(fmt: str, files: list[str], work: Path) -> dict[str, float]:
    """DuckDB with types detected from every record (``sample_size = -1``), as ours must (a key or a
    decimal past DuckDB's 20,480-record sample is otherwise dropped or rounded without an error)."""
    return run_duckdb(fmt, files, work, every_record=True)


def run_polars(fmt: str, files: list[str], work: Path) -> dict[str, float]:
    os.environ["POLARS_MAX_THREADS"] = str(THREADS)
    import polars as pl

    out = work / f"polars-{fmt}.parquet"
    started = time.perf_counter()
    if fmt == "json":
        frame = pl.scan_ndjson(files, infer_schema_length=None, ignore_errors=True)
    else:
        frame = pl.scan_csv(files, ignore_errors=True)
    frame.sink_parquet(out, compression="zstd")
    rows = pl.scan_parquet(out).select(pl.len()).collect().item()
    return {"seconds": time.perf_counter() - started, "rows": rows}


def run_images(fmt: str, files: list[str], work: Path) -> dict[str, float]:
    return run_ours("image", files, work, encrypted=True)


def run_pillow_loop(fmt: str, files: list[str], work: Path) -> dict[str, float]:
    import hashlib
    import io

    from PIL import Image

    store = work / "loop-objects"
    shutil.rmtree(store, ignore_errors=True)
    started = time.perf_counter()
    rows = 0
    for name in files:
        data = Path(name).read_bytes()
        sha = hashlib.sha256(data).hexdigest()
        hashlib.md5(data).hexdigest()
        try:
            with Image.open(io.BytesIO(data)) as probe:
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                exif = image.getexif()
                dict(exif.items()), dict(exif.get_ifd(0x8769).items()), dict(exif.get_ifd(0x8825).items())
                if image.format == "JPEG":
                    image.draft("RGB", (max(1, image.width // 8), max(1, image.height // 8)))
                image.load()
        except (OSError, SyntaxError, ValueError):
            continue
        target = store / sha[:2] / sha
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        rows += 1
    return {"seconds": time.perf_counter() - started, "rows": rows}


DLT_SCRIPT = """
import json, sys, time, dlt
files, limit, out = json.loads(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
def records():
    seen = 0
    for name in files:
        with open(name, 'rb') as fh:
            for line in fh:
                seen += len(line)
                if seen > limit:
                    return
                try:
                    yield json.loads(line)
                except ValueError:
                    pass
pipe = dlt.pipeline(pipeline_name='bench', destination=dlt.destinations.filesystem(out), dataset_name='bench')
started = time.perf_counter()
info = pipe.run(records(), table_name='events', loader_file_format='parquet')
print(json.dumps({'seconds': time.perf_counter() - started, 'rows': -1}))
"""


def run_ours_encrypted(fmt: str, files: list[str], work: Path) -> dict[str, float]:
    return run_ours(fmt, files, work, encrypted=True)


CONTENDERS = {
    "ours_encrypted": run_ours_encrypted,
    "ours": run_ours,
    "duckdb": run_duckdb,
    "duckdb_all": run_duckdb_all_records,
    "polars": run_polars,
    "images": run_images,
    "pillow_loop": run_pillow_loop,
}


# --- the driver --------------------------------------------------------------------------------
def _measure(cmd: list[str], env: dict[str, str]) -> dict[str, float]:
    proc = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True, env=env, cwd=ROOT)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    cpu = [float(m) for m in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", proc.stderr)]
    if proc.returncode != 0:
        lines = [line for line in proc.stderr.splitlines() if not line.startswith("\t")]
        tail = lines[-3:]
        return {"error": 1.0, "message": " | ".join(tail)}  # type: ignore[dict-item]
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    result["rss_mb"] = int(rss.group(1)) / 1024 if rss else float("nan")
    result["cpu_s"] = sum(cpu) if cpu else float("nan")  # whole process, start-up included
    return result


def _prepare(work: Path, scale: float, csv_rows: int) -> tuple[list[str], list[str], list[str], list[str]]:
    from lake.sample import generate
    from lake.sample import orders as sample_orders
    from lake.sample.customers import generate as customers
    from lake.sample.draw import stream
    from lake.sample.products import generate as products

    raw = work / "raw"
    marker = work / f"raw-{scale}.ok"
    if not marker.exists():
        generate(raw, scale=scale, force=True)
        marker.touch()
    big = work / "csv"
    csv_marker = work / f"csv-{csv_rows}.ok"
    if not csv_marker.exists():
        shutil.rmtree(big, ignore_errors=True)
        (big / "orders").mkdir(parents=True)
        _, people = customers(big, 10_000, stream(7, "customers"))
        _, catalogue = products(big, 1_000, 10, stream(7, "products"))
        sample_orders.generate(big, csv_rows, people, catalogue, stream(7, "orders"))
        csv_marker.touch()
    events = sorted(str(p) for p in (raw / "events").glob("*.ndjson"))
    clean = (
        work / "events-clean"
    )  # polars cannot skip the sample's truncated JSON line: give it a copy without
    if not clean.exists():
        clean.mkdir()
        for name in events:
            with open(name, "rb") as src, open(clean / Path(name).name, "wb") as dst:
                dst.writelines(line for line in src if line.rstrip().endswith(b"}"))
    orders = sorted(str(p) for p in (big / "orders").glob("*.csv"))
    images = sorted(str(p) for p in (raw / "images").iterdir())
    return events, orders, images, sorted(str(p) for p in clean.glob("*.ndjson"))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=130)
    parser.add_argument("--csv-rows", type=int, default=16_000_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/lakehouse-bench"))
    parser.add_argument("--dlt-python", default="/tmp/dltvenv/bin/python")
    parser.add_argument("--dlt-mb", type=int, default=40)
    parser.add_argument("--run", help=argparse.SUPPRESS)
    parser.add_argument("--format", default="json", help=argparse.SUPPRESS)
    parser.add_argument("--files", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    if args.run:
        files = json.loads(Path(args.files).read_text())
        print(json.dumps(CONTENDERS[args.run](args.format, files, args.work)))
        return

    events, orders, images, clean_events = _prepare(args.work, args.scale, args.csv_rows)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    sizes = {
        "json": sum(map(os.path.getsize, events)),
        "csv": sum(map(os.path.getsize, orders)),
        "image": sum(map(os.path.getsize, images)),
    }
    lists = {"json": events, "csv": orders, "image": images, "json-clean": clean_events}
    results: dict[tuple[str, str], dict[str, float]] = {}
    for fmt, names in (
        ("json", ("ours", "ours_encrypted", "duckdb", "duckdb_all", "polars")),
        ("csv", ("ours", "ours_encrypted", "duckdb", "polars")),
        ("image", ("images", "pillow_loop")),
    ):
        for name in names:
            key = "json-clean" if (fmt, name) == ("json", "polars") else fmt
            listing = args.work / f"files-{key}.json"
            listing.write_text(json.dumps(lists[key]))
            cmd = [
                sys.executable,
                str(Path(__file__).resolve()),
                "--run",
                name,
                "--format",
                fmt,
                "--files",
                str(listing),
                "--work",
                str(args.work),
            ]
            results[(fmt, name)] = _measure(cmd, env)
            print(f"  {fmt:5} {name:12} {results[(fmt, name)]}", file=sys.stderr, flush=True)
    if Path(args.dlt_python).exists():
        out = args.work / "dlt-out"
        shutil.rmtree(out, ignore_errors=True)
        cmd = [args.dlt_python, "-c", DLT_SCRIPT, json.dumps(events), str(args.dlt_mb << 20), str(out)]
        results[("json", "dlt")] = _measure(
            cmd, {**os.environ, "DLT_TELEMETRY": "false", "RUNTIME__DLTHUB_TELEMETRY": "false"}
        )
        print(f"  json  dlt          {results[('json', 'dlt')]}", file=sys.stderr, flush=True)

    print(
        f"\ningest benchmark: {THREADS} threads, zstd Parquet, files from lake.sample (scale {args.scale:g}, {args.csv_rows:,} CSV rows)"
    )
    print(
        f"{'format':6} {'contender':12} {'MB':>8} {'seconds':>8} {'MB/s':>8} {'CPU s':>7} {'peak RSS MB':>12} {'rows':>12}"
    )
    rates: dict[tuple[str, str], float] = {}
    for (fmt, name), r in results.items():
        mb = args.dlt_mb if name == "dlt" else sizes[fmt] / 1e6
        if "error" in r:
            print(f"{fmt:6} {name:12} failed: {r.get('message')}")
            continue
        rates[(fmt, name)] = mb / r["seconds"]
        print(
            f"{fmt:6} {name:12} {mb:8.0f} {r['seconds']:8.2f} {rates[(fmt, name)]:8.1f} {r['cpu_s']:7.1f} "
            f"{r['rss_mb']:12.0f} {int(r['rows']):12,}"
        )
    print("\nratios (throughput, higher is better for ours):")
    for fmt, peer, bar in (
        ("json", "duckdb", 0.8),
        ("csv", "duckdb", 0.8),
        ("json", "duckdb_all", None),
        ("json", "polars", None),
        ("csv", "polars", None),
        ("json", "dlt", 20.0),
    ):
        for ours in ("ours", "ours_encrypted"):
            if (fmt, ours) in rates and (fmt, peer) in rates:
                ratio = rates[(fmt, ours)] / rates[(fmt, peer)]
                verdict = "" if bar is None else f"  (bar ≥ {bar:g}x: {'met' if ratio >= bar else 'MISSED'})"
                print(f"  {ours + '/' + peer:22} {fmt:4} {ratio:6.2f}x{verdict}")
    if ("image", "images") in rates and ("image", "pillow_loop") in rates:
        ratio = rates[("image", "images")] / rates[("image", "pillow_loop")]
        print(
            f"  images/serial loop {ratio:6.2f}x  (bar ≥ 1.5x: {'met' if ratio >= 1.5 else 'MISSED'}; {len(images)} files)"
        )
    peak = max(
        (
            r["rss_mb"]
            for (f, n), r in results.items()
            if n in ("ours", "ours_encrypted", "images") and "error" not in r
        ),
        default=0,
    )
    print(f"  peak RSS of ours: {peak:.0f} MB (bar ≤ 1536 MB: {'met' if peak <= 1536 else 'MISSED'})")


if __name__ == "__main__":
    main()
