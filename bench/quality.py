"""Validation cost: the project's path vs GX's pandas engine as shipped vs hand-written DuckDB SQL.

10M order rows (Parquet, with a few planted violations) x 15 expectations. Each engine runs in its own
subprocess so its peak RSS is its own (``os.wait4``); time is from "data is a Parquet file" to verdicts,
excluding Python imports (reported separately). The project path is ``quality.validate`` with engine
``auto`` (at this size: the DuckDB-SQL translation of the suite); GX reads the file with pandas and validates
it with the same suite. Verdicts and unexpected counts must be identical, or the bench fails.

    PYTHONPATH=. python bench/quality.py [--rows N]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HANDWRITTEN = Path(__file__).with_name("quality_handwritten.sql")

SUITE = {
    "name": "bench_orders",
    "expectations": [
        {"type": t, "kwargs": kw, "meta": {"severity": "critical"}}
        for t, kw in [
            ("expect_table_row_count_to_be_between", {"min_value": 1, "max_value": 100_000_000}),
            (
                "expect_table_columns_to_match_set",
                {
                    "column_set": [
                        "order_id", "customer_id", "order_time", "quantity", "unit_price", "discount", "status", "channel", "email",
                    ]
                },
            ),
            ("expect_column_values_to_not_be_null", {"column": "order_id"}),
            ("expect_column_values_to_be_unique", {"column": "order_id"}),
            ("expect_column_values_to_not_be_null", {"column": "customer_id"}),
            ("expect_column_values_to_be_between", {"column": "quantity", "min_value": 1, "max_value": 100}),
            ("expect_column_values_to_be_between", {"column": "unit_price", "min_value": 0, "max_value": 10000}),
            ("expect_column_values_to_be_between", {"column": "discount", "min_value": 0, "max_value": 1}),
            ("expect_column_values_to_be_in_set", {"column": "status", "value_set": ["placed", "shipped", "delivered", "cancelled", "returned"]}),
            ("expect_column_values_to_be_in_set", {"column": "channel", "value_set": ["web", "app", "store"]}),
            ("expect_column_values_to_match_regex", {"column": "email", "regex": r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$"}),
            ("expect_column_values_to_be_between", {"column": "order_time", "min_value": "2020-01-01T00:00:00", "max_value": "2030-01-01T00:00:00"}),
            ("expect_compound_columns_to_be_unique", {"column_list": ["customer_id", "order_time"]}),
            ("expect_column_mean_to_be_between", {"column": "quantity", "min_value": 1, "max_value": 5}),
            ("expect_column_quantile_values_to_be_between", {"column": "unit_price", "quantile_ranges": {"quantiles": [0.5, 0.95], "value_ranges": [[5, 200], [10, 1000]]}}),
        ]
    ],
}  # fmt: skip

GENERATE = """
COPY (
    SELECT
        CASE WHEN i % 2_000_003 = 7 THEN NULL WHEN i % 1_000_003 = 11 THEN i - 1 ELSE i END AS order_id,
        (hash(i) % 200_000)::BIGINT AS customer_id,
        TIMESTAMP '2026-01-01' + to_seconds((hash(i * 7) % 15_000_000)::BIGINT) AS order_time,
        CASE WHEN i % 3_000_017 = 5 THEN 0 ELSE 1 + (hash(i * 3) % 5)::BIGINT END AS quantity,
        round(5 + (hash(i * 5) % 20_000) / 100.0, 2) AS unit_price,
        CASE WHEN i % 4_000_037 = 9 THEN 1.5 ELSE (hash(i * 11) % 31) / 100.0 END AS discount,
        ['placed', 'shipped', 'delivered', 'cancelled', 'returned'][1 + (hash(i * 13) % 5)::INT]
            || CASE WHEN i % 5_000_011 = 3 THEN 'x' ELSE '' END AS status,
        ['web', 'app', 'store'][1 + (hash(i * 17) % 3)::INT] AS channel,
        CASE WHEN i % 2_500_009 = 1 THEN 'not-an-email' ELSE 'user' || (i % 99_991) || '@example.com' END AS email
    FROM range(1, $rows + 1) t(i)
) TO '{path}' (FORMAT parquet, COMPRESSION zstd)
"""


def child(engine: str, path: str, out: str) -> None:
    """One engine, in its own process: validate ``path`` and write verdicts and timings to ``out``."""
    started = time.perf_counter()
    import duckdb

    chosen = engine
    sys.path.insert(0, str(ROOT))
    from quality.suites import parse_suite

    suite = parse_suite(json.dumps(SUITE), dataset="bench_orders")
    if engine == "gx-pandas":
        import pandas as pd

        from quality.gx_engine import context, validate_gx

        context()
        imported = time.perf_counter()
        outcomes = validate_gx(pd.read_parquet(path), suite)
        verdicts = [(o.expectation, o.column, o.success, o.unexpected_count) for o in outcomes]
    elif engine == "project":
        from lakehouse.connect import connect
        from lakehouse.settings import load_settings
        from quality.validate import validate

        con = connect(load_settings({"home": str(Path(out).parent / "home")}), lake=False)
        imported = time.perf_counter()
        con.execute(f"CREATE VIEW batch AS SELECT * FROM read_parquet('{path}')")
        validation = validate(con, "batch", suite, source="check", engine="auto")
        verdicts = [(o.expectation, o.column, o.success, o.unexpected_count) for o in validation.outcomes]
        chosen = validation.engine
    else:
        con = duckdb.connect()
        imported = time.perf_counter()
        con.execute(f"CREATE VIEW batch AS SELECT * FROM read_parquet('{path}')")
        row = con.execute(HANDWRITTEN.read_text()).fetchone()
        assert row is not None
        verdicts = [list(map(str, row))]
    done = time.perf_counter()
    Path(out).write_text(
        json.dumps(
            {"import": imported - started, "seconds": done - imported, "verdicts": verdicts, "engine": chosen}
        )
    )


def measure(engine: str, path: Path, work: Path) -> dict:
    out = work / f"{engine}.json"
    proc = subprocess.Popen([sys.executable, __file__, "--child", engine, str(path), str(out)])
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"{engine} failed (status {status})")
    result = json.loads(out.read_text())
    result["peak_mb"] = usage.ru_maxrss / 1024  # Linux: KiB
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--child", nargs=3, metavar=("ENGINE", "PATH", "OUT"))
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    import duckdb

    with tempfile.TemporaryDirectory(prefix="bench-quality-") as tmp:
        work = Path(tmp)
        path = work / "orders.parquet"
        started = time.perf_counter()
        duckdb.connect().execute(GENERATE.replace("{path}", str(path)).replace("$rows", str(args.rows)))
        print(
            f"data: {args.rows:,} rows, {path.stat().st_size / 1e6:.0f} MB Parquet ({time.perf_counter() - started:.1f} s); {len(SUITE['expectations'])} expectations",
            flush=True,
        )
        results = {engine: measure(engine, path, work) for engine in ("gx-pandas", "project", "duckdb-sql")}
    gx, ours, floor = results["gx-pandas"], results["project"], results["duckdb-sql"]
    identical = gx["verdicts"] == ours["verdicts"]
    failed = [f"{v[0]}({v[1]})={v[3]}" for v in ours["verdicts"] if not v[2]]
    print(f"{'engine':<12} {'validate s':>10} {'import s':>9} {'peak RSS MB':>12}")
    for name, r in results.items():
        print(f"{name:<12} {r['seconds']:>10.2f} {r['import']:>9.2f} {r['peak_mb']:>12.0f}")
    print(f"project path validated with: {ours['engine']}")
    print(
        f"project vs gx-pandas: {gx['seconds'] / ours['seconds']:.2f}x faster, {ours['peak_mb'] / gx['peak_mb']:.2f}x peak memory"
    )
    print(
        f"project vs hand-written SQL: {ours['seconds'] / floor['seconds']:.2f}x the time, {ours['peak_mb'] / floor['peak_mb']:.2f}x peak memory"
    )
    print(f"verdicts and unexpected counts identical to GX: {identical}; failing: {', '.join(failed)}")
    if not identical:
        for a, b in zip(gx["verdicts"], ours["verdicts"], strict=True):
            if a != b:
                print(f"  gx {a}  project {b}")
        raise SystemExit(1)


if __name__ == "__main__":
    main()
