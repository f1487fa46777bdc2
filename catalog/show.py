"""``show``: one dataset with its schema, statistics, PII flags, lineage, quality and schema history.

With ``visible`` (the access hook) a table the principal may not select is reported exactly like a
missing one, hidden columns are left out (only their number is given), and lineage neighbours the
principal may not see are dropped.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Callable

from sqlglot import exp

from catalog import store
from catalog.model import DatasetInfo, DatasetRecord, LineageEdge
from lakehouse.errors import NotFoundError, UsageError
from lakehouse.settings import Settings

Visible = Callable[[str, str | None], bool]
EXAMPLE_COLUMNS = 6


def example_query(record: DatasetRecord) -> str:
    if record.kind == "model":
        features = " ".join(
            str(record.properties.get("training_query") or "SELECT * FROM <features>").split()
        )
        return f"SELECT * FROM ML.PREDICT(MODEL {record.name}, ({features}))"
    columns = [c.name for c in record.columns if not c.name.startswith("_")][:EXAMPLE_COLUMNS]
    parts = record.name.split(".")
    table = exp.table_(
        parts[-1], db=parts[-2] if len(parts) > 1 else None, catalog=parts[-3] if len(parts) > 2 else None
    )
    select: list[exp.Expr] = [
        exp.column(c, quoted=not c.isidentifier() or not c.islower()) for c in columns
    ] or [exp.Star()]
    return exp.select(*select).from_(table).limit(10).sql("duckdb")


def _resolve(con: object, name: str, visible: Visible | None) -> str:
    found = [n for n in store.find_names(con, name) if visible is None or visible(n, None)]  # type: ignore[arg-type]
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise UsageError(f"{name!r} names several datasets: {', '.join(found)}", hint="give the full name")
    names = [r[0] for r in con.execute("SELECT name FROM datasets")]  # type: ignore[attr-defined]
    names = [n for n in names if visible is None or visible(n, None)]
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
    hint = (
        f"did you mean {', '.join(close)}?"
        if close
        else "search with `lakehouse catalog search`, or run `lakehouse catalog refresh`"
    )
    raise NotFoundError(f"no dataset {name!r} in the catalog", hint=hint)


def show(settings: Settings, name: str, *, visible: Visible | None = None) -> DatasetInfo:
    if not (settings.catalog_dir / store.STORE_FILE).exists():
        raise NotFoundError(
            f"no dataset {name!r}: the catalog is empty", hint="run `lakehouse catalog refresh`"
        )
    con = store.connect(settings.catalog_dir, readonly=True)
    try:
        with store.snapshot(con):
            full = _resolve(con, name, visible)
            record = store.load(con, full)
            assert record is not None
            up, down = store.edges(con, full, "upstream"), store.edges(con, full, "downstream")
            history = store.history(con, full)
    finally:
        con.close()
    hidden = 0
    if visible is not None:
        shown = tuple(c for c in record.columns if visible(full, c.name))
        hidden = len(record.columns) - len(shown)
        record = dataclasses.replace(record, columns=shown)
        names = {c.name for c in shown}
        history = [h for h in history if h.column is None or h.column in names]

        def keep(edge: LineageEdge, other: str) -> bool:
            return other.startswith("file:") or visible(other, None)

        up = [e for e in up if keep(e, e.upstream)]
        down = [e for e in down if keep(e, e.downstream)]
    return DatasetInfo(record, tuple(up), tuple(down), tuple(history), example_query(record), hidden)
