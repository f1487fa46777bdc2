"""Candidates and their order, from the index alone (fast fields; no stored document is read).

``candidates`` runs the compiled query for the top relevance hits plus, with their own small
queries, every hit of the exact-name and exact-column-name tiers, so a long tail of relevance hits
can never push an exact hit out of the pool. ``rank`` orders the pool by the number of the query's
free words a hit matches (the ``COVER`` part of its score, ``catalog.compile``), then tier, then
relevance with a capped tie-breaker (quality and freshness, at most ``TIE_BREAK_CAP`` of the
relevance), then the shorter name.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import tantivy

from catalog.compile import COVER, exact_query, with_clause
from catalog.index import FACETS
from catalog.match import positive_terms
from catalog.query import Node

TIE_BREAK_CAP = 0.10
FRESHNESS_DAYS = 30.0
FACET_VALUES = 20  # values counted per facet (the most frequent)


def bonus(quality: float, updated: int, now: float) -> float:
    """The capped tie-breaker: quality weight and freshness (exponential decay over ``FRESHNESS_DAYS``)."""
    fresh = math.exp(-max(now - updated, 0) / 86_400 / FRESHNESS_DAYS) if updated else 0.0
    return TIE_BREAK_CAP * (0.5 * quality + 0.5 * fresh)


Key = tuple[int, int]
#: a ranked hit: an index document, or the payload of a pending one (``catalog.pending``)
Ref = tantivy.DocAddress | dict[str, Any]


@dataclass
class Pool:
    scores: dict[Key, tuple[float, tantivy.DocAddress]]
    tiers: dict[Key, int]
    total: int
    #: matching pending documents: (tier, score, index fields), scored by ``catalog.overlay``
    pending: list[tuple[int, float, dict[str, Any]]] = field(default_factory=list)

    @property
    def exact(self) -> bool:
        """Does the pool hold every match (so totals and facets from it are exact)?"""
        return len(self.scores) + len(self.pending) >= self.total


def _key(addr: tantivy.DocAddress) -> Key:
    return (addr.segment_ord, addr.doc)


def candidates(
    searcher: tantivy.Searcher,
    root: Node | None,
    main: tantivy.Query,
    pool: int,
    pending: Sequence[tuple[int, float, dict[str, Any]]] = (),
) -> Pool:
    """Top relevance hits plus every exact-tier hit (own small queries, scored like the main query),
    plus the matching pending documents (``main`` must exclude their stale index documents)."""
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
    return Pool(scores, tiers, int(getattr(result, "count", 0) or 0) + len(pending), list(pending))


def split(score: float) -> tuple[int, float]:
    """(free words matched, relevance) of a score of the compiled query."""
    words = int(score // COVER)
    return words, score - words * COVER


def rank(searcher: tantivy.Searcher, pool: Pool, now: float) -> list[tuple[int, int, float, Ref]]:
    """(free words matched, tier, final score, address or pending payload), best first, from fast
    fields only."""
    keys = list(pool.scores)
    addrs = [pool.scores[k][1] for k in keys]
    quality = searcher.fast_field_values("quality_weight", addrs)
    updated = searcher.fast_field_values("updated", addrs)
    lengths = searcher.fast_field_values("name_length", addrs)
    ranked: list[tuple[int, int, float, int, Ref]] = []
    for k, q, u, n in zip(keys, quality, updated, lengths, strict=True):
        words, relevance = split(pool.scores[k][0])
        final = round(relevance * (1 + bonus(float(q or 0.0), int(u or 0), now)), 4)
        ranked.append((words, pool.tiers.get(k, 0), final, int(n or 0), pool.scores[k][1]))
    for level, score, doc in pool.pending:
        words, relevance = split(score)
        final = round(relevance * (1 + bonus(float(doc["quality_weight"]), int(doc["updated"]), now)), 4)
        ranked.append((words, level, final, int(doc["name_length"]), doc["payload"]))
    ranked.sort(key=lambda r: (-r[0], -r[1], -r[2], r[3]))
    return [(words, level, final, addr) for words, level, final, _, addr in ranked]


def facets(searcher: tantivy.Searcher, main: tantivy.Query) -> dict[str, dict[str, int]]:
    """Facet -> value -> matching documents, in one aggregation over fast fields (the top
    ``FACET_VALUES`` values of each facet)."""
    spec = {name: {"terms": {"field": field, "size": FACET_VALUES}} for name, field in FACETS.items()}
    raw = searcher.aggregate(main, spec)
    return {name: {b["key"]: int(b["doc_count"]) for b in raw[name]["buckets"]} for name in spec}
