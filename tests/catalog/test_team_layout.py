"""The catalog and access enforcement on the team layout (lake catalog on PostgreSQL, data on S3; real servers)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult

pytestmark = pytest.mark.team


@pytest.fixture
def lake_layout() -> str:
    return "team"


def test_refresh_search_and_a_role_reads_the_lake_on_s3(
    cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    orders = tmp_path / "deliveries.csv"
    orders.write_text("order_id,status,amount\n1,placed,10\n2,shipped,20\n3,placed,5\n")
    assert cli("ingest", str(orders), "--dataset", "deliveries").code == 0
    assert cli("catalog", "refresh").code == 0
    found = cli("catalog", "search", "orders", "--json")
    assert found.code == 0 and "lake.deliveries" in found.out
    for role in ("data_engineer", "auditor"):  # each a restricted session of its own
        result = cli(
            "sql", "SELECT sum(amount) AS total FROM lake.deliveries", "--role", role, "--format", "json"
        )
        assert result.code == 0, result.err
        assert result.json()[0]["total"] == 35
