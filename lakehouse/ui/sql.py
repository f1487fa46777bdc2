"""The SQL page: one statement as the viewing principal, through ``Viewer.read`` (the path of ``lakehouse sql``).

Results render as a table (the first ``SHOWN`` rows) and download as CSV (all rows); an error is
the one line the CLI prints.
"""

from __future__ import annotations

import csv
import io

from lakehouse.ui.viewer import Table, Viewer

SHOWN = 500
DIALECTS = ("auto", "bigquery", "duckdb")  # auto: as `lakehouse sql` without --dialect


def run(viewer: Viewer, text: str, dialect: str) -> Table:
    if not text.strip():
        return Table(error="no statement: type a query")
    if dialect not in DIALECTS:
        return Table(error=f"unknown dialect {dialect!r} (valid: {', '.join(DIALECTS)})")
    return viewer.read(text, dialect=dialect)


def as_csv(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.columns)
    writer.writerows(table.rows)
    return out.getvalue()
