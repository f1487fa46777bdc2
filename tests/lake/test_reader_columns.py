"""A file's field may have any name, also one of a reader's own helper columns: DuckDB's record number
(``ordinality``), the one-parse proof's line column (``__lake_line``), the names the slow paths use. Its
values land intact in its (normalized) column and every record keeps its own line number."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import lake
from lakehouse.settings import Settings
from tests.lake.conftest import query, write_lines

#: the readers' own names (and a name ``lake.readers.base.numbered`` would pick next)
NAMES = ["ordinality", "ordinality0", "__lake_line", "__lake_record", "line_no", "o", "problem"]
COLUMNS = ["ordinality", "ordinality0", "lake_line", "lake_record", "line_no", "o", "problem"]


def _records(n: int) -> list[dict[str, int]]:
    return [{"k": i, **{name: 1000 * j + i for j, name in enumerate(NAMES)}} for i in range(n)]


def _landed(settings: Settings, dataset: str) -> list[tuple[object, ...]]:
    columns = ", ".join(["k", *COLUMNS, "_source_line"])
    return query(settings, f"SELECT {columns} FROM lake.{dataset} ORDER BY k")


def _expected(records: list[dict[str, int]], lines: list[int]) -> list[tuple[object, ...]]:
    return [(r["k"], *(r[n] for n in NAMES), line) for r, line in zip(records, lines, strict=True)]


@pytest.mark.parametrize("suffix", ["ndjson", "json"])
def test_json_fields_named_like_the_readers_columns(settings: Settings, tmp_path: Path, suffix: str) -> None:
    records = _records(5)
    path = write_lines(tmp_path / f"a.{suffix}", [json.dumps(r) for r in records])
    report = lake.ingest(settings, [path], "j")
    assert (report.rows_landed, report.rows_quarantined) == (5, 0), report
    assert _landed(settings, "j") == _expected(records, [1, 2, 3, 4, 5])


def test_json_with_a_malformed_line(settings: Settings, tmp_path: Path) -> None:
    """The slow path: the good lines are read from a clean copy and numbered back to their lines."""
    records = _records(4)
    lines = [json.dumps(r) for r in records]
    path = write_lines(tmp_path / "m.ndjson", [lines[0], '{"k": 9, "o": ', *lines[1:]])
    report = lake.ingest(settings, [path], "m")
    assert (report.rows_landed, report.rows_quarantined) == (4, 1), report
    assert _landed(settings, "m") == _expected(records, [1, 3, 4, 5])


def test_csv_fields_named_like_the_readers_columns(settings: Settings, tmp_path: Path) -> None:
    records = _records(5)
    lines = [",".join(["k", *NAMES])] + [",".join(str(v) for v in r.values()) for r in records]
    report = lake.ingest(settings, [write_lines(tmp_path / "c.csv", lines)], "c")
    assert (report.rows_landed, report.rows_quarantined) == (5, 0), report
    assert _landed(settings, "c") == _expected(records, [1, 2, 3, 4, 5])


def test_csv_value_quarantined_beside_an_ordinality_field(settings: Settings, tmp_path: Path) -> None:
    """An instant that does not parse: its record is quarantined with its own line (the read that
    finds such records numbers them too)."""
    lines = (
        ["ordinality,t"]
        + [f"x{i},2026-01-02T03:04:05+02:00" for i in range(200)]
        + ["x,2026-13-02T03:04:05Z"]
    )
    report = lake.ingest(settings, [write_lines(tmp_path / "q.csv", lines)], "q")
    assert (report.rows_landed, report.rows_quarantined) == (200, 1), report
    assert query(settings, "SELECT ordinality FROM lake.q WHERE _source_line = 200") == [("x199",)]
    rows = query(settings, "SELECT source_line, reason FROM lake._quarantine")
    assert rows == [(202, "t: cannot read '2026-13-02T03:04:05Z' as TIMESTAMP (format iso8601)")]
