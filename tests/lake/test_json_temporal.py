"""JSON dates and timestamps land as DuckDB's auto-detected read types them, whatever path reads them.

The reader fixes the column types (``columns = {…}`` or a cast of the text); with fixed types DuckDB
parses ISO text only, so an offset was dropped and ``26-01-02`` became the year 26. Each case runs
through the real ingest, on the one-parse NDJSON path and on the path that reads with DuckDB (a
top-level array, a file with a bad line), and on a later batch of an existing table.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

import lake
from lakehouse.quoting import literal
from lakehouse.settings import Settings
from tests.lake.conftest import query, write_lines

_datasets = itertools.count()

#: how each file shape is written: one-parse NDJSON, a top-level array, NDJSON with a malformed line
SHAPES = ["ndjson", "array", "bad_line"]


def _write(path: Path, shape: str, docs: list[dict[str, Any]]) -> Path:
    if shape == "array":
        path = path.with_suffix(".json")
        path.write_text(json.dumps(docs))
        return path
    lines = [json.dumps(d) for d in docs]
    if shape == "bad_line":
        lines.insert(1, '{"k": 99, "t": ')  # malformed: quarantined, the rest read by DuckDB
    return write_lines(path.with_suffix(".ndjson"), lines)


def _landed(settings: Settings, dataset: str, column: str) -> list[Any]:
    return [r[0] for r in query(settings, f"SELECT {column} FROM lake.{dataset} ORDER BY k")]


def _type(settings: Settings, dataset: str, column: str) -> str:
    sql = "SELECT data_type FROM duckdb_columns() WHERE table_name = ? AND column_name = ?"
    return str(query(settings, sql, [dataset, column])[0][0])


@pytest.mark.parametrize("shape", SHAPES)
def test_offsets_are_applied_and_stored_in_utc(settings: Settings, tmp_path: Path, shape: str) -> None:
    docs = [
        {"k": 1, "t": "2026-01-02T03:04:05+02:00"},
        {"k": 2, "t": "2026-01-02T03:04:05-03:30"},
        {"k": 3, "t": "2026-01-02T23:30:00-05:00"},
    ]
    report = lake.ingest(settings, [_write(tmp_path / "a", shape, docs)], "o")
    assert report.rows_landed == 3, report
    assert _type(settings, "o", "t") == "TIMESTAMP"
    assert _landed(settings, "o", "t") == [
        dt.datetime(2026, 1, 2, 1, 4, 5),
        dt.datetime(2026, 1, 2, 6, 34, 5),
        dt.datetime(2026, 1, 3, 4, 30),
    ]


@pytest.mark.parametrize("shape", SHAPES)
def test_z_is_utc(settings: Settings, tmp_path: Path, shape: str) -> None:
    docs = [{"k": 1, "t": "2026-01-02T03:04:05Z"}, {"k": 2, "t": "2026-07-01T00:00:00Z"}]
    lake.ingest(settings, [_write(tmp_path / "z", shape, docs)], "z")
    assert _landed(settings, "z", "t") == [dt.datetime(2026, 1, 2, 3, 4, 5), dt.datetime(2026, 7, 1)]


@pytest.mark.parametrize("shape", SHAPES)
def test_two_digit_years(settings: Settings, tmp_path: Path, shape: str) -> None:
    docs = [{"k": 1, "d": "26-01-02"}, {"k": 2, "d": "99-12-31"}]
    lake.ingest(settings, [_write(tmp_path / "y", shape, docs)], "y")
    assert _type(settings, "y", "d") == "DATE"
    assert _landed(settings, "y", "d") == [dt.date(2026, 1, 2), dt.date(1999, 12, 31)]


def test_a_later_batch_of_an_existing_table(settings: Settings, tmp_path: Path) -> None:
    first = [{"k": 1, "t": "2026-01-02T03:04:05+02:00", "d": "26-01-02"}]
    later = [{"k": 2, "t": "2026-01-02T03:04:05-01:00", "d": "26-01-03"}]
    lake.ingest(settings, [_write(tmp_path / "b1", "ndjson", first)], "b")
    report = lake.ingest(settings, [_write(tmp_path / "b2", "ndjson", later)], "b")
    assert report.rows_landed == 1 and not report.schema_changes, report
    assert _landed(settings, "b", "t") == [dt.datetime(2026, 1, 2, 1, 4, 5), dt.datetime(2026, 1, 2, 4, 4, 5)]
    assert _landed(settings, "b", "d") == [dt.date(2026, 1, 2), dt.date(2026, 1, 3)]


@pytest.mark.parametrize("shape", ["ndjson", "array"])
def test_nested_leaves(settings: Settings, tmp_path: Path, shape: str) -> None:
    docs = [
        {"k": 1, "s": {"at": "2026-01-02T03:04:05+02:00", "n": 1}, "l": ["26-01-02", "26-01-03"]},
        {"k": 2, "s": None, "l": None},
        {"k": 3, "s": {"at": None, "n": 3}, "l": []},
    ]
    lake.ingest(settings, [_write(tmp_path / "n", shape, docs)], "n")
    assert _landed(settings, "n", "s") == [
        {"at": dt.datetime(2026, 1, 2, 1, 4, 5), "n": 1},
        None,
        {"at": None, "n": 3},
    ]
    assert _landed(settings, "n", "l") == [[dt.date(2026, 1, 2), dt.date(2026, 1, 3)], None, []]


def test_declared_timestamptz_holds_the_instants(settings: Settings, tmp_path: Path) -> None:
    docs = [{"k": 1, "t": "2026-01-02T03:04:05+02:00"}, {"k": 2, "t": "2026-01-02T03:04:05-07:00"}]
    lake.ingest(settings, [_write(tmp_path / "tz", "ndjson", docs)], "tz", schema={"t": "TIMESTAMPTZ"})
    assert _type(settings, "tz", "t") == "TIMESTAMP WITH TIME ZONE"
    utc = dt.UTC
    assert _landed(settings, "tz", "t") == [
        dt.datetime(2026, 1, 2, 1, 4, 5, tzinfo=utc),
        dt.datetime(2026, 1, 2, 10, 4, 5, tzinfo=utc),
    ]


def test_a_mixed_format_column_declared_timestamp(settings: Settings, tmp_path: Path) -> None:
    """No one format reads the column (DuckDB types it VARCHAR); declared TIMESTAMP, each value is
    read with the first of DuckDB's formats that reads it, offsets applied."""
    docs = [
        {"k": 1, "t": "2026-01-02T03:04:05+02:00"},
        {"k": 2, "t": "2026-01-02 03:04:05"},
        {"k": 3, "t": "2026-01-02T03:04:05Z"},
        {"k": 4, "t": "01-02-2026 03:04:05"},
    ]
    path = _write(tmp_path / "m", "ndjson", docs)
    report = lake.ingest(settings, [path], "m", schema={"t": "TIMESTAMP"})
    assert report.rows_landed == 4, report
    assert _landed(settings, "m", "t") == [
        dt.datetime(2026, 1, 2, 1, 4, 5),
        dt.datetime(2026, 1, 2, 3, 4, 5),
        dt.datetime(2026, 1, 2, 3, 4, 5),
        dt.datetime(2026, 2, 1, 3, 4, 5),  # %d-%m-%Y, DuckDB's order
    ]


@pytest.mark.parametrize("shape", ["ndjson", "bad_line"])
def test_a_value_that_does_not_parse_is_quarantined(settings: Settings, tmp_path: Path, shape: str) -> None:
    docs = [{"k": 1, "d": "2026-01-02"}, {"k": 2, "d": "next tuesday"}, {"k": 3, "d": "26-01-04"}]
    path = _write(tmp_path / "q", shape, docs)
    report = lake.ingest(settings, [path], "q", schema={"d": "DATE"})
    malformed = 1 if shape == "bad_line" else 0
    (file,) = report.files
    assert (file.rows_read, file.rows_landed, file.rows_quarantined) == (3 + malformed, 2, 1 + malformed)
    # the column has two formats, so each value is read by the first that reads it
    assert _landed(settings, "q", "d") == [dt.date(2026, 1, 2), dt.date(2026, 1, 4)]
    rows = query(
        settings, "SELECT source_line, reason, raw FROM lake._quarantine WHERE reason LIKE '%cannot parse%'"
    )
    line = 3 if shape == "bad_line" else 2
    assert len(rows) == 1 and rows[0][0] == line
    assert rows[0][1].startswith(
        f'{path.name}: cannot parse "next tuesday" as DATE for column d (expected %y-%m-%d'
    )
    assert json.loads(rows[0][2]) == {"k": 2, "d": "next tuesday"}


# --- the law: the lake holds what DuckDB's own auto-detected read of the same file gives ----------

#: formats a column is written in. Left out: those whose first values DuckDB's own read may take for
#: an earlier-tried format (``%d-%m-%y``: "02-01-01" reads as %y-%m-%d until a value does not; the
#: reader reads the whole column one way, see ``lake.readers.temporal``)
_DATE_FORMATS = ["%Y-%m-%d", "%y-%m-%d", "%d-%m-%Y"]
_TIMESTAMP_FORMATS = [
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%dT%H:%M:%SZ",
    "%Y-%m-%dT%H:%M:%S.%fZ",
    "%Y-%m-%dT%H:%M:%S{offset}",
    "%Y-%m-%dT%H:%M:%S.%f{offset}",
    "%d-%m-%Y %H:%M:%S",
    "%y-%m-%d %H:%M:%S",
]
_OFFSETS = ["+02:00", "-03:30", "+00:00", "-11:00", "+05:45", "+01", "-0800"]


@st.composite
def temporal_files(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Records with a date and two timestamp columns, each column written in one format."""
    n = draw(st.integers(1, 6))
    d_format = draw(st.sampled_from(_DATE_FORMATS))
    t_format, u_format = draw(st.lists(st.sampled_from(_TIMESTAMP_FORMATS), min_size=2, max_size=2))
    moments = st.datetimes(dt.datetime(1971, 1, 1), dt.datetime(2060, 12, 31))
    docs = []
    for k in range(n):
        record: dict[str, Any] = {"k": k, "d": draw(moments).strftime(d_format)}
        for column, fmt in (("t", t_format), ("u", u_format)):
            at = draw(moments)
            fmt = fmt.replace("{offset}", draw(st.sampled_from(_OFFSETS)))
            record[column] = at.strftime(fmt.replace("%f", f"{at.microsecond // 1000:03d}"))
        docs.append(record)
    return docs


@hsettings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(docs=temporal_files(), shape=st.sampled_from(["ndjson", "array"]))
def test_fixed_types_read_equals_the_auto_read(
    settings: Settings, tmp_path: Path, docs: list[dict[str, Any]], shape: str
) -> None:
    dataset = f"p{next(_datasets)}"
    path = _write(tmp_path / dataset, shape, docs)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    auto = con.sql(f"SELECT d, t, u FROM read_json({literal(str(path))}, sample_size = -1) ORDER BY k")
    expected_types = [str(t) for t in auto.types]
    expected = auto.fetchall()
    report = lake.ingest(settings, [path], dataset)
    assert report.rows_landed == len(docs), report
    assert [_type(settings, dataset, c) for c in ("d", "t", "u")] == expected_types
    assert query(settings, f"SELECT d, t, u FROM lake.{dataset} ORDER BY k") == expected


def test_a_value_after_the_format_sample_that_does_not_parse(settings: Settings, tmp_path: Path) -> None:
    """The formats come from the first 20,480 records; a later value they do not read makes the
    reader choose them from every record, and the record is quarantined."""
    docs = [{"k": k, "d": "2026-01-02"} for k in range(21_000)]
    docs[20_900]["d"] = "soon"
    path = _write(tmp_path / "late", "array", docs)
    report = lake.ingest(settings, [path], "late", schema={"d": "DATE"})
    (file,) = report.files
    assert (file.rows_read, file.rows_landed, file.rows_quarantined) == (21_000, 20_999, 1), report
    rows = query(settings, "SELECT source_line, reason FROM lake._quarantine")
    assert rows == [
        (
            20_901,
            f'{path.name}: cannot parse "soon" as DATE for column d (expected %y-%m-%d or %Y-%m-%d or %d-%m-%y or %d-%m-%Y or %m-%d-%y or %m-%d-%Y)',
        )
    ]


def test_a_zone_name_keeps_the_text(settings: Settings, tmp_path: Path) -> None:
    """DuckDB's JSON detection has no zone-name format: such values stay text, the zone with them."""
    values = ["2026-01-02 03:04:05 CET", "2026-07-02T03:04:05 Europe/Paris"]
    path = write_lines(tmp_path / "z.json", [json.dumps({"k": i, "t": v}) for i, v in enumerate(values)])
    report = lake.ingest(settings, [path], "z")
    assert report.rows_landed == 2, report
    assert query(settings, "SELECT typeof(t), t FROM lake.z ORDER BY k") == [("VARCHAR", v) for v in values]


def test_text_meeting_a_timestamp_column_keeps_both_as_json(settings: Settings, tmp_path: Path) -> None:
    """A later batch's text (a zone name, a word) in a TIMESTAMP column: the column becomes JSON and the
    text lands as a JSON string (a CAST of the text to JSON parsed it and failed the batch)."""
    first = write_lines(tmp_path / "a.json", [json.dumps({"k": 1, "t": "2026-01-02T03:04:05"})])
    lake.ingest(settings, [first], "w")
    later = [
        json.dumps({"k": 2, "t": "2026-07-02T03:04:05 Europe/Paris"}),
        json.dumps({"k": 3, "t": "hello"}),
    ]
    report = lake.ingest(settings, [write_lines(tmp_path / "b.json", later)], "w")
    assert (report.rows_landed, report.rows_quarantined) == (2, 0), report
    assert query(settings, "SELECT k, typeof(t), t FROM lake.w ORDER BY k") == [
        (1, "JSON", '"2026-01-02 03:04:05"'),
        (2, "JSON", '"2026-07-02T03:04:05 Europe/Paris"'),
        (3, "JSON", '"hello"'),
    ]
