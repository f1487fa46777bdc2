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
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import tantivy

from catalog.compile import compile_node, exact_query, with_clause
from catalog.index import QUALITY_WEIGHT, open_index
from catalog.match import Entry, evaluate, matched_fields, matching_columns, positive_terms, tier
from catalog.query import And, Filter, Node, Query, parse

log = logging.getLogger(__name__)
Visible = Callable[[str, str | None], bool]
TIE_BREAK_CAP = 0.10
FRESHNESS_DAYS = 30.0
MAX_POOL = 20_000
RETRIES = 3
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


def _bonus(quality: float, updated: int, now: float) -> float:
    """The capped tie-breaker: quality weight and freshness (exponential decay over ``FRESHNESS_DAYS``)."""
    fresh = math.exp(-max(now - updated, 0) / 86_400 / FRESHNESS_DAYS) if updated else 0.0
    return TIE_BREAK_CAP * (0.5 * quality + 0.5 * fresh)


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
    for term in positive_terms(root):
        hit = matched_fields(term, entry)
        if hit:
            lines.append(f"{term} matched {', '.join(hit)}")
    lines.append(f"relevance {relevance:.3f} (BM25, boosts name 10 > columns/tags 3 > description 1)")
    lines.append(bonus_text)
    return tuple(lines)


Key = tuple[int, int]


@dataclass
class _Pool:
    scores: dict[Key, tuple[float, tantivy.DocAddress]]
    tiers: dict[Key, int]
    total: int


def _key(addr: tantivy.DocAddress) -> Key:
    return (addr.segment_ord, addr.doc)


def _candidates(searcher: tantivy.Searcher, root: Node | None, main: tantivy.Query, pool: int) -> _Pool:
    """Top relevance hits plus every exact-tier hit (own small queries, scored like the main query)."""
    result = searcher.search(main, pool, count=True)
    scores = {_key(a): (score, a) for score, a in result.hits}
    tiers: dict[Key, int] = {}
    terms = [t for t in positive_terms(root) if t.mode != "prefix"]
    for level, field_name, qualifiers in (
        (1, "column_exact", (None, "column")),
        (2, "name_exact", (None, "name")),
    ):
        texts = sorted({t.text for t in terms if t.field in qualifiers})
        if texts:
            exact = searcher.search(with_clause(main, exact_query(field_name, texts)), pool, count=False)
            for score, a in exact.hits:
                scores[_key(a)] = (score, a)
                tiers[_key(a)] = level
    return _Pool(scores, tiers, int(getattr(result, "count", 0) or 0))


def _rank(searcher: tantivy.Searcher, pool: _Pool, now: float) -> list[tuple[int, float, tantivy.DocAddress]]:
    """(tier, final score, address), best first, from fast fields only (no stored documents read)."""
    keys = list(pool.scores)
    addrs = [pool.scores[k][1] for k in keys]
    quality = searcher.fast_field_values("quality_weight", addrs)
    updated = searcher.fast_field_values("updated", addrs)
    lengths = searcher.fast_field_values("name_length", addrs)
    ranked = []
    for k, q, u, n in zip(keys, quality, updated, lengths, strict=True):
        score, addr = pool.scores[k]
        ranked.append(
            (
                pool.tiers.get(k, 0),
                round(score * (1 + _bonus(float(q or 0.0), int(u or 0), now)), 4),
                n or 0,
                addr,
            )
        )
    ranked.sort(key=lambda r: (-r[0], -r[1], r[2]))
    return [(level, final, addr) for level, final, _, addr in ranked]


def _facets(searcher: tantivy.Searcher, main: tantivy.Query) -> dict[str, dict[str, int]]:
    spec = {name: {"terms": {"field": name, "size": 20}} for name in ("kind", "layer")}
    raw = searcher.aggregate(main, spec)
    return {name: {b["key"]: int(b["doc_count"]) for b in raw[name]["buckets"]} for name in spec}


def _entry(searcher: tantivy.Searcher, addr: tantivy.DocAddress, visible: Visible | None) -> Entry:
    return Entry.from_payload(json.loads(searcher.doc(addr)["payload"][0]), visible)


def _hits(
    root: Node | None, chosen: list[tuple[int, float, Entry]], column_mode: bool, explain: bool, now: datetime
) -> list[SearchHit]:
    hits: list[SearchHit] = []
    for level, final, entry in chosen:
        why: tuple[str, ...] = ()
        if explain:
            bonus = _bonus(
                QUALITY_WEIGHT.get(entry.quality, 0.3),
                int(entry.updated.timestamp()) if entry.updated else 0,
                now.timestamp(),
            )
            why = _explain(root, entry, tier(root, entry)[1], final / (1 + bonus), _bonus_text(entry, bonus))
        columns = tuple(
            ColumnHit(c.name, c.type, c.pii, c.description) for c in matching_columns(root, entry)
        )
        base = dict(name=entry.name, layer=entry.layer, description=entry.description, owner=entry.owner,
                    tags=entry.tags, quality=entry.quality, updated=entry.updated, rows=entry.rows,
                    score=round(final, 4), tier=level, explanation=why)  # fmt: skip
        if not column_mode:
            hits.append(SearchHit(kind=entry.kind, matching_columns=columns, **base))  # type: ignore[arg-type]
            continue
        listed = columns or tuple(
            ColumnHit(c.name, c.type, c.pii, c.description) for c in entry.searchable_columns()
        )
        hits += [SearchHit(kind="column", matching_columns=(c,), column=c.name, **base) for c in listed]  # type: ignore[arg-type]
    return hits


def search(
    catalog_dir: Path, text: str, *, limit: int = 10, explain: bool = False, visible: Visible | None = None
) -> SearchResult:
    """Search the index in ``catalog_dir``; see the module docstring for ranking and access.

    Another process may commit (and garbage-collect the files of an older commit) at any moment; a
    search that lost that race is retried on the newest commit.
    """
    started = time.perf_counter()
    query = parse(text)
    for attempt in range(RETRIES):
        try:
            return _search(catalog_dir, text, query, started, limit, explain, visible)
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
    visible: Visible | None,
) -> SearchResult:
    root, column_mode = _split_column_mode(query.root)
    index = _index(catalog_dir)
    if index is None:
        warnings = (*query.warnings, "the catalog is empty: run `lakehouse catalog refresh`")
        return SearchResult(text, str(query), (), 0, True, {}, warnings, time.perf_counter() - started)
    searcher = index.searcher()
    main = compile_node(root)
    now = datetime.now(UTC)
    if visible is None:
        pool = _candidates(searcher, root, main, limit * 2 + 10)
        ranked = _rank(searcher, pool, now.timestamp())[:limit]
        chosen = [(level, final, _entry(searcher, addr, None)) for level, final, addr in ranked]
        hits = _hits(root, chosen, column_mode, explain, now)
        if column_mode:
            return SearchResult(text, str(query), tuple(hits[:limit]), len(hits), pool.total <= limit,
                                _pool_facets([e for _, _, e in chosen]), query.warnings, time.perf_counter() - started)  # fmt: skip
        return SearchResult(text, str(query), tuple(hits), pool.total, True, _facets(searcher, main), query.warnings,
                            time.perf_counter() - started)  # fmt: skip
    size = max(limit * 10, 200)
    while True:  # re-check candidates as the principal sees them; widen the pool until enough survive
        pool = _candidates(searcher, root, main, size)
        checked = []
        for _level, final, addr in _rank(searcher, pool, now.timestamp()):
            entry = _entry(searcher, addr, visible)
            if visible(entry.name, None) and evaluate(root, entry):
                checked.append((tier(root, entry)[0], final, entry))
        if len(checked) >= limit or size >= min(pool.total, MAX_POOL):
            break
        size *= 4
    checked.sort(key=lambda r: (-r[0], -r[1], len(r[2].short_name)))
    hits = _hits(root, checked[:limit], column_mode, explain, now)
    total = len(_hits(root, checked, column_mode, False, now)) if column_mode else len(checked)
    return SearchResult(text, str(query), tuple(hits[:limit]), total, len(pool.scores) >= pool.total,
                        _pool_facets([e for _, _, e in checked]), query.warnings, time.perf_counter() - started)  # fmt: skip


def _pool_facets(entries: list[Entry]) -> dict[str, dict[str, int]]:
    facets: dict[str, dict[str, int]] = {"kind": {}, "layer": {}}
    for entry in entries:
        facets["kind"][entry.kind] = facets["kind"].get(entry.kind, 0) + 1
        facets["layer"][entry.layer] = facets["layer"].get(entry.layer, 0) + 1
    return facets
