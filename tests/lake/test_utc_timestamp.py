"""``temporal.utc_timestamp``: an instant as its UTC wall clock without ICU's calendar, the same values as
``timezone('UTC', x)`` in any session zone, and an infinite instant kept infinite."""

from __future__ import annotations

import duckdb
import pytest

from lake.readers.temporal import utc_timestamp

INSTANTS = [
    "2026-01-01T00:00:04Z",
    "2026-01-01T00:00:04+02:00",
    "2026-03-29 01:59:59.999999-05:30",
    "1500-03-01 10:00:00-07:53",
    "1969-12-31 23:59:59.5+00:00",
    "0001-01-01 00:00:00+14:00",
]


@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris", "America/St_Johns", "Asia/Kathmandu"])
def test_the_same_wall_clock_as_timezone_utc_in_any_session_zone(zone: str) -> None:
    con = duckdb.connect()
    con.execute(f"SET TimeZone = '{zone}'")
    x = "CAST(v AS TIMESTAMPTZ)"
    rows = con.execute(
        f"SELECT v, {utc_timestamp(x)}, timezone('UTC', {x}) FROM unnest(?) t(v)", [INSTANTS]
    ).fetchall()
    assert [(v, ours) for v, ours, _ in rows] == [(v, theirs) for v, _, theirs in rows]
    assert all(ours is not None for _, ours, _ in rows)


def test_null_stays_null_and_infinity_stays_infinite() -> None:
    con = duckdb.connect()
    x = "CAST(v AS TIMESTAMPTZ)"
    rows = con.execute(
        f"SELECT CAST({utc_timestamp(x)} AS VARCHAR) FROM (VALUES (NULL), ('infinity'), ('-infinity')) t(v)"
    ).fetchall()
    assert rows == [(None,), ("infinity",), ("-infinity",)]
