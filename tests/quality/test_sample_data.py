"""CI: the shipped suites run on the generated sample data, and its critical expectations hold.

Until ``lake.ingest`` is used here, the lake tables are loaded the way ingest lands them: typed columns, and
the sample's deliberately bad records (a ragged row, an unparsable income, an invalid date, a truncated JSON
line) left out, as ingest quarantines them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lake.sample import generate
from lakehouse.connect import connect
from lakehouse.settings import Settings
from quality import check, latest_results

LOADS = {
    "customers": "read_csv('{root}/customers/customers.csv', types={'annual_income': 'BIGINT'}, ignore_errors=true)",
    "products": "read_csv('{root}/products/products.csv')",
    "orders": "read_csv('{root}/orders/*.csv', types={'order_time': 'TIMESTAMPTZ'}, ignore_errors=true) WHERE order_time IS NOT NULL",
    "events": "read_json('{root}/events/*.ndjson*', ignore_errors=true) WHERE event_id IS NOT NULL",
}


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample")
    generate(out, scale=0.2, seed=42)
    return out


def test_sample_data_passes_every_critical_expectation(settings: Settings, sample_dir: Path) -> None:
    con = connect(settings)
    for dataset, source in LOADS.items():
        con.execute(
            f"CREATE TABLE lake.{dataset} AS SELECT * FROM {source.replace('{root}', str(sample_dir))}"
        )
    con.close()
    results = check(settings)
    assert [r.dataset for r in results] == sorted(LOADS)
    critical = [
        (r.dataset, f.expectation, f.column, f.detail)
        for r in results
        for f in r.failures
        if f.severity == "critical"
    ]
    assert critical == []
    assert all(s["checks"] > 10 for s in latest_results(settings).values())
