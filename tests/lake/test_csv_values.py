"""CSV values as people write them: null markers, dates in words and slashes, a good record beside a bad one.

Each test below named after a failure of issue 14 failed on main before this change (checked).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

import lake
from lake.readers.csv_values import ISO_INSTANT, NULL_MARKERS, Conversion, convert_sql
from lakehouse.quoting import literal
from lakehouse.settings import Settings
from tests.conftest import CliResult
from tests.lake.conftest import query, write_lines


def _types(settings: Settings, table: str) -> dict[str, str]:
    rows = query(
        settings, f"SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = '{table}'"
    )
    return dict(rows)


def _scores(n: int = 300) -> list[str]:
    """A file where a number column and a text column both hold NA (rare enough to pass refinement)."""
    rows = [f"{i},{i}.5,name{i},2020-01-{1 + i % 28:02d}" for i in range(1, n)]
    rows[9] = "10,NA,NA,NA"
    rows[19] = "20,N/A,N/A,-"
    return ["id,score,name,day", *rows]


def test_na_in_a_number_column_is_null_not_quarantine(settings: Settings, tmp_path: Path) -> None:
    report = lake.ingest(settings, [write_lines(tmp_path / "na.csv", _scores())], "na")
    assert (report.rows_landed, report.rows_quarantined) == (299, 0)
    assert _types(settings, "na")["score"] == "DOUBLE" and _types(settings, "na")["day"] == "DATE"
    assert query(settings, "SELECT score, name, day FROM lake.na WHERE id IN (10, 20) ORDER BY id") == [
        (None, "NA", None),
        (None, "N/A", None),
    ]  # the text column keeps its literal strings
    assert report.null_markers == {"score": {"NA": 1, "N/A": 1}, "day": {"NA": 1, "-": 1}}
    assert report.landed().null_markers == {"day": ("-", "NA"), "score": ("N/A", "NA")}


def test_a_marker_past_the_detection_sample_is_null(settings: Settings, tmp_path: Path) -> None:
    lines = ["k,v"] + [f"{i},{i}.5" for i in range(1, 60_000)] + ["60000,NA"]
    report = lake.ingest(settings, [write_lines(tmp_path / "late.csv", lines)], "late")
    assert (report.rows_landed, report.rows_quarantined) == (60_000, 0)
    assert report.null_markers == {"v": {"NA": 1}}
    assert query(settings, "SELECT v FROM lake.late WHERE k = 60000") == [(None,)]


def test_a_value_neither_marker_nor_number_is_quarantined_with_its_line(
    settings: Settings, tmp_path: Path
) -> None:
    lines = _scores()
    lines[31] = "31,oops,name31,2020-01-04"
    report = lake.ingest(settings, [write_lines(tmp_path / "bad.csv", lines)], "bad")
    assert (report.rows_landed, report.rows_quarantined) == (298, 1)
    assert query(settings, "SELECT source_line, raw FROM lake._quarantine") == [
        (32, "31,oops,name31,2020-01-04")
    ]
    assert query(settings, "SELECT reason FROM lake._quarantine") == [
        ("score: cannot read 'oops' as DOUBLE",)
    ]


def test_null_markers_set_explicitly(settings: Settings, tmp_path: Path) -> None:
    lines = ["k,v"] + [f"{i},{i}" for i in range(1, 300)] + ["300,missing", "301,NA"]
    report = lake.ingest(settings, [write_lines(tmp_path / "m.csv", lines)], "m", null_markers=["missing"])
    assert report.null_markers == {"v": {"missing": 1}}
    assert report.rows_quarantined == 1  # NA is not a marker any more: quarantined, not nulled
    assert query(settings, "SELECT reason FROM lake._quarantine") == [("v: cannot read 'NA' as BIGINT",)]


def test_no_null_markers_still_quarantines_a_value_that_does_not_parse(
    settings: Settings, tmp_path: Path
) -> None:
    # null_markers=[]: only an empty field is NULL. The test "is this text NULL?" was NULL for any other
    # text (``IN ()`` of no markers), so a converted value that does not parse landed as NULL, silently
    lines = (
        ["k,d"] + [f"{i},{1 + i % 28:02d}/01/2000" for i in range(1, 40)] + ["40,NA", "41,", "42,31/02/2000"]
    )
    path = write_lines(tmp_path / "nm.csv", lines)
    report = lake.ingest(settings, [path], "nm", null_markers=[], date_formats={"d": "%d/%m/%Y"})
    assert (report.rows_landed, report.rows_quarantined) == (40, 2), report
    assert query(settings, "SELECT source_line, reason FROM lake._quarantine ORDER BY source_line") == [
        (41, "d: cannot read 'NA' as DATE (format %d/%m/%Y)"),
        (43, "d: cannot read '31/02/2000' as DATE (format %d/%m/%Y)"),
    ]
    assert query(settings, "SELECT k FROM lake.nm WHERE d IS NULL") == [(41,)]
    assert report.null_markers == {}


def _stocks(dates: list[str]) -> list[str]:
    return ["symbol,date,price", *(f"MSFT,{d},{i}.25" for i, d in enumerate(dates, 1))]


MONTHS = [f"{m} {d} 2000" for m in ("Jan", "Feb", "Mar") for d in range(1, 11)]


def test_month_name_dates_land_as_dates(settings: Settings, tmp_path: Path) -> None:
    lake.ingest(settings, [write_lines(tmp_path / "s.csv", _stocks(MONTHS))], "s")
    assert _types(settings, "s")["date"] == "DATE"
    assert str(query(settings, "SELECT min(date), max(date) FROM lake.s")[0]) == (
        "(datetime.date(2000, 1, 1), datetime.date(2000, 3, 10))"
    )


def test_schema_date_on_month_names_lands_dates(
    cli: Callable[..., CliResult], tmp_path: Path, settings: Settings
) -> None:
    path = write_lines(tmp_path / "s.csv", _stocks(MONTHS[:5]))
    result = cli("ingest", str(path), "-d", "s", "--schema", "date=DATE", "--no-gate")
    assert result.code == 0, result.err
    assert query(settings, "SELECT count(*), count(date) FROM lake.s") == [(5, 5)]
    assert _types(settings, "s")["date"] == "DATE"


def test_the_summary_never_says_landed_when_nothing_landed(
    cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    path = write_lines(tmp_path / "s.csv", _stocks(["soon", "later", "never"]))
    result = cli("ingest", str(path), "-d", "s", "--schema", "date=DATE", "--no-gate")
    assert result.code == 1
    assert "rows landed" not in result.out + result.err and "nothing landed" in result.out + result.err
    assert "│ quarantined" in result.out


@pytest.mark.parametrize(
    ("dates", "first"),
    [
        (["1 January 2000", "15 March 2001", "2 Feb 2002"][:2] + ["3 April 2003"], "2000-01-01"),
        (["25/12/2000", "01/02/2001", "13/01/2002"], "2000-12-25"),  # day first: 25 and 13 are days
        (["12/25/2000", "01/02/2001", "01/13/2002"], "2000-12-25"),  # month first
    ],
)
def test_dates_in_the_formats_people_write(
    settings: Settings, tmp_path: Path, dates: list[str], first: str
) -> None:
    lake.ingest(settings, [write_lines(tmp_path / "d.csv", _stocks(dates))], "d")
    assert _types(settings, "d")["date"] == "DATE"
    assert str(query(settings, "SELECT date FROM lake.d ORDER BY price LIMIT 1")[0][0]) == first


def test_ambiguous_day_month_order_is_one_clear_error(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    path = write_lines(tmp_path / "d.csv", _stocks(["01/02/2000", "03/04/2000", "05/06/2000"]))
    result = cli("ingest", str(path), "-d", "d", "--no-gate")
    assert result.code == 1
    assert "column 'date' has dates that read both as %d/%m/%Y and as %m/%d/%Y" in result.err
    assert cli("ingest", str(path), "-d", "d", "--no-gate", "--date-format", "date=%d/%m/%Y").code == 0


def test_times_with_zones_and_declared_epochs(settings: Settings, tmp_path: Path) -> None:
    lines = ["id,at,epoch", "1,2000-01-01 10:00:00 +0200,946720800", "2,2000-01-02 10:00:00 +0000,946807200"]
    lake.ingest(settings, [write_lines(tmp_path / "t.csv", lines)], "t", date_formats={"epoch": "epoch"})
    types = _types(settings, "t")
    assert types["epoch"] == "TIMESTAMP"
    rows = query(settings, 'SELECT CAST("at" AS VARCHAR), CAST(epoch AS VARCHAR) FROM lake.t ORDER BY id')
    assert rows == [
        ("2000-01-01 08:00:00", "2000-01-01 10:00:00"),
        ("2000-01-02 10:00:00", "2000-01-02 10:00:00"),
    ]


# --- a good record survives a bad neighbour -----------------------------------------------------


def test_valid_multiline_record_survives_an_unterminated_quote(settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    path.write_text('id,text\n1,"multi\nline"\n2,"broken\n3,ok\n')
    report = lake.ingest(settings, [path], "q")
    assert (report.rows_landed, report.rows_quarantined) == (1, 1)
    assert query(settings, "SELECT id, text FROM lake.q") == [("1", "multi\nline")]
    assert query(settings, "SELECT source_line FROM lake._quarantine") == [(4,)]


def test_a_broken_json_line_quarantines_that_line_only(settings: Settings, tmp_path: Path) -> None:
    path = write_lines(tmp_path / "j.ndjson", ['{"a": 1, "t": "x\\ny"}', '{"a": 2, "t": "broken', '{"a": 3}'])
    report = lake.ingest(settings, [path], "j")
    assert (report.rows_landed, report.rows_quarantined) == (2, 1)
    assert query(settings, "SELECT a FROM lake.j ORDER BY a") == [(1,), (3,)]
    assert query(settings, "SELECT source_line FROM lake._quarantine") == [(2,)]


def test_the_catalog_lists_the_null_markers_of_a_column(
    cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    path = write_lines(tmp_path / "na.csv", _scores())
    assert cli("ingest", str(path), "-d", "na", "--no-gate").code == 0
    shown = cli("catalog", "show", "lake.na", "--json")
    assert shown.code == 0, shown.err
    assert shown.json()["dataset"]["properties"]["null_markers"] == {
        "day": ["-", "NA"],
        "score": ["N/A", "NA"],
    }
    assert cli("catalog", "refresh").code == 0  # a full refresh reads them from the lake again
    again = cli("catalog", "show", "lake.na", "--json").json()
    assert again["dataset"]["properties"]["null_markers"] == {"day": ["-", "NA"], "score": ["N/A", "NA"]}


def test_the_utc_shortcut_converts_as_the_general_instant_path() -> None:
    # convert_sql reads "…Z" text with one TIMESTAMP cast; every text gives what the general path
    # (null markers, offset test, TIMESTAMPTZ cast) gives, for TIMESTAMP and TIMESTAMPTZ, in any zone
    texts = [
        "2026-01-02T03:04:05Z", "2026-01-02 03:04:05.123456Z", " 2026-01-02T03:04:05Z", "2026-01-02T03:04:05 Z",
        "2026-01-02T03:04:05Z ", "2026-13-45T00:00:00Z", "2026-01-02Z", "Z", "NA", "", None,
        "2026-01-02T03:04:05+02:00", "2026-01-02 03:04:05", "2026-01-02 03:04:05 UTC", "infinityZ",
    ]  # fmt: skip
    con = duckdb.connect()
    values = ", ".join(f"({literal(t) if t is not None else 'NULL'})" for t in texts)
    for zone, type_ in itertools.product(["UTC", "America/St_Johns"], ["TIMESTAMP", "TIMESTAMPTZ"]):
        con.execute(f"SET TimeZone = {literal(zone)}")
        conv = Conversion(type_, ISO_INSTANT, NULL_MARKERS)
        shortcut = convert_sql('"v"', conv, strict=False)
        null, parsed = conv.is_null_sql('"v"'), conv.parse_sql('trim("v")')
        general = f"CASE WHEN {null} THEN NULL ELSE {parsed} END"
        assert "suffix(" in shortcut and "suffix(" not in general
        rows = con.execute(f"SELECT v, {shortcut}, {general} FROM (VALUES {values}) t(v)").fetchall()
        assert [(v, a) for v, a, _ in rows] == [(v, b) for v, _, b in rows], (zone, type_)
        assert sum(a is not None for _, a, _ in rows) >= 6, rows


@pytest.mark.parametrize(
    "conv",
    [
        Conversion("TIMESTAMP", ISO_INSTANT, NULL_MARKERS),
        Conversion("DATE", "%d/%m/%Y", NULL_MARKERS),
        Conversion("BIGINT", None, ("missing",)),
        Conversion("DOUBLE", None, ()),
    ],
    ids=lambda c: c.describe(),
)
def test_a_converted_column_is_one_projection_without_a_join(conv: Conversion) -> None:
    # DuckDB's optimizer turns an IN list of several constants into a join over every row, which the
    # CASE around the null test cannot skip: it cost ~20 % of a CSV read of "…Z" timestamps
    con = duckdb.connect()
    for strict in (True, False):
        sql = f"SELECT {convert_sql('v', conv, strict=strict)}, NOT {conv.is_null_sql('v')} FROM (VALUES ('x')) t(v)"
        plan = con.execute(f"EXPLAIN {sql}").fetchall()[0][1]
        assert "PROJECTION" in plan and "JOIN" not in plan, plan
    texts = ["", " ", None, *conv.markers, " NA ", "x", "2026-01-02"]
    values = ", ".join(f"({literal(t) if t is not None else 'NULL'})" for t in texts)
    rows = con.execute(f"SELECT v, {conv.is_null_sql('v')} FROM (VALUES {values}) t(v)").fetchall()
    expected = {t: t is None or t.strip() in ("", *conv.markers) for t in texts}
    assert dict(rows) == expected
