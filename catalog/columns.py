"""Column search (``type=column``): the query is evaluated per column, not per dataset.

A column is a hit when the whole query is true for that column seen together with its dataset.
Which predicates look at the column and which at its dataset is a table (``SCOPE``):

- the column: free words (column name, original name, description, tags), ``column:``/``column=``,
  ``description:`` (the column's description), ``pii=true|false|KIND`` (the column's own PII kind);
- both: ``tag:``/``tag=`` (the column's tags and, inherited, its dataset's tags);
- the dataset: ``name:``/``name=``, ``owner:``, ``type=``, ``layer=``, ``quality=``, ``updated``.

So ``pii=email type=column`` lists email columns only, and ``-email type=column`` lists every column
except the email ones (of every dataset, also those that have an email column).

The index holds datasets, so candidates come from a *relaxed* query (``relax``): the same tree with
every part that the per-column check could turn from false to true removed (a NOT over a column
predicate, ``pii=false``). Whatever dataset holds a matching column matches the relaxed query.

Ranking of columns: the number of the query's free words the column matches, then tier 1 when a word is the whole column name, then columns whose name matched
before columns matched only by description or tag, then the dataset's relevance (with its
tie-breakers), then the column's position. (Free words never match dataset names here, so the
exact-dataset-name tier of dataset search does not exist for columns.)
"""

from __future__ import annotations

from dataclasses import dataclass

from catalog.match import (
    Column,
    Entry,
    filter_matches,
    free_words,
    matched_fields,
    positive_terms,
    term_matches_values,
)
from catalog.query import And, Filter, Most, Node, Not, Or, Term

#: (qualifier of a term, exact?) -> the column fields it matches; qualifiers not listed are dataset-level
COLUMN_TEXT_FIELDS: dict[str | None, tuple[str, ...]] = {
    None: ("columns", "column_text", "tags"),
    "column": ("columns",),
    "description": ("column_text",),
    "tag": ("tags",),
}
#: an unqualified prefix looks at names and tags, never descriptions (as in dataset search)
COLUMN_PREFIX_FIELDS = ("columns", "tags")
DATASET_FILTERS = frozenset({"type", "layer", "quality", "updated"})
INHERITED = frozenset({"tag"})  # a dataset's tags also count for each of its columns


def is_column_level(node: Node) -> bool:
    """True when ``node`` (or a part of it) is evaluated on the column."""
    if isinstance(node, Term):
        return node.field in COLUMN_TEXT_FIELDS
    if isinstance(node, Filter):
        return node.field not in DATASET_FILTERS
    if isinstance(node, Not):
        return is_column_level(node.child)
    return any(is_column_level(c) for c in node.children)


def relax(node: Node | None) -> Node | None:
    """A dataset-level query that every dataset with a matching column satisfies (``None``: all)."""
    if node is None:
        return None
    if isinstance(node, Not):
        return None if is_column_level(node.child) else node
    if isinstance(node, Filter) and node.field == "pii" and node.value == "false":
        return None  # a dataset with PII columns still has columns without
    if isinstance(node, Term | Filter):
        return node
    parts = [relax(c) for c in node.children]
    if isinstance(node, Or | Most):
        return None if any(p is None for p in parts) else type(node)(tuple(p for p in parts if p is not None))
    kept = tuple(p for p in parts if p is not None)
    return None if not kept else kept[0] if len(kept) == 1 else And(kept)


def _term_fields(term: Term) -> tuple[str, ...]:
    return (
        COLUMN_PREFIX_FIELDS
        if term.mode == "prefix" and term.field is None
        else COLUMN_TEXT_FIELDS[term.field]
    )


def term_matches_column(term: Term, entry: Entry, column: Column) -> bool:
    if term.field not in COLUMN_TEXT_FIELDS:
        return bool(matched_fields(term, entry))
    inherited = term.field in INHERITED
    if term.exact:
        values = column.values("columns") if term.field == "column" else column.values("tags")
        values = values + list(entry.tags) if inherited else values
        return term.text in {v.lower() for v in values}
    if inherited and term_matches_values(term, "tags", list(entry.tags)):
        return True
    return any(term_matches_values(term, f, column.values(f)) for f in _term_fields(term))


def holds(node: Node | None, entry: Entry, column: Column) -> bool:
    """Is ``node`` true for ``column`` of ``entry``?"""
    if node is None:
        return True
    if isinstance(node, Term):
        return term_matches_column(node, entry, column)
    if isinstance(node, Filter):
        if node.field != "pii":
            return filter_matches(node, entry)
        if node.value in ("true", "false"):
            return (column.pii is not None) == (node.value == "true")
        return column.pii == node.value
    if isinstance(node, Not):
        return not holds(node.child, entry, column)
    if isinstance(node, Or | Most):
        return any(holds(c, entry, column) for c in node.children)
    return all(holds(c, entry, column) for c in node.children)


@dataclass(frozen=True, slots=True)
class ColumnMatch:
    column: Column
    tier: int  # 1 exact column name, 0 relevance
    words: int  # how many of the query's free words hold for this column (ranked first)
    by_name: bool  # a positive column term matched the column's name (not only description or tags)
    reasons: tuple[str, ...]


def _column_tier(node: Node | None, column: Column) -> tuple[int, str]:
    own = {v.lower() for v in column.values("columns")}
    for t in positive_terms(node):
        if t.mode != "prefix" and t.field in (None, "column") and t.text in own:
            return 1, f"exact column name {t.text!r}"
    return 0, "relevance tier"


def find_columns(node: Node | None, entry: Entry) -> list[ColumnMatch]:
    """The columns of ``entry`` for which the query is true, with what ranks each."""
    terms = [t for t in positive_terms(node) if t.field in COLUMN_TEXT_FIELDS]
    out = []
    for column in entry.searchable_columns():
        if not holds(node, entry, column):
            continue
        level, why = _column_tier(node, column)
        reasons, by_name = [why], False
        for t in terms:
            fields = [f for f in _term_fields(t) if term_matches_values(t, f, column.values(f))]
            by_name = by_name or "columns" in fields
            if fields:
                reasons.append(f"{t} matched column {', '.join(fields)}")
        if column.pii:
            reasons.append(f"column PII: {column.pii}")
        words = sum(holds(w, entry, column) for w in free_words(node))
        out.append(ColumnMatch(column, level, words, by_name, tuple(reasons)))
    return out
