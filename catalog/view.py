"""What one principal may see of the catalog: the access view that ``search`` and ``show`` apply.

``CatalogView`` is the catalog's side of the access rules; ``catalog.access.visibility`` builds one
from the policy for a principal. It answers three questions per table:

- ``table(name)``: may the principal select from it at all (else it is reported like a missing one);
- ``model(name)``: may the principal use the ML model in ML functions (a model grant; a catalogued
  model the principal may not use is reported like a missing one, as a table is);
- ``column(name, col)``: ``raw``, ``masked`` or ``denied`` (denied columns are left out everywhere);
- ``full_rows(name)``: does the principal read every row (no row rule on the table, or the union of
  the rules that cover the principal is ``TRUE``)? Zero rows (rules exist, none covers the principal)
  is not full.

Statistics (row count, null fraction, distinct count, min, max, top values) are profiled once per
refresh on the raw table, for everyone. They are shown only to a principal who reads exactly what was
profiled: a masked column's statistics and every statistic of a table the principal reads through a
row filter (its row count included) are withheld, with a reason (``WITHHELD``) the renderer shows.
Why withhold instead of profiling per principal: a profile per principal would cost a table scan per
principal and table at every refresh (or one at every ``show``), and the platforms we copy profile
once too. A Dataplex (Knowledge Catalog) data profile scan runs as the Dataplex service account, which
is granted BigQuery Data Viewer on the scanned table, and its result belongs to the table, not to the
reader; Google's Sensitive Data Protection profiler asks for a ``TRUE`` row filter granted to its
service agent so that row-level security does not cut its scan short. Databricks Unity Catalog
refuses what would read past row filters and column masks (``ROW_LEVEL_SECURITY_COLUMN_MASK_FEATURE_
NOT_SUPPORTED`` for table history and time travel). So here a profile is the whole raw table's, shown
to those who may read the whole raw table, and withheld from everyone else. What names no value is
kept for every principal who may see the column or table: its type, PII kind and the dataset's
quality verdict (passing / warning / failing and the number of checks).

Free text (a change's detail, descriptions, dataset properties) is cleaned of denied column names:
an item of a comma-separated list that names one is dropped (``drop_items``), and the name itself is
replaced with ``HIDDEN`` in prose (``mask_names``). Names are matched case-insensitively between
non-alphanumeric characters, so ``first_name`` is found in ``first_name varchar`` and in
``not_null_customers_first_name`` alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any, Literal, Protocol

from catalog.model import ColumnStats

ColumnView = Literal["raw", "masked", "denied"]
HIDDEN = "(hidden column)"
#: why statistics are withheld, by cause (shown by ``catalog show`` and in ``--json``)
WITHHELD = {
    "masked": "withheld: profiled on raw values, and this principal reads the column masked",
    "rows": "withheld: profiled on every row, and row rules limit the rows this principal reads",
}


class CatalogView(Protocol):
    """A principal's view of the catalog (resolved once per search or show; cheap per call)."""

    def table(self, name: str) -> bool: ...

    def model(self, name: str) -> bool: ...

    def column(self, name: str, column: str) -> ColumnView: ...

    def full_rows(self, name: str) -> bool: ...


def may_see(view: CatalogView, name: str, kind: str | None) -> bool:
    """Is the catalogued ``name`` of ``kind`` (``model``, ``table``, ...; None: not catalogued) visible?"""
    return view.model(name) if kind == "model" else view.table(name)


def withheld_stats(cause: str) -> ColumnStats:
    return ColumnStats(withheld=WITHHELD[cause])


def column_stats(view: CatalogView, table: str, column: str, stats: ColumnStats) -> ColumnStats:
    """``stats`` when the principal reads the profiled values themselves, else withheld ones."""
    if not view.full_rows(table):
        return withheld_stats("rows")
    return withheld_stats("masked") if view.column(table, column) == "masked" else stats


@lru_cache(maxsize=1024)
def _pattern(names: tuple[str, ...]) -> re.Pattern[str] | None:
    if not names:
        return None
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<![^\W_])(?:{alternatives})(?![^\W_])", re.IGNORECASE)


class Redactor:
    """Removes the denied column names of one table from free text."""

    def __init__(self, denied: Iterable[str]) -> None:
        self.pattern = _pattern(tuple(sorted({d.lower() for d in denied})))

    def names(self, text: str) -> bool:
        """Does ``text`` name a denied column?"""
        return self.pattern is not None and self.pattern.search(text) is not None

    def mask_names(self, text: str) -> str:
        return text if self.pattern is None else self.pattern.sub(HIDDEN, text)

    def drop_items(self, text: str) -> str:
        """A comma-separated list without the items that name a denied column."""
        if not self.names(text):
            return text
        return ", ".join(item for item in text.split(", ") if not self.names(item))

    def value(self, value: Any) -> Any:
        """Strings masked, list items naming a denied column dropped, recursively (dataset properties)."""
        if isinstance(value, str):
            return self.mask_names(value)
        if isinstance(value, list | tuple):
            return [self.value(v) for v in value if not (isinstance(v, str) and self.names(v))]
        if isinstance(value, dict):
            return {k: self.value(v) for k, v in value.items() if not self.names(str(k))}
        return value


def redactor(view: CatalogView, table: str, columns: Iterable[str]) -> Redactor:
    return Redactor(c for c in columns if view.column(table, c) == "denied")
