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
