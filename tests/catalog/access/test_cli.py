"""``lakehouse access check``: what a principal sees of a table, for people and for scripts."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from lakehouse.cli import cli


def test_check_json(lake_home: Path, home: Path) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "--home",
            str(lake_home),
            "--threads",
            "2",
            "access",
            "check",
            "--user",
            "mark",
            "lake.customers",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    kinds = {c["name"]: c["kind"] for c in data["columns"]}
    assert kinds["email"] == "masked" and kinds["country"] == "raw"
    assert data["rows"]["applied"] == ["customers_eu_marketing"]


def test_check_table_for_people(lake_home: Path, home: Path) -> None:
    result = CliRunner().invoke(
        cli, ["--home", str(lake_home), "access", "check", "--role", "analyst", "customers"]
    )
    assert result.exit_code == 0, result.output
    assert "denied" in result.output and "LAST_FOUR_CHARACTERS" in result.output and "rows:" in result.output


def test_check_needs_a_principal(lake_home: Path, home: Path) -> None:
    result = CliRunner().invoke(cli, ["--home", str(lake_home), "access", "check", "lake.customers"])
    assert result.exit_code != 0
    assert "say whose access to check" in str(result.exception)


def _sql(lake_home: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--home", str(lake_home), "--threads", "2", "sql", *args, "--json"])
    return result.exit_code, result.output if result.exception is None else str(result.exception)


def test_sql_dialect_duckdb_as_a_principal_runs_in_the_restricted_session(
    lake_home: Path, home: Path
) -> None:
    """DuckDB-only syntax (FROM first, ``::``) as the analyst: masked values, no access to denied columns."""
    code, out = _sql(
        lake_home, "--user", "ana", "--dialect", "duckdb",
        "FROM lake.customers SELECT email::VARCHAR AS email ORDER BY customer_id LIMIT 1",
    )  # fmt: skip
    assert code == 0, out
    assert json.loads(out) == [{"email": "XXXXX.com"}]  # LAST_FOUR_CHARACTERS for analysts
    code, out = _sql(
        lake_home, "--user", "ana", "--dialect", "duckdb", "FROM lake.customers SELECT first_name"
    )
    assert code != 0 and "may not read column(s) first_name" in out
