"""What a short command pays for: ``lakehouse sql "SELECT 1 AS one"`` imports no ML engine, pyarrow, numpy,
catalog or policy parser and leaves the lake alone, ``SELECT 1`` and DuckDB SQL not even sqlglot; ``catalog search`` imports neither the refresh's
sources nor sqlglot; an ingest of a dataset without a suite imports no suite parser, validation engine
or SQL parser. Each runs in a fresh interpreter, as a user's command does."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
HEAVY = ["catalog", "catalog.refresh", "numpy", "pyarrow", "sqlglot", "warehouse.ml.engine", "yaml"]
#: what an ingest of a dataset without a suite must not import
VALIDATION = [
    "catalog.refresh",
    "great_expectations",
    "quality.gate",
    "quality.suites",
    "sqlglot",
    "warehouse.dbt.init",  # dbt's project scaffolding and sources generator: not an ingest's
    "warehouse.dbt.sources",
]


def _run(args: list[str], heavy: list[str] = HEAVY) -> tuple[str, list[str]]:
    """The command's stdout and which of ``heavy`` it imported."""
    code = (
        "import json, sys\n"
        "from lakehouse.cli import main\n"
        "try:\n"
        f"    main({args!r})\n"
        "except SystemExit as exit:\n"
        "    assert not exit.code, exit.code\n"
        f"print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)), file=sys.stderr)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr
    return out.stdout, json.loads(out.stderr.strip().splitlines()[-1])


def test_select_1_needs_neither_the_ml_engine_nor_the_lake(tmp_path: Path) -> None:
    home = tmp_path / "home"
    out, imported = _run(["--home", str(home), "sql", "SELECT 1 AS one", "--format", "csv"])
    assert out.splitlines() == ["one", "1"]
    assert imported == ["sqlglot"]  # the BigQuery dialect is parsed, nothing else heavy
    assert not (home / "lake").exists()  # the lake was neither attached nor created


def test_a_select_of_literals_needs_no_sql_parser(tmp_path: Path) -> None:
    home = tmp_path / "home"
    out, imported = _run(
        ["--home", str(home), "sql", "SELECT 1, 'ok'", "--format", "csv"], [*HEAVY, "tomllib"]
    )
    assert out.splitlines() == ["1,'ok'", "1,ok"]
    assert (
        imported == []
    )  # nor a TOML parser: there is no lakehouse.toml  # run as DuckDB SQL: the same statement in both dialects (warehouse.sql.literals)
    assert not (home / "lake").exists()


def test_duckdb_sql_needs_no_sql_parser(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _run(["--home", str(home), "sql", "CREATE TABLE lake.t AS SELECT 42 AS answer"])
    args = ["--home", str(home), "sql", "--dialect", "duckdb", "SELECT answer FROM lake.t", "--format", "csv"]
    _run(args)
    out, imported = _run(args)  # the policy's answer on the lake's encryption cached
    assert out.splitlines() == ["answer", "42"]
    assert imported == []


def test_a_statement_on_the_lake_still_sees_it(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _run(["--home", str(home), "sql", "CREATE TABLE lake.t AS SELECT 42 AS answer"])
    out, imported = _run(["--home", str(home), "sql", "SELECT answer FROM lake.t", "--format", "csv"])
    assert out.splitlines() == ["answer", "42"]
    assert "warehouse.ml.engine" not in imported


def test_catalog_search_imports_only_the_search(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _run(["--home", str(home), "sql", "CREATE TABLE lake.t AS SELECT 42 AS answer"])  # the lake exists
    _, imported = _run(["--home", str(home), "catalog", "search", "x", "--json"])
    _, imported = _run(
        ["--home", str(home), "catalog", "search", "x", "--json"]
    )  # the policy's answer cached
    assert imported == ["catalog"]


def test_an_ingest_without_a_suite_imports_no_validation(tmp_path: Path) -> None:
    home = tmp_path / "home"
    imported: list[list[str]] = []
    for n in range(3):  # the third finds the lake, the catalog and the policy's cached answer
        data = tmp_path / f"returns-{n}.csv"
        data.write_text(f"return_id,order_id\n{n},7\n", encoding="utf-8")
        args = ["--home", str(home), "ingest", str(data), "--dataset", "returns_no_suite"]
        imported.append(_run(args, VALIDATION)[1])
    assert imported[-1] == []
    out, _ = _run(["--home", str(home), "catalog", "show", "returns_no_suite", "--json"])
    assert json.loads(out)["dataset"]["row_count"] == 3  # the catalog was updated all the same


def test_a_timestamptz_column_is_shown_without_pandas(tmp_path: Path) -> None:
    """Every landed table has ``_ingested_at`` (TIMESTAMPTZ): ``SELECT *`` of it must not pay pandas's import."""
    home = tmp_path / "home"
    _run(
        [
            "--home",
            str(home),
            "sql",
            "CREATE TABLE lake.t AS SELECT TIMESTAMPTZ '2024-01-02 03:04:05+00' AS at",
        ]
    )
    args = ["--home", str(home), "sql", "SELECT * FROM lake.t", "--format", "csv"]
    out, imported = _run(args, ["pandas", "pyarrow", "pyarrow.compute", "warehouse.ml.engine"])
    header, value = out.splitlines()
    assert header == "at"  # the instant, in whichever zone DuckDB's session has
    assert datetime.fromisoformat(value) == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert imported == ["pyarrow"]


def test_a_query_attaches_the_lake_read_only_and_a_write_still_writes(tmp_path: Path) -> None:
    """A query that writes nothing attaches the (encrypted: the repo's policy lists sensitive datasets) lake
    read-only, so httpfs, which DuckDB needs only to write encrypted files, is not loaded; a write still is."""
    home = tmp_path / "home"
    _run(["--home", str(home), "sql", "CREATE TABLE lake.t AS SELECT 42 AS answer"])
    query = (
        "SELECT d.readonly, (SELECT count(*) FROM duckdb_extensions() WHERE loaded AND extension_name = 'httpfs')"
        " AS httpfs, (SELECT value FROM __ducklake_metadata_lake.ducklake_metadata WHERE key = 'encrypted')"
        " AS encrypted, (SELECT max(answer) FROM lake.t) AS answer"
        " FROM duckdb_databases() AS d WHERE d.database_name = 'lake'"
    )
    out, _ = _run(["--home", str(home), "sql", query, "--format", "csv"])
    assert out.splitlines() == ["readonly,httpfs,encrypted,answer", "True,0,true,42"]
    _run(["--home", str(home), "sql", "INSERT INTO lake.t VALUES (43)"])
    out, _ = _run(["--home", str(home), "sql", "SELECT max(answer) AS answer FROM lake.t", "--format", "csv"])
    assert out.splitlines() == ["answer", "43"]


def test_a_table_shows_names_and_values_as_they_are(tmp_path: Path) -> None:
    """Rich markup and emoji codes in data are text in a table (and rich's emoji table is not imported)."""
    home = tmp_path / "home"
    query = """SELECT '[red]hi[/red] :thumbs_up:' AS "[b]x[/b]\""""
    out, imported = _run(["--home", str(home), "sql", "--dialect", "duckdb", query], ["rich._emoji_codes"])
    assert "[b]x[/b]" in out and "[red]hi[/red] :thumbs_up:" in out
    assert imported == []
