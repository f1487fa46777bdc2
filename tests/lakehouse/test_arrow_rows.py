"""Arrow rows as Python values: what ``to_pylist`` gives, without pandas, and every column of one name kept."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb

from lakehouse.arrow_rows import python_rows

ROOT = Path(__file__).resolve().parents[2]


def test_two_columns_of_one_name_keep_both_values() -> None:
    table = duckdb.connect().execute("SELECT [1] AS a, [2] AS a").fetch_arrow_table()
    assert python_rows(table) == [([1], [2])]


def test_timestamptz_rows_equal_to_pylist_and_need_no_pandas() -> None:
    code = (
        "import sys, duckdb\n"
        "from lakehouse.arrow_rows import python_rows\n"
        "con = duckdb.connect()\n"
        "con.execute(\"SET TimeZone = 'America/New_York'\")\n"
        "sql = \"SELECT TIMESTAMPTZ '2024-11-03 06:30:00+00' AS t UNION ALL SELECT NULL\"\n"
        "rows = python_rows(con.execute(sql).fetch_arrow_table())\n"
        "assert 'pandas' not in sys.modules and 'pyarrow.compute' not in sys.modules, 'imported'\n"
        "expected = [tuple(r.values()) for r in con.execute(sql).fetch_arrow_table().to_pylist()]\n"
        "assert rows == expected and rows[0][0].fold == expected[0][0].fold == 1, (rows, expected)\n"
        "print(rows[0][0].isoformat())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "2024-11-03T01:30:00-05:00"
