"""Benchmark: BigQuery ML's PCA on DuckDB against scikit-learn's PCA in the same run; prints ratios.

- CREATE MODEL ... model_type='PCA' on N x D numeric columns (SCALE_FEATURES, the default) vs
  scikit-learn's ``PCA(n_components=k).fit`` on the same data already standardized in memory (the peer
  gets the data for free; ours includes the feature statistics, the encoding in DuckDB, the Arrow
  stream, the eigendecomposition and the reconstruction-error quantiles ML.DETECT_ANOMALIES needs).
  Issue bar: <= 1.5x at 1M x 50.
- The same against "fetch from DuckDB + standardize + scikit-learn fit", the fair end-to-end peer.
- ML.PREDICT throughput (rows/s, the projection as DuckDB SQL) vs ``PCA.transform`` on the array.
- Agreement: max |difference| of the explained variance ratios, and of the projections up to sign.

Usage: PYTHONPATH=. python bench/ml_pca.py [--rows 1000000] [--dims 50] [--components 10] [--threads 2]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import duckdb
import numpy as np
from sklearn.decomposition import PCA

import warehouse


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def _generate(con: duckdb.DuckDBPyConnection, rows: int, dims: int) -> None:
    """D columns driven by 5 latent factors plus noise, so the spectrum has structure."""
    latent = [f"sin(i * {j + 1}.37 + {j})" for j in range(5)]
    columns = ", ".join(
        f"{latent[j % 5]} * {1 + j % 7}.5 + {latent[(j + 2) % 5]} * 0.{j % 9 + 1} + (random() - 0.5) * 0.3 AS x{j}"
        for j in range(dims)
    )
    con.execute("SELECT setseed(0.42)")
    con.execute(f"CREATE TABLE points AS SELECT i AS id, {columns} FROM range({rows}) r(i)")


def _standardized(con: duckdb.DuckDBPyConnection, dims: int) -> np.ndarray:
    columns = ", ".join(f"x{j}" for j in range(dims))
    data = con.execute(f"SELECT {columns} FROM points").fetchnumpy()  # insertion order: by id
    x = np.column_stack([data[f"x{j}"] for j in range(dims)])
    return (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)


def bench(
    con: duckdb.DuckDBPyConnection, rows: int, dims: int, k: int
) -> list[tuple[str, float, float, float]]:
    create = (
        f"CREATE OR REPLACE MODEL ml.bench_pca OPTIONS(model_type='PCA', num_principal_components={k}) "
        "AS SELECT * EXCEPT(id) FROM points"
    )
    ours, _ = _timed(lambda: warehouse.execute(con, create))
    fetch, x = _timed(lambda: _standardized(con, dims))
    peer = PCA(n_components=k)
    fit, _ = _timed(lambda: peer.fit(x))
    info = warehouse.execute(
        con, "SELECT explained_variance_ratio FROM ML.PRINCIPAL_COMPONENT_INFO(MODEL ml.bench_pca)"
    )
    ratio_diff = float(np.max(np.abs(np.array([r[0] for r in info.rows]) - peer.explained_variance_ratio_)))
    columns = ", ".join(f"principal_component_{c + 1}" for c in range(k))
    predict = f"SELECT {columns} FROM ML.PREDICT(MODEL ml.bench_pca, TABLE points)"  # id order, as the peer
    ours_predict, result = _timed(lambda: warehouse.execute(con, predict))
    peer_predict, projected = _timed(lambda: peer.transform(x))
    # fetching the result dominates a full ML.PREDICT; the aggregate measures the SQL projection itself
    aggregate = f"SELECT sum({' + '.join(f'principal_component_{c + 1}' for c in range(k))}) FROM ML.PREDICT(MODEL ml.bench_pca, TABLE points)"
    ours_scoring, _ = _timed(lambda: warehouse.execute(con, aggregate))
    ours_rows = np.array(result.rows)
    signs = np.sign(np.sum(ours_rows[:1000] * projected[:1000], axis=0))
    projection_diff = float(np.max(np.abs(ours_rows * signs - projected)))
    shape = f"{rows:,} x {dims}, k={k}"
    return [
        (f"PCA CREATE MODEL vs sklearn PCA.fit on data in memory ({shape}) s", ours, fit, ours / fit),
        (f"PCA CREATE MODEL vs fetch + standardize + sklearn fit ({shape}) s", ours, fetch + fit, ours / (fetch + fit)),
        ("ML.PREDICT (SQL, aggregated) rows/s vs PCA.transform", rows / ours_scoring, rows / peer_predict, peer_predict / ours_scoring),
        ("ML.PREDICT (SQL, fetched to Python) rows/s vs PCA.transform", rows / ours_predict, rows / peer_predict, peer_predict / ours_predict),
        (f"agreement: max |ratio diff| {ratio_diff:.1e}, max |projection diff| up to sign {projection_diff:.1e}", ratio_diff, projection_diff, 0.0),
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--dims", type=int, default=50)
    parser.add_argument("--components", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    con = duckdb.connect(config={"threads": args.threads})
    con.execute("SET enable_progress_bar = false")
    seconds, _ = _timed(lambda: _generate(con, args.rows, args.dims))
    print(f"generated data in DuckDB in {seconds:.1f}s (threads={args.threads})")
    print(f"{'measure':<100} {'ours':>14} {'peer':>14} {'ours/peer':>10}")
    for name, ours, peer, ratio in bench(con, args.rows, args.dims, args.components):
        print(f"{name:<100} {ours:>14.4g} {peer:>14.4g} {ratio:>9.2f}x")
    print("time rows: ours/peer (lower is better); throughput rows: peer time / our time")


if __name__ == "__main__":
    main()
