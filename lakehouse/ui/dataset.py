"""The dataset page: ``catalog.show`` as the viewing principal, plus reads through the access layer.

The schema, statistics, quality verdict, lineage and schema history come from the catalog restricted
to the principal (``catalog.show`` with its view). The administrator also gets a link to the GX Data
Docs page of the newest validation when the docs were built (``lakehouse quality docs``); a
principal does not, since the docs hold raw values of failing rows of every suite. Sample rows and the quarantine are data: they are
read with ``Viewer.read`` (the restricted session of ``lakehouse sql`` for a principal, audited), so a
masked column shows masked values, a denied column is never selected, and a table the principal
may not read says so with the CLI's error. Histograms and top values are drawn from the sample rows.
"""

from __future__ import annotations

from typing import Any

from sqlglot import exp

import catalog
import quality
from catalog.model import LINEAGE_COLUMNS, DatasetInfo
from lakehouse.ui import charts
from lakehouse.ui.viewer import Table, Viewer

SAMPLE_ROWS = 200  # read for the charts
SHOWN_ROWS = 20  # shown as a table
QUARANTINE_SHOWN = 5


def table_expr(name: str) -> exp.Table:
    """``lake.customers`` / ``marts.x`` as a quoted table reference."""
    parts = name.split(".")
    return exp.table_(parts[-1], db=parts[-2] if len(parts) > 1 else None,
                      catalog=parts[-3] if len(parts) > 2 else None, quoted=True)  # fmt: skip


def page(viewer: Viewer, name: str) -> dict[str, Any]:
    """The page's context (``NotFoundError`` for a dataset missing or hidden from the principal)."""
    view = viewer.view()
    info = catalog.show(viewer.settings, name, view=view)
    record = info.dataset
    access = {c.name: view.column(record.name, c.name) if view else "raw" for c in record.columns}
    nulls = charts.null_fractions([(c.name, c.stats.null_fraction) for c in record.columns])
    gx = _gx(viewer, info)
    docs = _docs(viewer, record.short_name, gx)
    return {"info": info, "d": record, "access": access, "nulls_chart": nulls, "gx": gx, "docs": docs}


def _gx(viewer: Viewer, info: DatasetInfo) -> dict[str, Any] | None:
    """The latest validation summary of a lake dataset (None for others or when never validated)."""
    if info.dataset.source != "lake":
        return None
    return quality.latest_results(viewer.settings).get(info.dataset.short_name)


def _docs(viewer: Viewer, dataset: str, gx: dict[str, Any] | None) -> dict[str, Any] | None:
    """The link to the Data Docs page of the dataset's newest validation, for the administrator only:
    the docs list every suite and show failing rows' raw values (None: no docs built, or none for it)."""
    page = quality.latest_page(viewer.settings, dataset) if gx and viewer.principal is None else None
    if page is None or gx is None:
        return None
    return {"url": f"/datadocs/{page.path}", "validated_at": page.validated_at,
            "current": page.validated_at == gx["validated_at"]}  # fmt: skip


def sample(viewer: Viewer, name: str) -> dict[str, Any]:
    """Sample rows of the columns the principal may see, read as the principal, with a chart per column."""
    view = viewer.view()
    record = catalog.show(viewer.settings, name, view=view).dataset
    columns = [c.name for c in record.columns]
    query = exp.select(*(exp.column(c, quoted=True) for c in columns)).from_(table_expr(record.name))
    table = viewer.read(query.limit(SAMPLE_ROWS).sql("duckdb"), dialect="duckdb")
    drawn = [] if table.error else [
        (c, charts.distribution(c, [row[i] for row in table.rows]))
        for i, c in enumerate(table.columns) if c not in LINEAGE_COLUMNS
    ]  # fmt: skip
    return {"table": table, "shown": table.rows[:SHOWN_ROWS], "charts": [(c, s) for c, s in drawn if s]}


def quarantine(viewer: Viewer, name: str) -> dict[str, Any]:
    """Rejected records of a lake dataset: counts per reason and the newest few, read as the principal."""
    record = catalog.show(viewer.settings, name, view=viewer.view()).dataset
    if record.source != "lake":
        return {"counts": None, "records": None}
    source = exp.table_("_quarantine", db="lake", quoted=True)
    mine = exp.column("dataset").eq(exp.Literal.string(record.short_name))
    counts = (exp.select("reason", exp.Count(this=exp.Star()).as_("records")).from_(source).where(mine)
              .group_by("reason").order_by("records DESC"))  # fmt: skip
    newest = (exp.select("source_uri", "source_line", "reason", "raw").from_(source).where(mine)
              .order_by("quarantined_at DESC").limit(QUARANTINE_SHOWN))  # fmt: skip
    return {"counts": _read(viewer, counts), "records": _read(viewer, newest)}


def _read(viewer: Viewer, query: exp.Query) -> Table:
    return viewer.read(query.sql("duckdb"), dialect="duckdb")
