"""The ingest path end to end through the CLI: the real GX gate before the commit, the catalog after it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb

from lakehouse.connect import connect
from lakehouse.settings import Settings
from tests.conftest import CliResult

HEADER = (
    "customer_id,first_name,last_name,email,phone,gender,birth_date,age,annual_income,spending_score,"
    "signup_date,country,city,loyalty_tier"
)


def customers(path: Path, ids: list[str]) -> Path:
    rows = [
        f"{i},Ada,Lovelace,ada{i}@example.com,+44 20 7946 01{n:02d},female,1990-01-0{1 + n % 9},36,{40 + n},"
        f"{50 + n},2024-02-0{1 + n % 9},France,Paris,gold"
        for n, i in enumerate(ids)
    ]
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def lake_rows(settings: Settings) -> int:
    con = connect(settings, lake_read_only=True)
    try:
        return int(con.execute("SELECT count(*) FROM lake.customers").fetchone()[0])  # type: ignore[index]
    except duckdb.CatalogException:
        return 0
    finally:
        con.close()


def test_gate_blocks_a_batch_with_null_keys_and_says_why(
    cli: Callable[..., CliResult], settings: Settings, tmp_path: Path
) -> None:
    good = customers(tmp_path / "good.csv", [str(i) for i in range(1, 41)])
    assert cli("ingest", str(good), "--dataset", "customers").code == 0
    assert lake_rows(settings) == 40

    bad = customers(tmp_path / "bad.csv", ["", "", *[str(i) for i in range(100, 130)]])
    result = cli("ingest", str(bad), "--dataset", "customers")
    assert result.code == 1
    assert "critical expect_column_values_to_not_be_null(customer_id): 2 of 32 rows unexpected" in result.err
    assert result.err.strip().splitlines()[-1].startswith("error: quality gate rejected batch")
    assert lake_rows(settings) == 40  # nothing of the bad batch landed


def test_catalog_follows_an_ingest(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    path = customers(tmp_path / "c.csv", [str(i) for i in range(1, 31)])
    assert cli("ingest", str(path), "--dataset", "customers").code == 0
    found = cli("catalog", "search", "customers", "--json")
    assert found.code == 0
    assert found.json()["hits"][0]["name"] == "lake.customers"


def test_no_gate_is_loud_and_recorded(
    cli: Callable[..., CliResult], settings: Settings, tmp_path: Path
) -> None:
    import quality

    path = customers(tmp_path / "c.csv", ["", *[str(i) for i in range(1, 31)]])  # would fail the gate
    result = cli("ingest", str(path), "--dataset", "customers", "--no-gate")
    assert result.code == 0
    assert "--no-gate" in result.err
    assert lake_rows(settings) == 31
    latest = quality.latest_results(settings)["customers"]
    assert latest["gated"] is False
