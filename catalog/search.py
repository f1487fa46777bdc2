"""Search the catalog: parse, retrieve candidates from the index, re-check, rank in tiers, explain.

Ranking, in order: (1) a query word is the whole dataset name, (2) a query word is the whole name of
one of its columns, (3) field-boosted BM25 relevance (``catalog.compile.BOOSTS``). Within a tier,
quality and freshness add a tie-breaker of at most ``TIE_BREAK_CAP`` (10 %) of the relevance, so they
reorder close hits but never move a hit across a tier. Exact-tier candidates are fetched with their
own small queries so a long tail of relevance hits can never push them out of the candidate pool.

With ``visible`` (the access hook), every candidate is re-checked as the principal sees it: hidden
tables are dropped, hidden columns are removed before matching, and facet counts come from the
re-checked candidates only, so nothing about a hidden table or column leaks through counts.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import tantivy

from catalog.compile import compile_node, exact_query, with_clause
from catalog.index import open_index
from catalog.match import Entry, evaluate, matched_fields, matching_columns, positive_terms, tier
from catalog.query import And, Filter, Node, parse

Visible = Callable[[str, str | None], bool]
TIE_BREAK_CAP = 0.10
QUALITY_WEIGHT = {"passing": 1.0, "warning": 0.5, "unknown": 0.3, "failing": 0.0}
FRESHNESS_DAYS = 30.0
MAX_POOL = 20_000
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


def _tie_break(entry: Entry, now: datetime) -> tuple[float, str]:
    quality = QUALITY_WEIGHT.get(entry.quality, 0.3)
    age_days = max((now - entry.updated).total_seconds() / 86_400, 0.0) if entry.updated else math.inf
    fresh = math.exp(-age_days / FRESHNESS_DAYS)
    bonus = TIE_BREAK_CAP * (0.5 * quality + 0.5 * fresh)
    return bonus, f"tie-breaker +{bonus:.1%} (quality {entry.quality}, freshness {fresh:.2f})"


def _explain(root: Node | None, entry: Entry, tier_reason: str, relevance: float, bonus_text: str) -> tuple[str, ...]:
    lines = [tier_reason or "relevance tier"]
    for term in positive_terms(root):
        hit = matched_fields(term, entry)
        if hit:
            lines.append(f"{term} matched {', '.join(hit)}")
    lines.append(f"relevance {relevance:.3f} (BM25, boosts name 10 > columns/tags 3 > description 1)")
    lines.append(bonus_text)
    return tuple(lines)


def _candidates(
    searcher: tantivy.Searcher, root: Node | None, main: tantivy.Query, pool: int
) -> tuple[dict[tuple[int, int], tuple[float, tantivy.DocAddress]], int]:
    result = searcher.search(main, pool, count=True)
    scores = {(a.segment_ord, a.doc): (score, a) for score, a in result.hits}
    terms = [t for t in positive_terms(root) if t.mode != "prefix"]
    for field_name, qualifiers in (("name_exact", (None, "name")), ("column_exact", (None, "column"))):
        texts = sorted({t.text for t in terms if t.field in qualifiers})
        if texts:
            exact = searcher.search(with_clause(main, exact_query(field_name, texts)), pool, count=False)
            scores.update({(a.segment_ord, a.doc): (score, a) for score, a in exact.hits})
    return scores, int(result.count or 0)


def _facets(searcher: tantivy.Searcher, main: tantivy.Query) -> dict[str, dict[str, int]]:
    spec = {name: {"terms": {"field": name, "size": 20}} for name in ("kind", "layer")}
    raw = searcher.aggregate(main, spec)
    return {name: {b["key"]: int(b["doc_count"]) for b in raw[name]["buckets"]} for name in spec}


def search(catalog_dir: Path, text: str, *, limit: int = 10, explain: bool = False, visible: Visible | None = None) -> SearchResult:
    started = time.perf_counter()
    query = parse(text)
    root, column_mode = _split_column_mode(query.root)
    index = _index(catalog_dir)
    if index is None:
        warnings = (*query.warnings, "the catalog is empty: run `lakehouse catalog refresh`")
        return SearchResult(text, str(query), (), 0, True, {}, warnings, time.perf_counter() - started)
    searcher = index.searcher()
    main = compile_node(root)
    now = datetime.now(UTC)
    pool = max(limit * 2 + 20, 50) if visible is None else max(limit * 10, 200)
    while True:
        scores, total = _candidates(searcher, root, main, pool)
        ranked = []
        for score, addr in scores.values():
            entry = Entry.from_payload(json.loads(searcher.doc(addr)["payload"][0]), visible)
            if visible is not None and not (visible(entry.name, None) and evaluate(root, entry)):
                continue
            level, reason = tier(root, entry)
            bonus, bonus_text = _tie_break(entry, now)
            ranked.append(((level, score * (1 + bonus)), entry, reason, score, bonus_text))
        if visible is None or len(ranked) >= limit or pool >= min(total, MAX_POOL):
            break
        pool *= 4
    ranked.sort(key=lambda r: (-r[0][0], -r[0][1], r[1].name))
    hits: list[SearchHit] = []
    for (level, final), entry, reason, relevance, bonus_text in ranked:
        why = _explain(root, entry, reason, relevance, bonus_text) if explain else ()
        columns = tuple(ColumnHit(c.name, c.type, c.pii, c.description) for c in matching_columns(root, entry))
        base = dict(name=entry.name, layer=entry.layer, description=entry.description, owner=entry.owner,
                    tags=entry.tags, quality=entry.quality, updated=entry.updated, rows=entry.rows,
                    score=round(final, 4), tier=level, explanation=why)  # fmt: skip
        if not column_mode:
            hits.append(SearchHit(kind=entry.kind, matching_columns=columns, **base))  # type: ignore[arg-type]
            continue
        listed = columns or tuple(ColumnHit(c.name, c.type, c.pii, c.description) for c in entry.searchable_columns())
        for col in listed:
            hits.append(SearchHit(kind="column", matching_columns=(col,), column=col.name, **base))  # type: ignore[arg-type]
    if visible is None and not column_mode:
        facets, exact = _facets(searcher, main), True
    else:
        facets, exact = _pool_facets(ranked), len(scores) >= total
        total = len(hits) if column_mode else len(ranked)
    return SearchResult(text, str(query), tuple(hits[:limit]), total, exact, facets, query.warnings,
                        time.perf_counter() - started)  # fmt: skip


def _pool_facets(ranked: list[Any]) -> dict[str, dict[str, int]]:
    facets: dict[str, dict[str, int]] = {"kind": {}, "layer": {}}
    for _, entry, *_ in ranked:
        facets["kind"][entry.kind] = facets["kind"].get(entry.kind, 0) + 1
        facets["layer"][entry.layer] = facets["layer"].get(entry.layer, 0) + 1
    return facets
