"""BigQuery's documented examples, run through the same path as `lakehouse sql` (privileged).

Every entry of ``tests/fixtures/bigquery_corpus/*.yml`` is a statement copied from BigQuery's
reference with the result the documentation prints, or the one clear error this front end gives for
what it does not support. Rows are compared as the documentation prints them (see
``corpus_values``), in order when the statement orders them and as a multiset otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
import sqlglot
import yaml

import warehouse
from lakehouse.errors import UsageError
from lakehouse.settings import load_settings
from tests.warehouse.sql.corpus_values import display, same
from warehouse.sql import script

CORPUS = Path(__file__).parents[2] / "fixtures" / "bigquery_corpus"


def _entries() -> list[dict[str, Any]]:
    out = []
    for path in sorted(CORPUS.glob("*.yml")):
        if path.name.startswith("_"):
            continue
        page = yaml.safe_load(path.read_text())
        out.extend({**entry, "page": path.stem} for entry in page["entries"])
    return out


ENTRIES = _entries()
SUPPORTED = [e for e in ENTRIES if "unsupported" not in e]
UNSUPPORTED = [e for e in ENTRIES if "unsupported" in e]


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    """A warehouse holding the documentation's sample tables (Produce, Employees, Farm)."""
    home = tmp_path_factory.mktemp("corpus") / "home"
    connection = warehouse.connect(load_settings({"home": home, "threads": 1}, env={}, cwd=home.parent))
    tables = yaml.safe_load((CORPUS / "_tables.yml").read_text())["tables"]
    for name, query in tables.items():
        warehouse.execute(connection, f"CREATE TABLE {name} AS {query}")
    yield connection
    connection.close()


def _rows(result: warehouse.Result, columns: list[str]) -> list[list[str]]:
    """The result's rows as the documentation prints them, in the documented column order."""
    names = [c.lower() for c in result.columns]
    wanted = [c.lower() for c in columns]
    order = [names.index(c) for c in wanted] if sorted(names) == sorted(wanted) else range(len(names))
    return [[display(row[i]) for i in order] for row in result.rows]


def _same_rows(got: list[str], documented: list[str]) -> bool:
    return len(got) == len(documented) and all(same(g, d) for g, d in zip(got, documented, strict=True))


def _matches(got: list[list[str]], documented: list[list[str]], ordered: bool) -> bool:
    if len(got) != len(documented):
        return False
    if ordered:
        return all(_same_rows(g, d) for g, d in zip(got, documented, strict=True))
    left = list(got)
    for row in documented:
        match = next((g for g in left if _same_rows(g, row)), None)
        if match is None:
            return False
        left.remove(match)
    return True


@pytest.mark.parametrize("entry", SUPPORTED, ids=[f"{e['page']}:{e['id']}" for e in SUPPORTED])
def test_documented_result(con: duckdb.DuckDBPyConnection, entry: dict[str, Any]) -> None:
    """``setup`` (the documented tables before) runs first; ``check`` reads the documented table after."""
    if "setup" in entry:
        warehouse.run_script(con, entry["setup"])
    result = warehouse.execute(con, entry["statement"])
    if "check" in entry:
        result = warehouse.execute(con, entry["check"])
    query = entry.get("check", entry["statement"])
    ordered = not script.is_script(query) and bool(
        sqlglot.parse_one(query, read="bigquery").args.get("order")
    )
    got = _rows(result, entry["columns"])
    assert _matches(got, entry["rows"], ordered), f"{entry['url']}\n got {got}\n doc {entry['rows']}"


@pytest.mark.parametrize("entry", UNSUPPORTED, ids=[f"{e['page']}:{e['id']}" for e in UNSUPPORTED])
def test_unsupported_is_one_clear_error(con: duckdb.DuckDBPyConnection, entry: dict[str, Any]) -> None:
    with pytest.raises(UsageError, match=re.escape(entry["unsupported"])) as caught:
        warehouse.execute(con, entry["statement"])
    assert "\n" not in str(caught.value)


def test_corpus_size_and_sources() -> None:
    """At least 150 documented statements run; every entry names its documentation page."""
    assert len(SUPPORTED) >= 150
    assert all(e["url"].startswith("https://cloud.google.com/bigquery/docs/") for e in ENTRIES)
    assert len({(e["page"], e["id"]) for e in ENTRIES}) == len(ENTRIES)
