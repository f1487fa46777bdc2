"""Benchmark: ML.VALIDATE_DATA_DRIFT in the warehouse vs numpy on data already in memory; prints ratios.

N rows x 20 features (10 numeric DOUBLE with NULLs and NaNs, 10 categorical VARCHAR of 30 values) in a
base and a shifted study table. Ours: one ML.VALIDATE_DATA_DRIFT query over the two tables in a DuckDB
file (written by a separate process first). Peer: the same TFDV definitions in numpy (bincount
histograms over each side's finite range, ``np.unique`` value counts, then the distances of
``tests/warehouse/ml/monitoring/tfdv_reference.py``) on arrays already in memory. Each side runs in its
own process so its peak RSS is its own; the two results must agree (printed). Bar: time ratio >= 1x
(numpy time / ours), memory <= 0.5x (our peak RSS / numpy's).

Usage: PYTHONPATH=. python bench/monitoring.py [--rows 10000000]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np

#: the checkout: the peer imports the tests' independent TFDV implementation from it
ROOT = Path(__file__).resolve().parent.parent

NUMERIC, CATEGORICAL = 10, 10


def _columns(shift: float) -> str:
    numeric = [
        f"CASE WHEN i % 97 = 0 THEN NULL WHEN i % 1001 = 0 THEN 'nan'::DOUBLE "
        f"ELSE sin(i * {j + 1}.37) * {j + 1} + {shift * (j + 1)} END AS n{j}"
        for j in range(NUMERIC)
    ]
    categorical = [
        f"'v' || CAST(floor(abs(sin(i * {j + 2}.11)) * (30 + {int(shift * 10)})) AS INTEGER) AS c{j}"
        for j in range(CATEGORICAL)
    ]
    return ", ".join(numeric + categorical)


def generate(path: str, rows: int) -> None:
    con = duckdb.connect(path)
    con.execute(f"CREATE TABLE base AS SELECT {_columns(0.0)} FROM range({rows}) r(i)")
    con.execute(f"CREATE TABLE study AS SELECT {_columns(0.5)} FROM range({rows}) r(i)")
    con.close()


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ours(path: str) -> dict[str, object]:
    import warehouse

    con = duckdb.connect(path, read_only=True)
    start = time.perf_counter()
    result = warehouse.execute(
        con, "SELECT input, value FROM ML.VALIDATE_DATA_DRIFT(TABLE base, TABLE study)"
    )
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "rss_mb": _rss_mb(), "values": dict(result.rows)}


def _load(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, np.ndarray]:
    frame = con.execute(f"SELECT * FROM {table}").fetchnumpy()
    out: dict[str, np.ndarray] = {}
    for name, values in frame.items():
        if name.startswith("n"):
            out[name] = (
                np.ma.filled(values.astype(np.float64), np.nan) if np.ma.isMaskedArray(values) else values
            )
            out[name + "__null"] = np.ma.getmaskarray(values)
        else:
            out[name] = np.asarray(values, dtype=str)
    return out


def _histogram(x: np.ndarray, null: np.ndarray, n: int = 10):  # type: ignore[no-untyped-def]
    from tests.warehouse.ml.monitoring.tfdv_reference import Histogram

    present = x[~null]
    finite = present[np.isfinite(present)]
    hist = Histogram(num_nan=float(np.isnan(present).sum()))
    lo, hi = float(finite.min()), float(finite.max())
    index = np.minimum(np.floor((finite - lo) / (hi - lo) * n).astype(np.int64), n - 1)
    counts = np.bincount(index, minlength=n)
    for b in range(n):
        high = hi if b == n - 1 else lo + (b + 1) * (hi - lo) / n
        hist.buckets.append((lo + b * (hi - lo) / n, high, float(counts[b])))
    return hist


def _ranks(values: np.ndarray, k: int = 50) -> dict[str, float]:
    keys, counts = np.unique(values, return_counts=True)
    order = sorted(zip(keys.tolist(), counts.tolist(), strict=True), key=lambda kv: (-kv[1], kv[0]))[:k]
    return {key: float(c) for key, c in order}


def peer(path: str) -> dict[str, object]:
    from tests.warehouse.ml.monitoring import tfdv_reference as ref

    con = duckdb.connect(path, read_only=True)
    base, study = _load(con, "base"), _load(con, "study")
    con.close()
    start = time.perf_counter()
    values: dict[str, float | None] = {}
    for j in range(NUMERIC):
        name = f"n{j}"
        values[name] = ref.numeric_jsd(
            _histogram(base[name], base[name + "__null"]), _histogram(study[name], study[name + "__null"])
        )
    for j in range(CATEGORICAL):
        name = f"c{j}"
        values[name] = ref.l_infinity(_ranks(base[name]), _ranks(study[name]))
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "rss_mb": _rss_mb(), "values": values}


def _run(side: str, path: str) -> dict[str, object]:
    output = subprocess.run(
        [sys.executable, __file__, "--side", side, "--path", path],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    ).stdout
    result: dict[str, object] = json.loads(output.splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--side", choices=["ours", "peer"])
    parser.add_argument("--path")
    args = parser.parse_args()
    if args.side:
        print(json.dumps((ours if args.side == "ours" else peer)(args.path)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "bench.duckdb")
        generate(path, args.rows)
        a, b = _run("ours", path), _run("peer", path)
    values_a, values_b = a["values"], b["values"]
    assert isinstance(values_a, dict) and isinstance(values_b, dict)
    diff = max(abs(float(values_a[k]) - float(values_b[k])) for k in values_b)
    print(f"ML.VALIDATE_DATA_DRIFT, {args.rows:,} rows x {NUMERIC + CATEGORICAL} features (base vs study)")
    print(f"  ours (DuckDB SQL):       {a['seconds']:.2f} s, peak RSS {a['rss_mb']:.0f} MB")
    print(f"  numpy (data in memory):  {b['seconds']:.2f} s, peak RSS {b['rss_mb']:.0f} MB")
    print(f"  speed ratio numpy/ours: {float(b['seconds']) / float(a['seconds']):.2f}x (bar >= 1x)")
    print(f"  memory ratio ours/numpy: {float(a['rss_mb']) / float(b['rss_mb']):.2f}x (bar <= 0.5x)")
    print(f"  largest difference between the two results: {diff:.2e}")


if __name__ == "__main__":
    main()
