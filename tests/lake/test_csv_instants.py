"""CSV timestamps with an offset land as the instants DuckDB's own auto read gives, in UTC.

DuckDB's sniffer types such a column TIMESTAMP WITH TIME ZONE; the reader reads it as TIMESTAMP (a
bad TIMESTAMPTZ value would be nulled without a reject), and a TIMESTAMP read drops the offset.
"""

from __future__ import annotations

import datetime as dt
import itertools
import zoneinfo
from pathlib import Path

import duckdb
from hypothesis import HealthCheck, assume, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

import lake
from lake.readers.csv_values import ISO_INSTANT, NULL_MARKERS, Conversion, convert_sql
from lake.report import IngestReport
from lakehouse.connect import connect
from lakehouse.quoting import literal
from lakehouse.settings import Settings
from tests.lake.conftest import query, write_lines

_datasets = itertools.count()


def _landed(settings: Settings, dataset: str) -> list[dt.datetime]:
    return [r[0] for r in query(settings, f"SELECT t FROM lake.{dataset} ORDER BY k")]


def test_offsets_and_z_are_stored_in_utc(settings: Settings, tmp_path: Path) -> None:
    lines = ["k,t", "1,2026-01-02T03:04:05+02:00", "2,2026-01-02 03:04:05-03:30", "3,2026-01-02T03:04:05Z"]
    report = lake.ingest(settings, [write_lines(tmp_path / "a.csv", lines)], "a")
    assert report.rows_landed == 3, report
    assert _landed(settings, "a") == [
        dt.datetime(2026, 1, 2, 1, 4, 5),
        dt.datetime(2026, 1, 2, 6, 34, 5),
        dt.datetime(2026, 1, 2, 3, 4, 5),
    ]


def test_a_later_batch_of_an_existing_table(settings: Settings, tmp_path: Path) -> None:
    lake.ingest(settings, [write_lines(tmp_path / "b1.csv", ["k,t", "1,2026-01-02T03:04:05+02:00"])], "b")
    report = lake.ingest(
        settings, [write_lines(tmp_path / "b2.csv", ["k,t", "2,2026-01-02T03:04:05-01:00"])], "b"
    )
    assert report.rows_landed == 1 and not report.schema_changes, report
    assert _landed(settings, "b") == [dt.datetime(2026, 1, 2, 1, 4, 5), dt.datetime(2026, 1, 2, 4, 4, 5)]


def test_a_value_that_is_no_instant_is_quarantined(settings: Settings, tmp_path: Path) -> None:
    lines = (
        ["k,t"]
        + [f"{i},2026-01-02T03:04:05+02:00" for i in range(1, 200)]
        + ["200,2026-13-02T03:04:05+02:00"]
    )
    path = write_lines(tmp_path / "q.csv", lines)
    report = lake.ingest(settings, [path], "q")
    (file,) = report.files
    assert (file.rows_read, file.rows_landed, file.rows_quarantined) == (200, 199, 1), report
    assert set(_landed(settings, "q")) == {dt.datetime(2026, 1, 2, 1, 4, 5)}
    rows = query(settings, "SELECT source_line, reason FROM lake._quarantine")
    assert rows == [(201, "t: cannot read '2026-13-02T03:04:05+02:00' as TIMESTAMP (format iso8601)")]


_OFFSETS = ["+02:00", "-03:30", "+00:00", "-11:00", "+05:45", "Z", "+01"]


@hsettings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    values=st.lists(
        st.tuples(
            st.datetimes(dt.datetime(1971, 1, 1), dt.datetime(2060, 12, 31)),
            st.sampled_from(_OFFSETS),
            st.sampled_from(["T", " "]),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_the_lake_holds_the_auto_read(
    settings: Settings, tmp_path: Path, values: list[tuple[dt.datetime, str, str]]
) -> None:
    dataset = f"c{next(_datasets)}"
    lines = ["k,t"] + [
        f"{k},{at.strftime(f'%Y-%m-%d{sep}%H:%M:%S')}{off}" for k, (at, off, sep) in enumerate(values)
    ]
    path = write_lines(tmp_path / f"{dataset}.csv", lines)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    auto = con.sql(f"SELECT timezone('UTC', t) FROM read_csv({literal(str(path))}) ORDER BY k")
    assert [str(t) for t in con.sql(f"SELECT t FROM read_csv({literal(str(path))})").types] == [
        "TIMESTAMP WITH TIME ZONE"
    ]
    report = lake.ingest(settings, [path], dataset)
    assert report.rows_landed == len(values), report
    assert [(t,) for t in _landed(settings, dataset)] == auto.fetchall()


def test_zone_names_are_applied_and_unknown_ones_keep_the_text(settings: Settings, tmp_path: Path) -> None:
    """A zone name (ICU's: CET, Europe/Paris, America/New_York, with daylight saving) gives the instant
    DuckDB's own auto read gives, stored in UTC; a name ICU does not know keeps the column as text:
    the zone is never dropped."""
    lines = [
        "k,t",
        "1,2026-01-02 03:04:05 CET",
        "2,2026-07-02 03:04:05 CET",
        "3,2026-07-02 03:04:05.5 Europe/Paris",
        "4,2026-01-02 03:04:05 America/New_York",
    ]
    report = lake.ingest(settings, [write_lines(tmp_path / "z.csv", lines)], "z")
    assert report.rows_landed == 4, report
    assert _landed(settings, "z") == [
        dt.datetime(2026, 1, 2, 2, 4, 5),
        dt.datetime(2026, 7, 2, 1, 4, 5),
        dt.datetime(2026, 7, 2, 1, 4, 5, 500000),
        dt.datetime(2026, 1, 2, 8, 4, 5),
    ]
    unknown = ["k,t", "1,2026-01-02 03:04:05 Europe/Paris", "2,2026-01-02 03:04:05 Mars/Olympus"]
    lake.ingest(settings, [write_lines(tmp_path / "u.csv", unknown)], "u")
    assert _landed(settings, "u") == ["2026-01-02 03:04:05 Europe/Paris", "2026-01-02 03:04:05 Mars/Olympus"]


def _csv_opens(settings: Settings, path: Path, dataset: str) -> tuple[IngestReport, int]:
    """Ingest ``path`` on a connection logging its file system calls: (report, times DuckDB opened it)."""
    con = connect(settings, lake=False)
    con.execute("CALL enable_logging('FileSystem')")
    report = lake.ingest(settings, [path], dataset, con=con)
    opens = con.execute(
        "SELECT count(*) FROM duckdb_logs WHERE type = 'FileSystem' "
        f"AND (message ->> 'path') = {literal(path.as_posix())} AND (message ->> 'op') = 'OPEN'"
    ).fetchone()
    con.close()
    assert opens is not None
    return report, int(opens[0])


def test_a_bad_instant_lands_every_good_row_from_one_more_read(settings: Settings, tmp_path: Path) -> None:
    # past detection's samples, so that both files are detected alike: the strict read stops at the
    # bad value, then ONE read sorts the good records from the bad (it used to be one read to stage
    # the good ones, another to quarantine the bad ones, and for the integer column one more scan
    # and another strict read)
    good = ["k,t"] + [f"{i},2026-01-02T03:04:05Z" for i in range(1, 60_001)]
    bad = list(good)
    bad[55_000] = "55000,2026-13-45T00:00:00Z"
    clean, clean_opens = _csv_opens(settings, write_lines(tmp_path / "good.csv", good), "g")
    report, opens = _csv_opens(settings, write_lines(tmp_path / "bad.csv", bad), "b")
    assert (clean.rows_landed, clean.rows_quarantined) == (60_000, 0), clean
    (file,) = report.files
    assert (file.rows_read, file.rows_landed, file.rows_quarantined) == (60_000, 59_999, 1), report
    assert query(settings, "SELECT count(*), min(k), max(k), count(DISTINCT t) FROM lake.b") == [
        (59_999, 1, 60_000, 1)
    ]
    assert query(settings, "SELECT source_line, reason, raw FROM lake._quarantine") == [
        (
            55_001,
            "t: cannot read '2026-13-45T00:00:00Z' as TIMESTAMP (format iso8601)",
            "55000,2026-13-45T00:00:00Z",
        )
    ]
    lines = "SELECT k, _source_line FROM lake.b WHERE k BETWEEN 54_999 AND 55_001 ORDER BY k"
    assert query(settings, lines) == [(54_999, 54_999), (55_001, 55_001)]
    assert opens == clean_opens + 1, (opens, clean_opens)


#: (suffix written after the time, the zone it means); None: no zone, the text is UTC already
_SUFFIXES: list[tuple[str, dt.tzinfo | None]] = [
    ("", None),
    ("Z", dt.UTC),
    ("+02:00", dt.timezone(dt.timedelta(hours=2))),
    ("-0330", dt.timezone(-dt.timedelta(hours=3, minutes=30))),
    ("+05", dt.timezone(dt.timedelta(hours=5))),
    (" Europe/Paris", zoneinfo.ZoneInfo("Europe/Paris")),
    (" America/New_York", zoneinfo.ZoneInfo("America/New_York")),
]


@hsettings(max_examples=60, deadline=None)
@given(
    values=st.lists(
        st.tuples(
            st.datetimes(dt.datetime(1980, 1, 1), dt.datetime(2030, 12, 31)),
            st.sampled_from(range(len(_SUFFIXES))),
            st.sampled_from(["T", " "]),
            st.sampled_from(["", ".5", ".123456"]),
        ),
        min_size=1,
        max_size=12,
    ),
    zone=st.sampled_from(["UTC", "America/St_Johns"]),
    strict=st.booleans(),
)
def test_each_instant_text_converts_on_its_own(
    values: list[tuple[dt.datetime, int, str, str]], zone: str, strict: bool
) -> None:
    """``convert_sql`` of an iso8601 column, all values in one vector and in any session zone: an
    offset or zone applied, text without one read as UTC. (DuckDB 1.5.5's TIMESTAMPTZ cast keeps the
    zone NAME of one value for the zone-less values after it in the same cast, whatever the session's
    zone: one cast of every value would read "…03:04:05" after "… Europe/Paris" as Paris time.)"""
    texts, expected = [], []
    for at, suffix, sep, fraction in values:
        wall = at.replace(microsecond={"": 0, ".5": 500_000, ".123456": 123_456}[fraction])
        text, tz = _SUFFIXES[suffix]
        if tz is not None:  # a wall clock a zone change skips or repeats: ICU and zoneinfo choose differently
            assume(wall.replace(tzinfo=tz, fold=0).utcoffset() == wall.replace(tzinfo=tz, fold=1).utcoffset())
        texts.append(f"{wall.strftime(f'%Y-%m-%d{sep}%H:%M:%S')}{fraction}{text}")
        instant = wall if tz is None else wall.replace(tzinfo=tz).astimezone(dt.UTC).replace(tzinfo=None)
        expected.append(instant)
    con = duckdb.connect()
    con.execute(f"SET TimeZone = {literal(zone)}")
    conv = Conversion("TIMESTAMP", ISO_INSTANT, NULL_MARKERS)
    listed = ", ".join(f"({literal(t)}, {i})" for i, t in enumerate(texts))
    rows = con.execute(
        f"SELECT v, {convert_sql('v', conv, strict=strict)} FROM (VALUES {listed}) t(v, i) ORDER BY i"
    ).fetchall()
    assert rows == list(zip(texts, expected, strict=True))


def test_an_offset_past_the_sniffers_sample_of_zoneless_text_is_applied(
    settings: Settings, tmp_path: Path
) -> None:
    """The sniffer types a column of zone-less ISO text TIMESTAMP; DuckDB's TIMESTAMP read drops an
    offset without a reject, so an offset after its sample (…+02:00 on line 60,002) used to land as
    the wall clock. Zone-less text lands as it is; "T" or space, fractions and "Z" too."""
    lines = ["k,t"] + [f"{i},2026-01-02T03:04:05" for i in range(1, 60_001)]
    lines += ["60001,2026-01-02T03:04:05+02:00", "60002,2026-01-02 03:04:05.25", "60003,2026-01-02 03:04:05Z"]
    report = lake.ingest(settings, [write_lines(tmp_path / "late.csv", lines)], "late")
    assert (report.rows_landed, report.rows_quarantined) == (60_003, 0), report
    rows = query(settings, "SELECT k, t FROM lake.late WHERE k >= 60_000 ORDER BY k")
    assert rows == [
        (60_000, dt.datetime(2026, 1, 2, 3, 4, 5)),
        (60_001, dt.datetime(2026, 1, 2, 1, 4, 5)),
        (60_002, dt.datetime(2026, 1, 2, 3, 4, 5, 250_000)),
        (60_003, dt.datetime(2026, 1, 2, 3, 4, 5)),
    ]
    assert query(settings, "SELECT count(DISTINCT t) FROM lake.late WHERE k <= 60_000") == [(1,)]


def test_a_marker_shaped_like_a_time_stays_a_marker() -> None:
    """The cheap read of zone-less text (one TIMESTAMP cast) is skipped for a shape a marker has: a
    marker that is a valid time is NULL, not that time."""
    conv = Conversion("TIMESTAMP", ISO_INSTANT, ("1970-01-01 00:00:00", "NA"))
    sql = convert_sql("v", conv, strict=True)
    rows = duckdb.sql(
        f"SELECT {sql} FROM (VALUES ('1970-01-01 00:00:00', 1), ('1970-01-01T00:00:00', 2), ('NA', 3)) t(v, i) "
        "ORDER BY i"
    ).fetchall()
    assert rows == [(None,), (dt.datetime(1970, 1, 1),), (None,)]
