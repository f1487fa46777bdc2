"""Search the catalog: parse, retrieve candidates from the index, re-check, rank in tiers, explain.

Free words (``catalog.query.Most``): a dataset matching any of them is a hit, and hits matching more
of them rank first, so a search never finds nothing when one of its words matches. Then, in order:
(1) a query word is the whole dataset name, (2) a query word is the whole name of one of its
columns, (3) field-boosted BM25 relevance (``catalog.compile.BOOSTS``). Within a tier, quality and
freshness add a capped tie-breaker that never moves a hit across a tier (``catalog.rank``). A search
that finds nothing carries a "did you mean" query (``catalog.suggest``).

With ``view`` (a principal's ``catalog.view.CatalogView``, resolved once per search), every
candidate is re-checked as the principal sees it (``Entry.restricted``): tables the principal may
not select are dropped, denied columns are removed and their names masked in descriptions before
matching, and facet counts come from the re-checked candidates only, so nothing about a hidden table
or column leaks through hits, counts or ``--explain``. The index holds names, descriptions, tags and
PII kinds, never statistics or values, so a value only a withheld statistic holds cannot match. A
hit's row count is withheld (``rows`` None, ``withheld`` says why) unless the principal reads every
row of the table.

Datasets updated since the index last caught up (``catalog.pending``) are overlaid: their stale
index documents are excluded from every index query and their pending documents are matched and
scored by ``catalog.overlay`` exactly as tantivy scores indexed ones, then ranked with them.

Facets count the matches by type (``kind``), layer, owner, PII (``true``/``false`` and each kind) and
quality: without a view in one aggregation over the index's fast fields (``catalog.rank.facets``), as
a principal from the re-checked candidates. ``type=column`` returns columns: the query is evaluated
per column (``catalog.columns``), and totals and facets (those of the column's dataset, and the
column's own ``pii``) count columns.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import tantivy

from catalog import overlay, pending, rank, suggest
from catalog.columns import ColumnMatch, find_columns, relax
from catalog.index import FACETS, QUALITY_WEIGHT, open_index
from catalog.match import (
    Column,
    Entry,
    coverage,
    evaluate,
    free_words,
    matched_fields,
    matching_columns,
    positive_terms,
    tier,
)
from catalog.query import And, Filter, Node, Query, parse
from catalog.view import CatalogView, may_see

log = logging.getLogger(__name__)
MAX_POOL = 20_000
COLUMN_SCAN = 5_000  # candidate datasets re-checked column by column in a type=column search
RETRIES = 3
#: facet -> the filter of the query language that narrows a search to one of its values
FACET_FILTERS = {"kind": "type", "layer": "layer", "owner": "owner", "pii": "pii", "quality": "quality"}
_INDEXES: dict[Path, tantivy.Index] = {}


@dataclass(frozen=True, slots=True)
class ColumnHit:
    name: str
    type: str
    pii: str | None
    description: str


@dataclass(frozen=True, slots=True)
class SearchHit:
    name: str
    kind: str  # table, view, model, image; "column" for type=column results
    layer: str
    description: str
    owner: str
    tags: tuple[str, ...]
    quality: str
    updated: datetime | None
    rows: int | None
    score: float
    tier: int
    matching_columns: tuple[ColumnHit, ...] = ()
    column: str | None = None  # the column, for type=column results
    explanation: tuple[str, ...] = ()
    withheld: str | None = None  # why ``rows`` is None for this principal (``catalog.view``)


@dataclass(frozen=True, slots=True)
class SearchResult:
    query: str
    parsed: str
    hits: tuple[SearchHit, ...]
    total: int  # matches in all (a lower bound when ``total_exact`` is false)
    total_exact: bool
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    seconds: float = 0.0
    suggestion: str | None = None  # "did you mean": a query with close words the catalog has (no hits only)


def _index(catalog_dir: Path) -> tantivy.Index | None:
    index = _INDEXES.get(catalog_dir)
    if index is None:
        index = open_index(catalog_dir)
        if index is None:
            return None
        _INDEXES[catalog_dir] = index
    index.reload()
    return index


def _split_column_mode(root: Node | None) -> tuple[Node | None, bool]:
    """``type=column`` at the top level asks for columns instead of datasets."""
    column = Filter("type", "=", "column")
    if root == column:
        return None, True
    if isinstance(root, And) and column in root.children:
        rest = tuple(c for c in root.children if c != column)
        return (rest[0] if len(rest) == 1 else And(rest)) if rest else None, True
    return root, False


def _bonus_text(entry: Entry, bonus: float) -> str:
    return (
        f"tie-breaker +{bonus:.1%} (quality {entry.quality}, updated {entry.updated:%Y-%m-%d})"
        if entry.updated
        else (f"tie-breaker +{bonus:.1%} (quality {entry.quality}, never updated)")
    )


def _explain(
    root: Node | None, entry: Entry, tier_reason: str, relevance: float, bonus_text: str
) -> tuple[str, ...]:
    lines = [tier_reason or "relevance tier"]
    words = free_words(root)
    if words:
        lines.append(f"matched {coverage(root, entry)} of {len(words)} words")
    for term in positive_terms(root):
        hit = matched_fields(term, entry)
        if hit:
            lines.append(f"{term} matched {', '.join(hit)}")
    lines.append(f"relevance {relevance:.3f} (BM25, boosts name 10 > columns/tags 3 > description 1)")
    lines.append(bonus_text)
    return tuple(lines)


def _payload(searcher: tantivy.Searcher, ref: rank.Ref) -> dict[str, Any]:
    return ref if isinstance(ref, dict) else json.loads(searcher.doc(ref)["payload"][0])


def _entry(searcher: tantivy.Searcher, ref: rank.Ref, view: CatalogView | None) -> Entry | None:
    """The candidate as the principal sees it; None when the principal may not select from it."""
    data = _payload(searcher, ref)
    if view is not None and not may_see(view, data["name"], data["kind"]):
        return None
    return Entry.from_payload(data, view)


def _hits(
    root: Node | None, chosen: list[tuple[int, float, Entry]], explain: bool, now: datetime
) -> list[SearchHit]:
    hits: list[SearchHit] = []
    for level, final, entry in chosen:
        why: tuple[str, ...] = ()
        if explain:
            bonus = _entry_bonus(entry, now)
            why = _explain(root, entry, tier(root, entry)[1], final / (1 + bonus), _bonus_text(entry, bonus))
        columns = tuple(_column_hit(c) for c in matching_columns(root, entry))
        hits.append(SearchHit(kind=entry.kind, matching_columns=columns, score=round(final, 4), tier=level,
                              explanation=why, **_dataset_fields(entry)))  # fmt: skip
    return hits


def _entry_bonus(entry: Entry, now: datetime) -> float:
    updated = int(entry.updated.timestamp()) if entry.updated else 0
    return rank.bonus(QUALITY_WEIGHT.get(entry.quality, 0.3), updated, now.timestamp())


def _column_hit(c: Column) -> ColumnHit:
    return ColumnHit(c.name, c.type, c.pii, c.description)


def _dataset_fields(entry: Entry) -> dict[str, Any]:
    return dict(name=entry.name, layer=entry.layer, description=entry.description, owner=entry.owner,
                tags=entry.tags, quality=entry.quality, updated=entry.updated, rows=entry.rows,
                withheld=entry.withheld)  # fmt: skip


def search(
    catalog_dir: Path, text: str, *, limit: int = 10, explain: bool = False, view: CatalogView | None = None
) -> SearchResult:
    """Search the index in ``catalog_dir``; see the module docstring for ranking and access.

    Another process may commit (and garbage-collect the files of an older commit) at any moment; a
    search that lost that race is retried on the newest commit.
    """
    started = time.perf_counter()
    query = parse(text)
    for attempt in range(RETRIES):
        try:
            return _search(catalog_dir, text, query, started, limit, explain, view)
        except (ValueError, OSError) as exc:
            _INDEXES.pop(catalog_dir, None)
            if attempt == RETRIES - 1:
                raise
            log.info("search retried after a concurrent commit: %s", exc)
    raise AssertionError("unreachable")


def _search(
    catalog_dir: Path,
    text: str,
    query: Query,
    started: float,
    limit: int,
    explain: bool,
    view: CatalogView | None,
) -> SearchResult:
    root, column_mode = _split_column_mode(query.searched)
    parsed = "ALL" if query.searched is None else str(query.searched)
    changes = pending.snapshot(catalog_dir)  # before the index: a fold landing in between is seen twice
    index = _index(catalog_dir)
    if index is None:
        older = any(catalog_dir.glob("search-v*"))  # an index of an earlier INDEX_VERSION
        why = "its search index is from an older version" if older else "the catalog is empty"
        warnings = (*query.warnings, f"{why}: run `lakehouse catalog refresh`")
        return SearchResult(text, parsed, (), 0, True, {}, warnings, time.perf_counter() - started)
    searcher = index.searcher()
    now = datetime.now(UTC)
    extra = overlay.Overlay(searcher, changes)
    if column_mode:
        hits, total, exact, facets = _column_search(searcher, extra, root, limit, explain, view, now)
    elif view is None:
        hits, total, exact, facets = _open_search(searcher, extra, root, limit, explain, now)
    else:
        hits, total, exact, facets = _viewed_search(searcher, extra, root, limit, explain, view, now)
    hint = suggest.suggest(searcher, root, text, view) if total == 0 else None
    return SearchResult(text, parsed, hits, total, exact, facets, query.warnings,
                        time.perf_counter() - started, hint)  # fmt: skip


Found = tuple[tuple[SearchHit, ...], int, bool, dict[str, dict[str, int]]]


def _open_search(
    searcher: tantivy.Searcher,
    extra: overlay.Overlay,
    root: Node | None,
    limit: int,
    explain: bool,
    now: datetime,
) -> Found:
    """Dataset search without access rules: the index's order is final."""
    main = extra.query(root)
    pool = rank.candidates(searcher, root, main, limit * 2 + 10, extra.matches(root))
    ranked = rank.rank(searcher, pool, now.timestamp())[:limit]
    chosen = [(level, final, Entry.from_payload(_payload(searcher, ref))) for _, level, final, ref in ranked]
    facets = extra.facets(rank.facets(searcher, main), root)
    return tuple(_hits(root, chosen, explain, now)), pool.total, True, facets


def _viewed_search(
    searcher: tantivy.Searcher,
    extra: overlay.Overlay,
    root: Node | None,
    limit: int,
    explain: bool,
    view: CatalogView,
    now: datetime,
) -> Found:
    """Dataset search as a principal: every candidate re-checked (and re-ranked) as the principal sees it."""
    main = extra.query(root)
    size = max(limit * 10, 200)
    matches = extra.matches(root)
    while True:  # re-check candidates as the principal sees them; widen the pool until enough survive
        pool = rank.candidates(searcher, root, main, size, matches)
        checked = []
        for _words, _level, final, ref in rank.rank(searcher, pool, now.timestamp()):
            entry = _entry(searcher, ref, view)
            if entry is not None and evaluate(root, entry):
                checked.append((coverage(root, entry), tier(root, entry)[0], final, entry))
        if len(checked) >= limit or size >= min(pool.total, MAX_POOL):
            break
        size *= 4
    checked.sort(key=lambda r: (-r[0], -r[1], -r[2], len(r[3].short_name)))
    facets = count_facets(e.facet_values() for _, _, _, e in checked)
    chosen = [(level, final, entry) for _, level, final, entry in checked[:limit]]
    return tuple(_hits(root, chosen, explain, now)), len(checked), pool.exact, facets


def _column_search(
    searcher: tantivy.Searcher,
    extra: overlay.Overlay,
    root: Node | None,
    limit: int,
    explain: bool,
    view: CatalogView | None,
    now: datetime,
) -> tuple[tuple[SearchHit, ...], int, bool, dict[str, dict[str, int]]]:
    """Columns for which the query holds (``catalog.columns``), ranked; totals and facets count columns.

    Every candidate dataset up to ``COLUMN_SCAN`` is re-checked column by column, so totals and facets
    are exact unless more datasets than that match the relaxed query (then they are lower bounds).
    """
    relaxed = relax(root)
    pool = rank.candidates(searcher, root, extra.query(relaxed), COLUMN_SCAN, extra.matches(relaxed))
    found: list[tuple[tuple[Any, ...], ColumnMatch, float, Entry]] = []
    for _words, _level, final, ref in rank.rank(searcher, pool, now.timestamp()):
        entry = _entry(searcher, ref, view)
        if entry is None:
            continue
        for position, match in enumerate(find_columns(root, entry)):
            key = (
                -match.words,
                -match.tier,
                not match.by_name,
                -final,
                len(entry.short_name),
                entry.name,
                position,
            )
            found.append((key, match, final, entry))
    found.sort(key=lambda r: r[0])
    hits = []
    for _, match, final, entry in found[:limit]:
        why: tuple[str, ...] = ()
        if explain:
            bonus = _entry_bonus(entry, now)
            relevance = f"dataset relevance {final / (1 + bonus):.3f} (BM25 of {entry.name})"
            why = (*match.reasons, relevance, _bonus_text(entry, bonus))
        hits.append(SearchHit(kind="column", matching_columns=(_column_hit(match.column),), column=match.column.name,
                              score=round(final, 4), tier=match.tier, explanation=why, **_dataset_fields(entry)))  # fmt: skip
    facets = count_facets({**e.facet_values(), "pii": [m.column.pii or "false"]} for _, m, _, e in found)
    return tuple(hits), len(found), pool.exact, facets


def count_facets(rows: Iterable[dict[str, list[str]]]) -> dict[str, dict[str, int]]:
    """Facet counts from re-checked hits (``Entry.facet_values``: what the principal sees of each)."""
    facets: dict[str, dict[str, int]] = {name: {} for name in FACETS}
    for row in rows:
        for name, values in row.items():
            for value in values:
                facets[name][value] = facets[name].get(value, 0) + 1
    return facets
