"""Decide in Python whether one catalog entry matches a parsed query, and why.

The index finds candidates fast; this module looks at a candidate as a given principal may see it
(``Entry.from_payload`` with a ``catalog.view.CatalogView``: denied columns removed, their names
masked in the descriptions left, the row count withheld unless the principal reads every row) and
answers: does it still match (so a hidden column can never make a table
show up), which columns match (shown with each hit), which ranking tier it is in, and which fields
matched (``--explain``). The rules mirror ``catalog.compile``: same tokens, same fuzzy distance.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from catalog.compile import FUZZY_FIELDS, FUZZY_MIN_LENGTH, PARTIAL_MIN_LENGTH, PREFIX_FIELDS, QUALIFIED
from catalog.index import dataset_names, tokenize
from catalog.model import LINEAGE_COLUMNS
from catalog.query import And, Filter, Most, Node, Not, Or, Term
from catalog.view import WITHHELD, CatalogView, Redactor
from catalog.words import with_words

ALL_FIELDS = ("name", "columns", "tags", "description", "column_text", "owner")


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: str
    pii: str | None
    description: str
    tags: tuple[str, ...]
    original_name: str | None

    def values(self, field: str) -> list[str]:
        if field == "columns":
            return list(_column_words(self.name, self.original_name))
        if field == "column_text":
            return [self.description] if self.description else []
        return list(self.tags) if field == "tags" else []


@lru_cache(maxsize=262_144)
def _column_words(name: str, original_name: str | None) -> tuple[str, ...]:
    """A column's name, original name and their spelled-out words (computed once per column, not per match)."""
    return tuple(with_words([name] + ([original_name] if original_name else [])))


@dataclass(frozen=True, slots=True)
class Entry:
    """One dataset as the principal sees it."""

    name: str
    kind: str
    layer: str
    description: str
    owner: str
    tags: tuple[str, ...]
    quality: str
    updated: dt.datetime | None
    rows: int | None
    columns: tuple[Column, ...]
    hidden_columns: int = 0
    withheld: str | None = None  # why ``rows`` is None for this principal
    also_named: tuple[str, ...] = ()  # names that find it though they are not datasets (``index.also_named``)

    @property
    def short_name(self) -> str:
        return self.name.rsplit(".", 1)[-1]

    @classmethod
    def from_payload(cls, data: dict[str, Any], view: CatalogView | None = None) -> Entry:
        columns = [Column(c[0], c[1], c[2], c[3], tuple(c[4]), c[5]) for c in data["columns"]]
        updated = dt.datetime.fromisoformat(data["updated"]) if data.get("updated") else None
        entry = cls(data["name"], data["kind"], data["layer"], data["description"], data["owner"], tuple(data["tags"]),
                    data["quality"], updated, data.get("rows"), tuple(columns),
                    also_named=tuple(data.get("also_named", ())))  # fmt: skip
        return entry if view is None else entry.restricted(view)

    def restricted(self, view: CatalogView) -> Entry:
        """This entry as the principal of ``view`` sees it (call ``view.table`` first)."""
        kinds = [view.column(self.name, c.name) for c in self.columns]
        denied = [c.name for c, kind in zip(self.columns, kinds, strict=True) if kind == "denied"]
        full = view.full_rows(self.name)
        if not denied and full:
            return self
        redact = Redactor(denied)
        shown = tuple(
            replace(c, description=redact.mask_names(c.description)) if denied and c.description else c
            for c, kind in zip(self.columns, kinds, strict=True)
            if kind != "denied"
        )
        return replace(self, description=redact.mask_names(self.description), columns=shown,
                       hidden_columns=len(denied), rows=self.rows if full else None,
                       withheld=None if full else WITHHELD["rows"])  # fmt: skip

    def searchable_columns(self) -> list[Column]:
        return [c for c in self.columns if c.name not in LINEAGE_COLUMNS]

    def facet_values(self) -> dict[str, list[str]]:
        """Facet -> the values this entry counts under, as the index's facet fields hold them
        (``catalog.index.FACETS``), but of what the principal sees: a denied column's PII kind is not here."""
        pii = sorted({c.pii for c in self.searchable_columns() if c.pii})
        return {"kind": [self.kind], "layer": [self.layer], "owner": [self.owner.lower()] if self.owner else [],
                "pii": ["true", *pii] if pii else ["false"], "quality": [self.quality]}  # fmt: skip

    def values(self, field: str) -> list[str]:
        table = {
            "name": dataset_names(self.name, self.short_name, self.also_named),
            "description": [self.description],
            "owner": [self.owner],
            "tags": list(self.tags),
        }
        own = table.get(field, [])
        return own + [v for c in self.searchable_columns() for v in c.values(field)]


def within_one_edit(a: str, b: str) -> bool:
    """Damerau-Levenshtein distance <= 1 (a swap of neighbours counts as one edit)."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    i = 0
    while i < min(la, lb) and a[i] == b[i]:
        i += 1
    if la == lb:
        swapped = i + 1 < la and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]
        return swapped or a[i + 1 :] == b[i + 1 :]
    return a[i + 1 :] == b[i:] if la > lb else a[i:] == b[i + 1 :]


def _in_sequence(needle: tuple[str, ...], tokens: tuple[str, ...], *, prefix: bool) -> bool:
    n = len(needle)
    for start in range(len(tokens) - n + 1):
        window = tokens[start : start + n]
        if window[:-1] == needle[:-1] and (
            window[-1].startswith(needle[-1]) if prefix else window[-1] == needle[-1]
        ):
            return True
    return False


def term_matches_values(term: Term, field: str, values: list[str]) -> bool:
    matcher = _matcher(term, field)
    return matcher is not None and any(matcher(value) for value in values)


@lru_cache(maxsize=4096)
def _matcher(term: Term, field: str) -> Callable[[str], bool] | None:
    """Whether one value of ``field`` holds ``term``, the term's rules decided once per query and field
    (the match is run for every column of every hit shown)."""
    needle = tokenize(term.text)
    if not needle:
        return None
    prefix = term.mode == "prefix"
    if len(needle) > 1 or prefix:
        return lambda value: _in_sequence(needle, tokenize(value), prefix=prefix)
    loose = term.mode == "word" and field in FUZZY_FIELDS
    word, size = needle[0], len(needle[0])
    fuzzy = loose and size >= FUZZY_MIN_LENGTH
    partial = loose and size >= PARTIAL_MIN_LENGTH

    def one_word(value: str) -> bool:
        tokens = tokenize(value)
        if word in tokens:
            return True
        for token in tokens if fuzzy or partial else ():
            if (partial and token.startswith(word)) or (
                fuzzy and abs(len(token) - size) <= 1 and within_one_edit(word, token)
            ):
                return True
        return False

    return one_word


def exact_values(entry: Entry, field: str) -> set[str]:
    if field == "name":
        return {entry.name.lower(), entry.short_name.lower()}
    if field == "column":
        return {v.lower() for c in entry.searchable_columns() for v in c.values("columns")}
    if field == "tag":
        return {t.lower() for t in entry.values("tags")}
    return {entry.owner.lower()}


def matched_fields(term: Term, entry: Entry) -> list[str]:
    """The fields of ``entry`` that ``term`` matches."""
    if term.exact:
        field = term.field or "name"
        return [field] if term.text in exact_values(entry, field) else []
    fields = QUALIFIED[term.field] if term.field else PREFIX_FIELDS if term.mode == "prefix" else ALL_FIELDS
    hits = [f for f in fields if term_matches_values(term, f, entry.values(f))]
    whole_name = term.mode == "prefix" and term.field in (None, "name")
    if not hits and whole_name and any(v.startswith(term.text) for v in exact_values(entry, "name")):
        hits.append("name")
    return hits


def filter_matches(flt: Filter, entry: Entry) -> bool:
    if flt.field == "type":
        return entry.kind == flt.value
    if flt.field == "layer":
        return entry.layer == flt.value
    if flt.field == "quality":
        return entry.quality == flt.value
    if flt.field == "pii":
        kinds = {c.pii for c in entry.searchable_columns() if c.pii}
        if flt.value in ("true", "false"):
            return bool(kinds) == (flt.value == "true")
        return flt.value in kinds
    assert isinstance(flt.value, dt.datetime)
    if entry.updated is None:
        return False
    when, ref = entry.updated, flt.value
    checks = {
        ">": when > ref,
        ">=": when >= ref,
        "<": when < ref,
        "<=": when <= ref,
        "=": when.date() == ref.date(),
    }
    return checks[flt.op]


def evaluate(node: Node | None, entry: Entry) -> bool:
    if node is None:
        return True
    if isinstance(node, Term):
        return bool(matched_fields(node, entry))
    if isinstance(node, Filter):
        return filter_matches(node, entry)
    if isinstance(node, Not):
        return not evaluate(node.child, entry)
    if isinstance(node, Or | Most):
        return any(evaluate(c, entry) for c in node.children)
    assert isinstance(node, And)
    return all(evaluate(c, entry) for c in node.children)


def positive_terms(node: Node | None) -> Iterator[Term]:
    """Terms that can make an entry match (not under a NOT)."""
    if isinstance(node, Term):
        yield node
    elif isinstance(node, And | Or | Most):
        for child in node.children:
            yield from positive_terms(child)


def free_words(node: Node | None) -> tuple[Node, ...]:
    """The words of the query's ``Most`` (at the top or in the top-level AND), or none."""
    if isinstance(node, Most):
        return node.children
    if isinstance(node, And):
        return next((c.children for c in node.children if isinstance(c, Most)), ())
    return ()


def coverage(node: Node | None, entry: Entry) -> int:
    """How many of the query's free words ``entry`` matches (the first ranking key)."""
    return sum(evaluate(w, entry) for w in free_words(node))


def tier(node: Node | None, entry: Entry) -> tuple[int, str]:
    """2: a word is the whole dataset name; 1: a word is a whole column name; 0: relevance only."""
    terms = [t for t in positive_terms(node) if t.mode != "prefix"]
    names = exact_values(entry, "name")
    for t in terms:
        if t.field in (None, "name") and t.text in names:
            return 2, f"exact name {t.text!r}"
    columns = exact_values(entry, "column")
    for t in terms:
        if t.field in (None, "column") and t.text in columns:
            return 1, f"exact column name {t.text!r}"
    return 0, ""


#: qualifier -> the column fields it can match
COLUMN_FIELDS: dict[str | None, tuple[str, ...]] = {
    None: ("columns", "column_text", "tags"),
    "column": ("columns",),
    "description": ("column_text",),
    "tag": ("tags",),
}


def matching_columns(node: Node | None, entry: Entry) -> list[Column]:
    """Columns that a positive text term matches by name, original name, description or tag."""
    terms = [t for t in positive_terms(node) if t.field in COLUMN_FIELDS]
    if not terms:
        return []
    out = []
    for column in entry.searchable_columns():
        for t in terms:
            if t.exact:
                hit = t.field == "column" and t.text in {v.lower() for v in column.values("columns")}
            else:
                fields = PREFIX_FIELDS if t.mode == "prefix" and t.field is None else COLUMN_FIELDS[t.field]
                hit = any(term_matches_values(t, f, column.values(f)) for f in fields)
            if hit:
                out.append(column)
                break
    return out
