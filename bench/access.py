"""Role session vs privileged: the same query on a 10M-row lake table, run both ways in one process.

Privileged = what an unrestricted read costs end to end: open the lake read-only, run, fetch Arrow.
Role session = ``catalog.access.run_query`` end to end: policy, analysis, the filtered, masked
relation of just the columns the query reads (built as Arrow data on the first query after a lake
change - "cold" - and memory-mapped from its Arrow cache file afterwards - "warm"), the restricted
instance, the audit line. The bar is role/privileged <= 1.5; cold is what a user's first query
after every ingest pays.

    PYTHONPATH=. python bench/access.py [--rows 10000000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from catalog.access import Principal, run_query
from lakehouse.connect import connect
from lakehouse.settings import Settings, load_settings

POLICY = """
roles: {analyst: {}, marketing: {}}
grants: [{to: [role:analyst, role:marketing], tables: [lake.customers]}]
row_rules:
  - {name: everyone, table: lake.customers, grant_to: [role:analyst], filter: "TRUE"}
  - {name: eu_only, table: lake.customers, grant_to: [role:marketing], filter: "country IN ('DE', 'FR')"}
policy_tags:
  contact: {columns: [lake.customers.email], masked_readers: [{name: hashed, rule: SHA256, to: [role:analyst, role:marketing]}]}
  birth: {columns: [lake.customers.birth_date], masked_readers: [{name: year, rule: DATE_YEAR_MASK, to: [role:analyst, role:marketing]}]}
"""
TABLE = """
CREATE TABLE lake.customers AS
SELECT i AS customer_id, 'user' || i || '@example.com' AS email,
       ['DE', 'FR', 'US', 'GB', 'JP'][1 + i % 5] AS country, (i * 7919) % 150 AS annual_income,
       DATE '1950-01-01' + (i % 20000)::INTEGER AS birth_date, (i * 31) % 100 + 1 AS spending_score
FROM range(?) t(i)
"""
GROUP_BY = (
    "SELECT country, count(*) AS n, avg(annual_income) AS income FROM lake.customers GROUP BY 1 ORDER BY 1"
)
#: (label, role, role query, equivalent privileged query)
CASES = [
    ("group by, full access (analyst)", "analyst", GROUP_BY, GROUP_BY),
    (
        "group by, row filter (marketing)",
        "marketing",
        GROUP_BY,
        GROUP_BY.replace("GROUP BY", "WHERE country IN ('DE', 'FR') GROUP BY"),
    ),
    (
        "masked column, filtered (analyst)",
        "analyst",
        "SELECT count(DISTINCT email) FROM lake.customers WHERE spending_score > 90",
        "SELECT count(DISTINCT email) FROM lake.customers WHERE spending_score > 90",
    ),
    (
        "top 10 rows (marketing)",
        "marketing",
        "SELECT customer_id, email, birth_date FROM lake.customers ORDER BY annual_income DESC, customer_id LIMIT 10",
        "SELECT customer_id, email, birth_date FROM lake.customers WHERE country IN ('DE', 'FR') "
        "ORDER BY annual_income DESC, customer_id LIMIT 10",
    ),
]


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def privileged(settings: Settings, sql: str) -> None:
    con = connect(settings, lake_read_only=True)
    try:
        con.execute(sql).to_arrow_table()
    finally:
        con.close()


def ingest(settings: Settings) -> None:
    """Commit a new lake snapshot elsewhere in the lake, as an ingest would (the schema stays)."""
    con = connect(settings)
    try:
        con.execute("INSERT INTO lake.ingest_log VALUES (now())")
    finally:
        con.close()


def measure(
    settings: Settings, principal: Principal, role_sql: str, privileged_sql: str, repeat: int
) -> tuple[float, float, float]:
    """(privileged median, role cold, role warm median) in seconds."""
    privileged(settings, privileged_sql)  # warm the OS file cache for both sides alike
    ingest(settings)  # a lake change: every cached relation is out of date
    cold = timed(partial(run_query, settings, principal, role_sql))
    peer = statistics.median(timed(partial(privileged, settings, privileged_sql)) for _ in range(repeat))
    warm = statistics.median(timed(partial(run_query, settings, principal, role_sql)) for _ in range(repeat))
    return peer, cold, warm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-access-"))
    try:
        (root / "policy.yml").write_text(POLICY, encoding="utf-8")
        settings = load_settings(
            {"home": root / "home", "threads": args.threads, "policy_file": root / "policy.yml"},
            env={},
            cwd=root,
        )
        con = connect(settings)
        started = time.perf_counter()
        con.execute(TABLE, [args.rows])
        con.execute("CREATE TABLE lake.ingest_log (ingested_at TIMESTAMPTZ)")
        con.close()
        print(f"lake.customers: {args.rows:,} rows written in {time.perf_counter() - started:.1f} s\n")
        # the column types are cached per lake schema version (DDL only): read them once, as any
        # earlier query since the last CREATE/ALTER would have; each case's ingest leaves them valid
        run_query(settings, Principal.of(roles=["analyst"]), "SELECT count(*) FROM lake.customers")

        header = f"{'query':36} {'privileged':>10} {'role cold':>10} {'role warm':>10} {'warm/priv':>10} {'cold/priv':>10}"
        print(header)
        print("-" * len(header))
        ratios = []
        for label, role, role_sql, privileged_sql in CASES:
            peer, cold, warm = measure(
                settings, Principal.of(roles=[role]), role_sql, privileged_sql, args.repeat
            )
            ratios.append(warm / peer)
            print(
                f"{label:36} {peer:9.3f}s {cold:9.3f}s {warm:9.3f}s {warm / peer:9.2f}x {cold / peer:9.2f}x"
            )
        print(
            f"\nrole session overhead (warm, median of {args.repeat}): max {max(ratios):.2f}x, "
            f"geometric mean {statistics.geometric_mean(ratios):.2f}x (bar: <= 1.5x)"
        )
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
