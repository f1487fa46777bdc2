"""Benchmark: server time of the web page's search and dataset pages on a 100,000-dataset catalog.

The catalog is the synthetic one of ``bench/search.py`` (same generator, 20 columns per dataset).
For each page the peer is the CLI's own path in the same process: ``catalog.search`` (what
``lakehouse catalog search`` calls) and ``catalog.show`` (``lakehouse catalog show``), without
process start-up or terminal rendering. The page's time is the whole request through the ASGI app
(routing, principal, the same library call, Jinja rendering, headers), measured in-process with
Starlette's test client, so the difference is what the page adds. The CLI reads and resolves the policy
once per command, so its path here does so once per search; the page keeps a principal's resolved view
while the policy file is unchanged. Run as the administrator and as
a policy user (``ana``: every candidate re-checked against the policy).

    PYTHONPATH=. python bench/ui.py [--datasets 100000] [--requests 200]

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

from bench.search import records, vocabulary
from catalog import index, search, show, store
from catalog.access import Principal, visibility
from lakehouse.settings import load_settings

POLICY = Path(__file__).resolve().parents[1] / "catalog" / "policy.yml"


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

    from lakehouse.ui import create_app

    rng = random.Random(42)
    words = vocabulary(rng)
    root = Path(tempfile.mkdtemp(prefix="bench-ui-"))
    settings = load_settings({"home": root, "policy_file": POLICY}, env={}, cwd=root)
    data = list(records(args.datasets, words))
    con = store.connect(settings.catalog_dir)
    store.replace_all(con, data, [], [])
    con.close()
    index.replace_all(settings.catalog_dir, data, threads=2)
    print(f"synthetic catalog: {args.datasets:,} datasets x 20 columns in {root}")
    queries = [" ".join(rng.sample(words, 2)) for _ in range(args.requests)]
    names = [data[rng.randrange(len(data))].name for _ in range(args.requests)]
    try:
        for user in (None, "ana"):
            principal = None if user is None else Principal.of(user=user)
            client = TestClient(create_app(settings, principal), base_url="http://127.0.0.1")
            for q, n in zip(queries, names, strict=True):  # warm every query and page once: the order of the
                client.get("/search", params={"q": q})  # rows below must not decide who reads a cold index
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
            }
            if user is None:  # ana may see none of the synthetic tables: her dataset pages are all 404
                rows["dataset page"] = timed(lambda n, c=client: c.get(f"/dataset/{n}"), names)
                rows["catalog.show (CLI path)"] = timed(lambda n: show(settings, n), names)
            print(f"\nas {user or 'administrator'} ({args.requests} requests each)")
            for label, (p50, p95) in rows.items():
                print(f"  {label:28s} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms")
            page, peer = rows["search page"][1], rows["catalog.search (CLI path)"][1]
            print(f"  search page / CLI path at p95: {page / peer:.2f}x")
            if "dataset page" in rows:
                page, peer = rows["dataset page"][1], rows["catalog.show (CLI path)"][1]
                print(f"  dataset page / CLI path at p95: {page / peer:.2f}x")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
