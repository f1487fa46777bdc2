"""Benchmark: server time of the web page's search and dataset pages on a 100,000-dataset catalog.

The catalog is the synthetic one of ``bench/search.py`` (same generator, 20 columns per dataset).
For each page the peer is the CLI's own path in the same process: ``catalog.search`` (what
``lakehouse catalog search`` calls) and ``catalog.show`` (``lakehouse catalog show``), without
process start-up or terminal rendering. The page's time is the whole request through the ASGI app
(routing, principal, the same library call, Jinja rendering, headers), measured in-process with
Starlette's test client, so the difference is what the page adds. The CLI reads and resolves the policy
once per command, so its path here does so once per search or show; the page keeps a principal's resolved
view while the policy file is unchanged. Run as the administrator and as a policy user (``ana``: every
candidate re-checked against the policy). The bench's policy is ``catalog/policy.yml`` plus a grant of
the raw layer's synthetic tables (``raw_*.*``) to ana's role, so she has dataset pages to open (the
names drawn for her are raw ones) and a search finds some of what she looks for; a page of a dataset
hidden from her is a 404 with "did you mean" among the names she may see (``hidden dataset page``).

    PYTHONPATH=. python bench/ui.py [--datasets 100000] [--requests 200] [--home DIR]

Bar (issue 17): p95 <= 100 ms for search and dataset pages.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import yaml

from bench.search import records, vocabulary
from catalog import index, search, show, store
from catalog.access import Principal, visibility
from catalog.model import DatasetRecord
from lakehouse.settings import load_settings

POLICY = Path(__file__).resolve().parents[1] / "catalog" / "policy.yml"
BENCH_GRANT = {"to": ["role:analyst"], "tables": ["raw_*.*"]}


def bench_policy(root: Path) -> Path:
    """The sample policy plus ``BENCH_GRANT``, written under ``root``."""
    policy = yaml.safe_load(POLICY.read_text(encoding="utf-8"))
    policy["grants"].append(BENCH_GRANT)
    path = root / "policy.yml"
    path.write_text(yaml.safe_dump(policy, sort_keys=False), encoding="utf-8")
    return path


def p50_p95(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[int(0.95 * (len(ordered) - 1))] * 1000


def timed(run: Callable[[str], object], inputs: list[str]) -> tuple[float, float]:
    samples = []
    for text in inputs:
        started = time.perf_counter()
        run(text)
        samples.append(time.perf_counter() - started)
    return p50_p95(samples)


def build(catalog_dir: Path, data: list[DatasetRecord]) -> None:
    """The store and the index of ``data`` in ``catalog_dir``, unless a run with ``--home`` left them there."""
    con = store.connect(catalog_dir)  # a kept store gains the indexes of a newer store schema here
    try:
        if con.execute("SELECT count(*) FROM datasets").fetchone()[0] != len(data):
            store.replace_all(con, data, [], [])
    finally:
        con.close()
    if not index.exists(catalog_dir):
        index.replace_all(catalog_dir, data, threads=2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument(
        "--home", type=Path, help="build the catalog here and keep it (reused when run again)"
    )
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

    from lakehouse.ui import create_app

    rng = random.Random(42)
    words = vocabulary(rng)
    root = args.home or Path(tempfile.mkdtemp(prefix="bench-ui-"))
    root.mkdir(parents=True, exist_ok=True)
    settings = load_settings({"home": root, "policy_file": bench_policy(root)}, env={}, cwd=root)
    data = list(records(args.datasets, words))
    build(settings.catalog_dir, data)
    print(f"synthetic catalog: {args.datasets:,} datasets x 20 columns in {root}")
    queries = [" ".join(rng.sample(words, 2)) for _ in range(args.requests)]
    names = [data[rng.randrange(len(data))].name for _ in range(args.requests)]
    raw = [r.name for r in data if r.layer == "raw"]  # what ana may see (``BENCH_GRANT``)
    shown = {None: names, "ana": [raw[rng.randrange(len(raw))] for _ in range(args.requests)]}
    hidden = [n for n in names if not n.startswith("raw_")][: args.requests // 4]
    try:
        for user in (None, "ana"):
            principal = None if user is None else Principal.of(user=user)
            client = TestClient(create_app(settings, principal), base_url="http://127.0.0.1")
            for q, n in zip(queries, shown[user], strict=True):  # warm every query and page once: the order
                client.get(
                    "/search", params={"q": q}
                )  # of the rows below must not decide who reads a cold index
                client.get(f"/dataset/{n}")
            rows = {
                "search page": timed(lambda q, c=client: c.get("/search", params={"q": q}), queries),
                "search (htmx fragment)": timed(
                    lambda q, c=client: c.get("/search", params={"q": q}, headers={"HX-Request": "1"}),
                    queries,
                ),
                "catalog.search (CLI path)": timed(  # the policy read and resolved per search, as per command
                    lambda q, p=principal: search(settings, q, limit=20, view=p and visibility(settings, p)),
                    queries,
                ),
                "dataset page": timed(lambda n, c=client: c.get(f"/dataset/{n}"), shown[user]),
                "catalog.show (CLI path)": timed(  # the policy read and resolved per show, as per command
                    lambda n, p=principal: show(settings, n, view=p and visibility(settings, p)), shown[user]
                ),
            }
            if user is not None:
                rows["hidden dataset page (404)"] = timed(lambda n, c=client: c.get(f"/dataset/{n}"), hidden)
            print(f"\nas {user or 'administrator'} ({args.requests} requests each)")
            for label, (p50, p95) in rows.items():
                print(f"  {label:28s} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms")
            page, peer = rows["search page"][1], rows["catalog.search (CLI path)"][1]
            print(f"  search page / CLI path at p95: {page / peer:.2f}x")
            page, peer = rows["dataset page"][1], rows["catalog.show (CLI path)"][1]
            print(f"  dataset page / CLI path at p95: {page / peer:.2f}x")
    finally:
        if args.home is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
