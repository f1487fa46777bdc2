"""``show``: one dataset with its schema, statistics, PII flags, lineage, quality and schema history.

With ``view`` (a principal's ``catalog.view.CatalogView``) a table the principal may not select is
reported exactly like a missing one; denied columns are left out (only their number is given), and so
are schema changes about them, the items of a change's detail that name them and their names in
descriptions and properties; statistics the principal may not read are withheld (``catalog.view``
says which and why); lineage neighbours the principal may not see are dropped.

Every read is an indexed lookup of the one dataset (``catalog.store``: its name in any case or the end
of it after a dot, its columns, its lineage edges, its history), so ``show`` costs the same in a catalog
of a hundred datasets or of a hundred thousand; "did you mean" for a missing name looks only among the
names that start like it (``NEAR_PREFIX``).

A model's kept versions are not datasets of their own (``catalog.sources.ml``): the name of one
(``ml.churn__v2``) shows its model when the model lists it, as the principal may see the model.
"""

from __future__ import annotations

import dataclasses
import difflib
import sqlite3
from collections.abc import Mapping

from sqlglot import exp

from catalog import store
from catalog.model import ColumnRecord, DatasetInfo, DatasetRecord, SchemaChange
from catalog.view import WITHHELD, CatalogView, Redactor, column_stats, may_see, redactor
from lakehouse.contracts import kept_version
from lakehouse.errors import NotFoundError, UsageError
from lakehouse.settings import Settings

EXAMPLE_COLUMNS = 6
#: "did you mean" looks among datasets whose short name starts with the same ``NEAR_PREFIX`` letters (an
#: index range, at most ``NEAR`` of them): the lookup of a missing name costs the same in any catalog size
NEAR_PREFIX = 2
NEAR = 2_000
SUGGESTED = 3  # names a "did you mean" offers


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


def _visible(con: sqlite3.Connection, name: str, view: CatalogView | None) -> list[str]:
    found = store.find_names(con, name)
    if view is not None:
        kinds = store.kinds(con, found)
        found = [n for n in found if may_see(view, n, kinds.get(n))]
    return found


def _model_of_version(con: sqlite3.Connection, name: str, view: CatalogView | None) -> list[str]:
    """The model (as a one-item list) that lists ``name`` as one of its kept versions, if the principal
    may see it; [] when ``name`` is no kept version."""
    kept = kept_version(name)
    if kept is None:
        return []
    models = _visible(con, kept[0], view)
    if len(models) != 1:
        return []
    record = store.load(con, models[0])
    stored = {v.stored_as.lower().rsplit(".", 1)[-1] for v in record.versions} if record else set()
    return models if name.lower().rsplit(".", 1)[-1] in stored else []


def _resolve(con: sqlite3.Connection, name: str, view: CatalogView | None) -> str:
    found = _visible(con, name, view) or _model_of_version(con, name, view)
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise UsageError(f"{name!r} names several datasets: {', '.join(found)}", hint="give the full name")
    raise NotFoundError(f"no dataset {name!r} in the catalog", hint=_near(con, name, view))


def _near(con: sqlite3.Connection, name: str, view: CatalogView | None) -> str:
    """The hint for a missing ``name``: up to ``SUGGESTED`` names close to it that the principal may see."""
    names = store.names_starting(con, name.rsplit(".", 1)[-1][:NEAR_PREFIX], NEAR)
    if view is not None:
        kinds = store.kinds(con, names)
        names = [n for n in names if may_see(view, n, kinds.get(n))]
    close = difflib.get_close_matches(name, names, n=SUGGESTED, cutoff=0.6)
    return (
        f"did you mean {', '.join(close)}?"
        if close
        else "search with `lakehouse catalog search`, or run `lakehouse catalog refresh`"
    )


def show(settings: Settings, name: str, *, view: CatalogView | None = None) -> DatasetInfo:
    if not (settings.catalog_dir / store.STORE_FILE).exists():
        raise NotFoundError(
            f"no dataset {name!r}: the catalog is empty", hint="run `lakehouse catalog refresh`"
        )
    con = store.connect(settings.catalog_dir, readonly=True)
    try:
        with store.snapshot(con):
            full = _resolve(con, name, view)
            record = store.load(con, full)
            assert record is not None
            up, down = store.edges(con, full, "upstream"), store.edges(con, full, "downstream")
            history = store.history(con, full)
            kinds = store.kinds(con, [e.upstream for e in up] + [e.downstream for e in down])
    finally:
        con.close()
    info = DatasetInfo(record, tuple(up), tuple(down), tuple(history), example_query(record))
    return info if view is None else restrict(info, view, kinds)


def restrict(info: DatasetInfo, view: CatalogView, kinds: Mapping[str, str]) -> DatasetInfo:
    """``info`` as the principal sees it (see the module docstring); ``kinds`` has the neighbours' kinds."""
    record = info.dataset
    redact = redactor(view, record.name, [c.name for c in record.columns])
    shown = tuple(
        _column(view, record.name, c, redact)
        for c in record.columns
        if view.column(record.name, c.name) != "denied"
    )
    full = view.full_rows(record.name)
    record = dataclasses.replace(
        record,
        description=redact.mask_names(record.description),
        columns=shown,
        row_count=record.row_count if full else None,
        properties=redact.value(record.properties),
    )
    names = {c.name for c in shown}
    changes = (_change(h, redact) for h in info.schema_history if h.column is None or h.column in names)
    history = tuple(h for h in changes if h is not None)

    def keep(other: str) -> bool:
        return other.startswith("file:") or may_see(view, other, kinds.get(other))

    return DatasetInfo(
        record,
        tuple(e for e in info.upstream if keep(e.upstream)),
        tuple(e for e in info.downstream if keep(e.downstream)),
        history,
        example_query(record),
        len(info.dataset.columns) - len(shown),
        None if full else WITHHELD["rows"],
    )


def _column(view: CatalogView, table: str, column: ColumnRecord, redact: Redactor) -> ColumnRecord:
    return dataclasses.replace(
        column,
        description=redact.mask_names(column.description),
        stats=column_stats(view, table, column.name, column.stats),
    )


def _change(change: SchemaChange, redact: Redactor) -> SchemaChange | None:
    """The change without the items of its detail that name a denied column (None: it was all about them)."""
    detail = redact.drop_items(change.detail)
    if change.detail and not detail:
        return None
    return dataclasses.replace(change, detail=detail)
