"""CSV ingest: dialect and encoding detection, overrides, and real files from vega_datasets."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import lake
from lakehouse.settings import Settings
from tests.conftest import LAYOUTS
from tests.lake.conftest import FIXTURES, query, write_lines

VEGA = Path(__import__("vega_datasets").__file__).parent / "_data"


@pytest.fixture(params=LAYOUTS)
def lake_layout(request: pytest.FixtureRequest) -> str:
    """Every test here runs on the embedded layout and on the team layout (PostgreSQL + S3, real servers)."""
    return str(request.param)


def test_semicolon_latin1(settings: Settings) -> None:
    report = lake.ingest(settings, [FIXTURES / "latin1.csv"], "l1")
    assert report.rows_landed == 2 and any("cp1252" in w or "latin-1" in w for w in report.warnings)
    assert query(settings, "SELECT name, city FROM lake.l1 ORDER BY id") == [
        ("Café Olé", "München"),
        ("Straße", "Köln"),
    ]


def test_cp1252_quotes_and_euro(settings: Settings) -> None:
    lake.ingest(settings, [FIXTURES / "cp1252.csv"], "cp")
    assert query(settings, "SELECT price, note FROM lake.cp ORDER BY id")[0] == ("€ 5", "“quoted”")


def test_encoding_override(settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes("id,name\n1,Ærø\n".encode("latin-1"))
    lake.ingest(settings, [path], "enc", encoding="latin-1")
    assert query(settings, "SELECT name FROM lake.enc") == [("Ærø",)]


def test_ragged_file_is_not_collapsed_into_one_column(settings: Settings, tmp_path: Path) -> None:
    path = write_lines(tmp_path / "r.csv", ["a,b,c", "1,2,3", "4,5", "6,7,8,9", "10,11,12"])
    report = lake.ingest(settings, [path], "rag")
    columns = [
        c for (c,) in query(settings, "SELECT column_name FROM duckdb_columns() WHERE table_name = 'rag'")
    ]
    assert columns[:3] == ["a", "b", "c"]
    assert (report.rows_landed, report.rows_quarantined) == (2, 2)
    lines = query(settings, "SELECT source_line, raw FROM lake._quarantine ORDER BY 1")
    assert lines == [(3, "4,5"), (4, "6,7,8,9")]


def test_schema_override_keeps_leading_zeros(settings: Settings, tmp_path: Path) -> None:
    path = write_lines(tmp_path / "z.csv", ["zip,n", "01234,1", "98765,2"])
    lake.ingest(settings, [path], "zips", schema={"zip": "VARCHAR"})
    assert query(settings, "SELECT zip FROM lake.zips ORDER BY n") == [("01234",), ("98765",)]


def test_columns_added_by_a_later_file(settings: Settings, tmp_path: Path) -> None:
    lake.ingest(settings, [write_lines(tmp_path / "a.csv", ["id,name", "1,a"])], "grow")
    report = lake.ingest(
        settings, [write_lines(tmp_path / "b.csv", ["id,name,Email Address", "2,b,b@x.org"])], "grow"
    )
    assert [(c.column, c.change) for c in report.schema_changes] == [("email_address", "added")]
    assert query(settings, "SELECT id, email_address FROM lake.grow ORDER BY id") == [
        (1, None),
        (2, "b@x.org"),
    ]


def test_files_with_one_header_share_detection_but_still_widen(settings: Settings, tmp_path: Path) -> None:
    """The second file reuses the first file's types; a value they reject makes it detect its own."""
    first = write_lines(
        tmp_path / "1.csv", ["id,amount,day", *(f"{i},{i},2026-01-0{i % 9 + 1}" for i in range(30))]
    )
    second = write_lines(tmp_path / "2.csv", ["id,amount,day", "30,2.5,2026-02-01", "31,7,2026-02-02"])
    third = write_lines(
        tmp_path / "3.csv",
        ["id,amount,day", *(f"{i},1,2026-03-01" for i in range(32, 232)), "232,x,2026-03-02"],
    )
    report = lake.ingest(settings, [first, second, third], "shared")
    assert (report.rows_read, report.rows_landed, report.rows_quarantined) == (233, 232, 1)
    assert query(settings, "SELECT amount FROM lake.shared WHERE id IN (30, 31) ORDER BY id") == [
        (2.5,),
        (7.0,),
    ]
    assert query(settings, "SELECT typeof(amount), typeof(day) FROM lake.shared LIMIT 1") == [
        ("DOUBLE", "DATE")
    ]
    assert query(settings, "SELECT source_uri LIKE '%3.csv', source_line FROM lake._quarantine") == [
        (True, 202)
    ]


@pytest.mark.parametrize(
    "name",
    sorted(
        n for n in os.listdir(VEGA) if n.endswith((".csv", ".json")) and os.path.getsize(VEGA / n) < 400_000
    ),
)
def test_vega_datasets(settings: Settings, name: str) -> None:
    """Real files the project did not write: every row lands or is quarantined with a reason."""
    report = lake.ingest(settings, [VEGA / name], "vega")
    assert report.committed
    assert report.rows_read == report.rows_landed + report.rows_quarantined
    assert report.rows_landed > 0
    if name.endswith(".csv"):
        with open(VEGA / name, "rb") as fh:
            lines = sum(1 for line in fh if line.strip())
        assert report.rows_read == lines - 1


# --- a decimal is never read as an integer (DuckDB rounds "2.5" read as BIGINT to 3, silently) ------


def _types(settings: Settings, table: str) -> dict[str, str]:
    rows = query(
        settings, f"SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = '{table}'"
    )
    return dict(rows)


def test_a_text_column_of_decimals_is_refined_to_double(settings: Settings, tmp_path: Path) -> None:
    # "n/a" makes DuckDB's sniffer read the column as text; the refinement must not pick BIGINT
    lines = ["k,v"] + [f"{i},{i}.5" for i in range(1, 300)] + ["300,n/a"]
    report = lake.ingest(settings, [write_lines(tmp_path / "dec.csv", lines)], "dec")
    assert _types(settings, "dec")["v"] == "DOUBLE"
    assert query(settings, "SELECT v FROM lake.dec WHERE k = 2") == [(2.5,)]
    assert report.rows_quarantined == 1


def test_a_decimal_after_the_sniff_sample_widens_the_column(settings: Settings, tmp_path: Path) -> None:
    lines = ["k,v"] + [f"{i},{'2.5' if i == 24_000 else i}" for i in range(1, 25_001)]
    lake.ingest(settings, [write_lines(tmp_path / "late.csv", lines)], "late")
    assert _types(settings, "late")["v"] == "DOUBLE"
    assert query(settings, "SELECT v FROM lake.late WHERE k = 24000") == [(2.5,)]


def test_a_decimal_in_a_later_file_of_the_batch_widens_the_column(settings: Settings, tmp_path: Path) -> None:
    # the second file shares the first file's detection (same header); its decimal is past the sample
    first = write_lines(tmp_path / "a.csv", ["k,v"] + [f"{i},{i}" for i in range(1, 100)])
    lines = ["k,v"] + [f"{i},{'7.25' if i == 24_000 else i}" for i in range(1, 25_001)]
    second = write_lines(tmp_path / "b.csv", lines)
    lake.ingest(settings, [first, second], "two")
    assert _types(settings, "two")["v"] == "DOUBLE"
    assert query(settings, "SELECT v FROM lake.two WHERE k = 24000") == [(7.25,)]


def test_a_decimal_in_a_column_the_user_declared_integer_is_not_rounded(
    settings: Settings, tmp_path: Path
) -> None:
    path = write_lines(tmp_path / "forced.csv", ["k,v", "1,1", "2,2.5", "3,3"])
    report = lake.ingest(settings, [path], "forced", schema={"v": "BIGINT"})
    assert report.rows_landed == 0  # the file is rejected with the value, not landed rounded
    reasons = query(settings, "SELECT reason FROM lake._quarantine WHERE batch_id = ?", [report.batch_id])
    assert len(reasons) == 1 and "holds '2.5', which would be rounded" in reasons[0][0]


def test_integers_past_what_a_double_holds_land_exactly(settings: Settings, tmp_path: Path) -> None:
    # integer columns are read through DOUBLE first (guard_integers): 2**53 + 1 must not come back as 2**53
    big = 2**53 + 1
    lines = ["k,v,w"] + [f"{i},{big + i},{-i}" for i in range(1, 200)] + ["200,bad,1"]
    report = lake.ingest(settings, [write_lines(tmp_path / "big.csv", lines)], "big")
    assert _types(settings, "big")["v"] == "BIGINT"
    assert query(settings, "SELECT v, w FROM lake.big WHERE k = 1") == [(big + 1, -1)]
    assert report.rows_landed == 199 and report.rows_quarantined == 1  # "bad" rejected, as before


def test_whole_numbers_written_as_decimals_keep_an_integer_column(settings: Settings, tmp_path: Path) -> None:
    lines = ["k,v"] + [f"{i},{i}" for i in range(1, 30_000)] + ["30000,7.0", "30001,1e3"]
    lake.ingest(settings, [write_lines(tmp_path / "whole.csv", lines)], "whole")
    assert _types(settings, "whole")["v"] == "BIGINT"
    assert query(settings, "SELECT v FROM lake.whole WHERE k >= 30000 ORDER BY k") == [(7,), (1000,)]


def test_a_line_longer_than_duckdbs_default_limit_lands(settings: Settings, tmp_path: Path) -> None:
    # the first read uses DuckDB's 2 MB line limit; the long line must come back, not stay a reject
    lines = ["k,note", "1,short", f"2,{'y' * 3_000_000}", "3,short"]
    report = lake.ingest(settings, [write_lines(tmp_path / "long.csv", lines)], "long")
    assert (report.rows_landed, report.rows_quarantined) == (3, 0)
    assert query(settings, "SELECT k, length(note) FROM lake.long ORDER BY k") == [
        (1, 5),
        (2, 3_000_000),
        (3, 5),
    ]
