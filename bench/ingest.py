"""Benchmark: ``lake.ingest`` against bare DuckDB COPY, polars and dlt on the same files, same run.

    PYTHONPATH=. python bench/ingest.py --scale 130 --csv-rows 16000000 --work /tmp/lakehouse-bench
    PYTHONPATH=. python bench/ingest.py --only images --scale 130 --repeat 3       # the sample's images
    PYTHONPATH=. python bench/ingest.py --only images --image-size 640x480 --image-count 2000  # photos

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
- images:  ``lake.ingest`` of the images (into an ENCRYPTED lake, as the repo policy makes it; and
           ``images_plain`` into a plain lake) vs a serial Pillow loop doing the same work (read, sha256,
           md5, verify where Pillow's verify checks anything (PNG CRCs; both skip the no-op second
           open for other formats), decode (JPEG at 1/8 scale), EXIF, copy to a content-addressed
           store). Ours also stats each file and writes its row. The images are the sample's
           (``lakehouse sample`` at ``--scale``: ~2 kB each; with ``--only images`` only the products
           and images are generated, same seed, same pictures) or, with ``--image-size WxH``,
           ``--image-count`` photo-like JPEGs (smooth colour fields and sensor-like noise, ~70 kB at
           640x480, EXIF as in the sample) written with Pillow. ``--repeat`` runs each contender
           that many times, alternating, and keeps the median time.

Prints one table and the ratios of the bar (≥ 0.8× DuckDB, ≥ 20× dlt on nested JSON, RSS ≤ 1.5 GB,
images ≥ 1.5× the serial loop). Not a test; run it once, on a quiet machine.

Where CSV time goes (issue 19, one 16 MB orders file read on one thread, duckdb 1.5.5): the staged read
costs ~0.19 CPU-s, DuckDB's own auto-typed COPY of the file ~0.18. It was ~0.23: the null-marker test
``trim(v) IN (7 markers)`` of the converted timestamp column was planned as a MARK hash join over every
row (EXPLAIN ANALYZE), which the "…Z" shortcut cannot skip; one comparison per marker costs nothing
there. The integer guard is ~0.015 of the 0.19. Beside the reads: sha256 of every file in the survey
thread (~0.75 CPU-s per GB with ``hashlib.file_digest``; ~1.25 with the old 8 MB read loop, which
allocated and page-faulted every chunk), start-up and the lake attach (~0.9 CPU-s), the dialect
detection (~3× less than the ~6 ms per file it was: delimiters absent from the sample are not tried,
only the first 2,000 of the 1 MB sample's ~16,000 lines are split) and a shared detection's integer
check (~2.5× less than ~4 ms: one regex per column). End to end, same run, load 7–10:
−0.15 CPU-s of 4.05 at 3M rows (12 files), −0.33 of 16.06 at 16M (64 files).
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
    seconds = time.perf_counter() - started
    # the image pool's workers are children of multiprocessing's fork server: stop (and so reap) it,
    # or /usr/bin/time would leave their CPU time out (a private API; fine for a benchmark)
    from multiprocessing import forkserver

    forkserver._forkserver._stop()  # type: ignore[attr-defined]
    return {
        "seconds": seconds,
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


def run_images_plain(fmt: str, files: list[str], work: Path) -> dict[str, float]:
    return run_ours("image", files, work)


def run_pillow_loop(fmt: str, files: list[str], work: Path) -> dict[str, float]:
    import hashlib
    import io

    from PIL import Image
    from PIL.ImageFile import ImageFile

    store = work / "loop-objects"
    shutil.rmtree(store, ignore_errors=True)
    started = time.perf_counter()
    rows = 0
    for name in files:
        data = Path(name).read_bytes()
        sha = hashlib.sha256(data).hexdigest()
        hashlib.md5(data).hexdigest()
        try:
            with Image.open(io.BytesIO(data)) as image:
                if type(image).verify is not ImageFile.verify:  # as ours: only PNG's verify checks anything
                    with Image.open(io.BytesIO(data)) as probe:
                        probe.verify()
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
    "images_plain": run_images_plain,
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


def _sample_images(work: Path, scale: float) -> list[str]:
    """The images ``lake.sample.generate`` writes at ``scale`` (same seed, same pictures), without the
    ~1 GB of rows: only the products (which name the pictures) and the images are generated."""
    from lake import sample
    from lake.sample import images, products
    from lake.sample.draw import scaled, stream

    out = work / f"images-scale-{scale:g}"
    marker = out / "done.ok"
    if not marker.exists():
        shutil.rmtree(out, ignore_errors=True)
        n_images = max(sample.MIN_IMAGES, round(sample.IMAGES_AT_SCALE_1 * scale**sample.IMAGE_GROWTH))
        base, minimum = sample.BASE_ROWS["products"]
        _, catalogue = products.generate(out, scaled(base, scale, minimum), n_images, stream(42, "products"))
        images.generate(out, catalogue, stream(42, "images"))
        marker.touch()
    return sorted(str(p) for p in (out / "images").iterdir())


def _photos(work: Path, size: str, count: int) -> list[str]:
    """``count`` photo-like JPEGs of ``size`` (WxH) with EXIF, plus one truncated file (as in the sample)."""
    import numpy as np
    from PIL import Image

    width, height = (int(v) for v in size.lower().split("x"))
    out = work / f"photos-{width}x{height}-{count}"
    marker = out / "done.ok"
    if marker.exists():
        return sorted(str(p) for p in out.glob("*.jpg"))
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    rng = np.random.default_rng(42)
    for i in range(count):
        coarse = rng.integers(0, 256, (6, 8, 3), dtype=np.uint8)
        field = np.asarray(Image.fromarray(coarse).resize((width, height), Image.Resampling.BICUBIC))
        noise = rng.normal(0, 7, (height, width, 1))
        picture = Image.fromarray(np.clip(field + noise, 0, 255).astype(np.uint8))
        exif = Image.Exif()
        exif[0x010F], exif[0x0110], exif[0x0112] = "Canon", "EOS R6", 1  # Make, Model, Orientation
        exif.get_ifd(0x8769)[0x9003] = f"2026:01:{1 + i % 28:02d} 12:{i % 60:02d}:00"  # DateTimeOriginal
        if i % 2:
            exif.get_ifd(0x8825).update({1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 18.0)})
        picture.save(out / f"photo_{i:05d}.jpg", format="JPEG", quality=85, exif=exif)
    whole = (out / "photo_00000.jpg").read_bytes()
    (out / "photo_truncated.jpg").write_bytes(whole[: len(whole) // 2])
    marker.touch()
    return sorted(str(p) for p in out.glob("*.jpg"))


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


PARTS = ("json", "csv", "images")
#: format -> contenders, in the order they run
CONTENDERS_BY_FORMAT = {
    "json": ("ours", "ours_encrypted", "duckdb", "duckdb_all", "polars"),
    "csv": ("ours", "ours_encrypted", "duckdb", "polars"),
    "image": ("images", "images_plain", "pillow_loop"),
}


def _run_part(
    args: argparse.Namespace,
    fmt: str,
    names: tuple[str, ...],
    lists: dict[str, list[str]],
    env: dict[str, str],
) -> dict[tuple[str, str], dict[str, float]]:
    """Each contender ``--repeat`` times, alternating; the run with the median time is kept."""
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in names}
    for _ in range(args.repeat):
        for name in names:
            key = "json-clean" if (fmt, name) == ("json", "polars") else fmt
            listing = args.work / f"files-{key}.json"
            listing.write_text(json.dumps(lists[key]))
            cmd = [sys.executable, str(Path(__file__).resolve()), "--run", name, "--format", fmt]
            cmd += ["--files", str(listing), "--work", str(args.work)]
            result = _measure(cmd, env)
            runs[name].append(result)
            print(f"  {fmt:5} {name:12} {result}", file=sys.stderr, flush=True)
    results = {}
    for name, found in runs.items():
        ok = sorted((r for r in found if "error" not in r), key=lambda r: r["seconds"])
        results[(fmt, name)] = ok[len(ok) // 2] if ok else found[-1]
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=130)
    parser.add_argument("--csv-rows", type=int, default=16_000_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/lakehouse-bench"))
    parser.add_argument("--dlt-python", default="/tmp/dltvenv/bin/python")
    parser.add_argument("--dlt-mb", type=int, default=40)
    parser.add_argument("--only", choices=PARTS, action="append", help="run only this part (repeatable)")
    parser.add_argument(
        "--image-size", help="photo-like JPEGs of this size (e.g. 640x480) instead of the sample's"
    )
    parser.add_argument("--image-count", type=int, default=2000, help="how many, with --image-size")
    parser.add_argument("--repeat", type=int, default=1, help="runs per contender (the median is kept)")
    parser.add_argument("--run", help=argparse.SUPPRESS)
    parser.add_argument("--format", default="json", help=argparse.SUPPRESS)
    parser.add_argument("--files", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    if args.run:
        files = json.loads(Path(args.files).read_text())
        print(json.dumps(CONTENDERS[args.run](args.format, files, args.work)))
        return

    parts = args.only or list(PARTS)
    lists: dict[str, list[str]] = {}
    if "json" in parts or "csv" in parts:
        events, orders, images, clean_events = _prepare(args.work, args.scale, args.csv_rows)
        lists.update({"json": events, "csv": orders, "image": images, "json-clean": clean_events})
    if "images" in parts:
        if args.image_size:
            lists["image"] = _photos(args.work, args.image_size, args.image_count)
        elif "image" not in lists:
            lists["image"] = _sample_images(args.work, args.scale)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    sizes = {fmt: sum(map(os.path.getsize, names)) for fmt, names in lists.items()}
    results: dict[tuple[str, str], dict[str, float]] = {}
    for fmt, names in CONTENDERS_BY_FORMAT.items():
        if ("images" if fmt == "image" else fmt) in parts:
            results.update(_run_part(args, fmt, names, lists, env))
    if "json" in parts and Path(args.dlt_python).exists():
        out = args.work / "dlt-out"
        shutil.rmtree(out, ignore_errors=True)
        cmd = [args.dlt_python, "-c", DLT_SCRIPT, json.dumps(lists["json"]), str(args.dlt_mb << 20), str(out)]
        results[("json", "dlt")] = _measure(
            cmd, {**os.environ, "DLT_TELEMETRY": "false", "RUNTIME__DLTHUB_TELEMETRY": "false"}
        )
        print(f"  json  dlt          {results[('json', 'dlt')]}", file=sys.stderr, flush=True)
    _print_results(args, results, sizes, lists)


def _print_results(
    args: argparse.Namespace,
    results: dict[tuple[str, str], dict[str, float]],
    sizes: dict[str, int],
    lists: dict[str, list[str]],
) -> None:
    images = f"{args.image_count:,} {args.image_size} JPEGs" if args.image_size else "the sample's images"
    print(
        f"\ningest benchmark: {THREADS} threads, zstd Parquet, files from lake.sample (scale {args.scale:g}, "
        f"{args.csv_rows:,} CSV rows); images: {images}; median of {args.repeat} run(s)"
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
    for ours in ("images", "images_plain"):
        if ("image", ours) in rates and ("image", "pillow_loop") in rates:
            ratio = rates[("image", ours)] / rates[("image", "pillow_loop")]
            print(
                f"  {ours + '/serial loop':22} {ratio:6.2f}x  (bar ≥ 1.5x: {'met' if ratio >= 1.5 else 'MISSED'}; "
                f"{len(lists['image'])} files)"
            )
    peak = max(
        (
            r["rss_mb"]
            for (f, n), r in results.items()
            if n in ("ours", "ours_encrypted", "images", "images_plain") and "error" not in r
        ),
        default=0,
    )
    print(f"  peak RSS of ours: {peak:.0f} MB (bar ≤ 1536 MB: {'met' if peak <= 1536 else 'MISSED'})")


if __name__ == "__main__":
    main()
