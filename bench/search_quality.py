"""Search quality on real, public data: MRR and hit@1 of the labelled set (``tests/fixtures/search_labelled.yml``).

Builds the catalog of ``tests/catalog/real_catalog.py`` (vega_datasets and scikit-learn's bundled sets,
landed by ``lake.ingest`` and catalogued by ``catalog.refresh``) in a temporary home, runs every labelled
query and prints each query's rank and the totals. ``tests/catalog/test_search_real.py`` holds the bar.

    PYTHONPATH=. python bench/search_quality.py
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from tests.catalog.real_catalog import build, judge, scores


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-search-quality-"))
    try:
        judged = judge(build(work / "home", work))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for j in judged:
        print(
            f"{j.rank or '-':>2}  {j.query:<40} expected {', '.join(j.expected):<28} top {', '.join(j.found[:3])}"
        )
    mrr, hit1 = scores(judged)
    print(f"{len(judged)} labelled queries: MRR {mrr:.3f}, hit@1 {hit1:.3f} (bar: MRR >= 0.9, hit@1 >= 0.85)")


if __name__ == "__main__":
    main()
