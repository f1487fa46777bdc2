"""``lakehouse sql --dialect duckdb``: a query attaches the lake read-only, as a BigQuery-dialect query
does (``warehouse.lake_use``); any other statement gets it writable. DuckDB's own parser tells them
apart (``warehouse.sql.results.duckdb_lake_use``)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.conftest import CliResult

READONLY = "SELECT readonly FROM duckdb_databases() WHERE database_name = 'lake'"


def _csv(result: CliResult) -> list[str]:
    assert result.code == 0, result.err
    return result.out.splitlines()


@pytest.mark.parametrize(
    "query",
    [
        READONLY,
        f"WITH d AS ({READONLY}) SELECT * FROM d",
        "FROM duckdb_databases() SELECT readonly WHERE database_name = 'lake'",
    ],
)
def test_a_query_attaches_the_lake_read_only(cli: Callable[..., CliResult], query: str) -> None:
    _csv(cli("sql", "CREATE TABLE lake.t AS SELECT 42 AS answer"))
    assert _csv(cli("sql", "--dialect", "duckdb", query, "--format", "csv")) == ["readonly", "True"]


def test_a_write_still_writes(cli: Callable[..., CliResult]) -> None:
    _csv(cli("sql", "CREATE TABLE lake.t AS SELECT 42 AS answer"))
    _csv(cli("sql", "--dialect", "duckdb", "INSERT INTO lake.t VALUES (43)"))
    script = f"INSERT INTO lake.t VALUES (44); {READONLY}"  # a script with a write: writable throughout
    assert _csv(cli("sql", "--dialect", "duckdb", script, "--format", "csv")) == [
        "Count",
        "1",
        "readonly",
        "False",
    ]
    answers = "SELECT list(answer ORDER BY answer) AS answers FROM lake.t"
    assert _csv(cli("sql", "--dialect", "duckdb", answers, "--format", "csv")) == [
        "answers",
        '"[42, 43, 44]"',
    ]


def test_a_parse_error_is_one_line(cli: Callable[..., CliResult]) -> None:
    result = cli("sql", "--dialect", "duckdb", "SELEC 1 FROM lake.t")
    assert result.code != 0
    assert "syntax error" in result.err and "Traceback" not in result.err
