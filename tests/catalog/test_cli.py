"""``lakehouse catalog search|show|refresh``: JSON output, tables, exit codes, clear errors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from lakehouse.cli import main
from lakehouse.connect import connect
from lakehouse.settings import Settings


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


@pytest.fixture
def lake(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    # the CLI resolves its own settings: keep it off the repo's dbt project, which may have been built
    monkeypatch.setenv("LAKEHOUSE_DBT_PROJECT_DIR", str(settings.dbt_project_dir))
    con = connect(settings)
    con.execute("CREATE TABLE lake.customers AS SELECT 1 AS customer_id, 'ann@example.com' AS email")
    con.execute("CREATE TABLE lake.orders AS SELECT 1 AS order_id, 1 AS customer_id")
    con.close()
    return settings


def test_refresh_search_show(lake: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["--home", str(lake.home), "catalog", "refresh", "--json"], capsys)
    assert code == 0 and json.loads(out)["datasets"] == 2
    code, out, _ = run(
        ["--home", str(lake.home), "catalog", "search", "customer_id", "--json", "--explain"], capsys
    )
    result = json.loads(out)
    assert code == 0 and result["total"] == 2 and result["facets"]["layer"] == {"raw": 2}
    assert result["hits"][0]["matching_columns"][0]["name"] == "customer_id"
    assert result["hits"][0]["explanation"][0] == "exact column name 'customer_id'"
    code, out, _ = run(["--home", str(lake.home), "catalog", "search", "name:cust*", "--limit", "1"], capsys)
    assert code == 0 and "lake.customers" in out and "1 of 1 hits" in out
    code, out, _ = run(["--home", str(lake.home), "catalog", "show", "customers", "--json"], capsys)
    shown = json.loads(out)
    assert code == 0 and shown["dataset"]["name"] == "lake.customers"
    assert shown["dataset"]["columns"][1]["pii"]["kind"] == "email"
    code, out, _ = run(["--home", str(lake.home), "catalog", "show", "customers"], capsys)
    assert code == 0 and "example: SELECT customer_id, email FROM lake.customers LIMIT 10" in out


def test_errors_are_one_line_with_the_right_exit_code(
    lake: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    run(["--home", str(lake.home), "catalog", "refresh"], capsys)
    code, _, err = run(["--home", str(lake.home), "catalog", "search", "type=tabel"], capsys)
    assert code == 2 and "unknown type 'tabel'" in err and "did you mean type=table?" in err
    code, _, err = run(["--home", str(lake.home), "catalog", "show", "custmers"], capsys)
    assert (
        code == 1 and "no dataset 'custmers' in the catalog" in err and "did you mean lake.customers" in err
    )
    code, _, err = run(["--home", str(lake.home), "catalog", "search", "x", "--limit", "0"], capsys)
    assert code == 2 and "--limit" in err


def test_search_warnings_go_to_stderr(
    lake: Settings, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    run(["--home", str(lake.home), "catalog", "refresh"], capsys)
    code, out, err = run(["--home", str(lake.home), "catalog", "search", '"orders'], capsys)
    assert code == 0 and "unterminated quote" in err and "lake.orders" in out


def test_hits_fit_80_columns_without_folding_names(fixture_catalog: Path) -> None:
    """Regression: at 80 columns names were folded over lines ("lake.images.ur" / "i")."""
    from rich.console import Console

    from catalog.search import search
    from lakehouse.cli.catalog import hit_table

    console = Console(width=80, record=True)
    for query in ("pii=true type=column", "email", "revenue", "type=column customer_id"):
        result = search(fixture_catalog, query, limit=20)
        console.print(hit_table(result.hits, query))
        lines = console.export_text().splitlines()
        assert all(len(line) <= 80 for line in lines)
        for hit in result.hits:
            name = f"{hit.name}.{hit.column}" if hit.column else hit.name
            assert any(line.startswith(f" {name} ") for line in lines), (name, lines)
    console.print(hit_table(search(fixture_catalog, "type=column pii=credit_card").hits, "cards"))
    assert re.search(
        r"lake\.payments\.card_number +raw +unknown +VARCHAR  pii:credit_card", console.export_text()
    )
    console.print(hit_table(search(fixture_catalog, "email").hits, "long descriptions are cut"))
    assert "…" in console.export_text()


def test_column_hits_on_the_command_line(lake: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    run(["--home", str(lake.home), "catalog", "refresh"], capsys)
    code, out, _ = run(
        ["--home", str(lake.home), "catalog", "search", "type=column", "pii=true", "--json"], capsys
    )
    result = json.loads(out)
    assert code == 0 and result["total"] == 1 and result["facets"]["pii"] == {"email": 1}
    assert [(h["name"], h["column"], h["matching_columns"][0]["type"]) for h in result["hits"]] == [
        ("lake.customers", "email", "VARCHAR")
    ]
    code, out, _ = run(["--home", str(lake.home), "catalog", "search", "type=column", "pii=true"], capsys)
    assert code == 0 and "lake.customers.email" in out and "VARCHAR  pii:email" in out
