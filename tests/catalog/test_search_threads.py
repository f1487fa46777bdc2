"""A search from any thread: a server (``lakehouse ui``) answers each request on a worker thread."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from catalog.search import search


def test_search_answers_from_several_threads(fixture_catalog: Path) -> None:
    expected = [h.name for h in search(fixture_catalog, "customer email", limit=5).hits]
    with ThreadPoolExecutor(max_workers=3) as pool:
        found = list(pool.map(lambda _: [h.name for h in search(fixture_catalog, "customer email", limit=5).hits],
                              range(6)))  # fmt: skip
    assert expected and found == [expected] * 6
