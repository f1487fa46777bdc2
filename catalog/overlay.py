"""Score pending documents (``catalog.pending``) exactly as the index would score them.

``score(node, doc, stats)`` walks the parsed query the way ``catalog.compile`` turns it into a
tantivy query and returns the score tantivy gives that document (``None``: no match): BM25 with
tantivy's constants and length quantization for words and phrases, constant scores for prefixes,
typo-tolerant (fuzzy) clauses, partial words and exact names, sums for OR and AND, ``COVER`` more
per matched free word (``Most``), 0 for filters. The corpus
statistics (``Stats``: document count, documents per term, average field length) are the index's
own, read through tantivy's score explanation, so a pending document is scored with the statistics
every indexed document in the same search is scored with (a fold then counts it, as tantivy counts
a replaced document until segments merge). ``tests/catalog/test_pending.py`` checks every fixture
document against tantivy's score for every labeled query.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import tantivy
from tantivy import Query

from catalog.compile import (
    BOOSTS,
    COVER,
    EXACT,
    FILTER_FIELDS,
    FUZZY_FIELDS,
    FUZZY_MIN_LENGTH,
    FUZZY_WEIGHT,
    PARTIAL_MIN_LENGTH,
    PARTIAL_WEIGHT,
    QUALIFIED,
    compile_node,
    without_ids,
)
from catalog.compile import PREFIX_FIELDS as UNQUALIFIED_PREFIX_FIELDS
from catalog.index import FACETS, PREFIX_FIELDS, PREFIX_MAX, SCHEMA, TEXT_FIELDS, tokenize
from catalog.match import Entry, tier, within_one_edit
from catalog.pending import Pending
from catalog.query import And, Filter, Most, Node, Not, Or, Term

K1, B = 1.2, 0.75  # tantivy's BM25 parameters
Doc = dict[str, Any]  # catalog.index.fields(record)
PROBE_DOCS = 32  # index documents looked at to find a term of each field for the statistics


def _field_norms() -> list[int]:
    """tantivy's field-length quantization: exact up to 40, then 8 steps per doubling of the step."""
    table, value, step = list(range(41)), 40, 2
    while len(table) < 256:
        for _ in range(8):
            value += step
            table.append(value)
        step *= 2
    return table[:256]


FIELD_NORMS = _field_norms()


def quantized_length(length: int) -> int:
    """The field length tantivy stores (one byte per document and field) and scores with."""
    lo, hi = 0, len(FIELD_NORMS) - 1
    while lo < hi:  # the largest table value <= length
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if FIELD_NORMS[mid] <= length else (lo, mid - 1)
    return FIELD_NORMS[lo]


class Stats:
    """Corpus statistics BM25 needs, as the index counts them (deleted documents included until a merge).

    tantivy exposes document frequencies, but the document count and average field length only in
    the explanation of a score: so, per field, one term query on a word of that field (from the given
    documents when the index has it, else from the first indexed documents) is explained, lazily.
    """

    def __init__(self, searcher: tantivy.Searcher, hints: Iterable[Doc] = ()) -> None:
        self._searcher = searcher
        self._hints = list(hints)
        self._docs: int | None = None
        self._averages: dict[str, float | None] = {}
        self._freqs: dict[tuple[str, str], int] = {}

    @property
    def docs(self) -> int:
        if self._docs is None:
            for name in TEXT_FIELDS:
                if self.average(name) is not None:
                    break
        return self._docs if self._docs is not None else int(self._searcher.num_docs)

    def doc_freq(self, name: str, token: str) -> int:
        key = (name, token)
        if key not in self._freqs:
            self._freqs[key] = int(self._searcher.doc_freq(name, token))
        return self._freqs[key]

    def average(self, name: str) -> float | None:
        """The average length of a field (None: no indexed document found with it)."""
        if name not in self._averages:
            self._averages[name] = self._explain(name)
        return self._averages[name]

    def _explain(self, name: str) -> float | None:
        for word, addr in self._probes(name):
            query = Query.term_query(SCHEMA, name, word)
            tree = json.loads(query.explain(self._searcher, addr).to_json())
            self._docs = int(next(_explained(tree, "N, total number of docs")))
            return next(_explained(tree, "avgdl"), None)
        return None

    def _probes(self, name: str) -> Iterator[tuple[str, tantivy.DocAddress]]:
        """(word, an indexed document whose field ``name`` holds it)."""
        for doc in self._hints:
            for word in _field(doc, name).counts:
                if self.doc_freq(name, word):
                    hits = self._searcher.search(Query.term_query(SCHEMA, name, word), 1).hits
                    if hits:  # none: only deleted documents hold it
                        yield word, hits[0][1]
                break  # one word per hint document
        for _, addr in self._searcher.search(Query.all_query(), PROBE_DOCS).hits:
            entry = Entry.from_payload(json.loads(self._searcher.doc(addr)["payload"][0]))
            for word in (t for v in entry.values(name) for t in tokenize(v)):
                yield word, addr
                break


def _raw(doc: Doc, name: str) -> list[Any]:
    """The values of a field (one or a list), as a list."""
    value = doc.get(name)
    return [] if value is None or value == "" else value if isinstance(value, list) else [value]


@dataclass(frozen=True)
class Field:
    """One text field of a document, tokenized: per value (tantivy leaves a gap between values, so no
    phrase spans two), the count of each token, the field length tantivy records."""

    values: tuple[tuple[str, ...], ...]
    counts: Counter[str]
    length: int

    @classmethod
    def of(cls, values: list[Any]) -> Field:
        tokens = tuple(tokenize(v) for v in values)
        return cls(tokens, Counter(t for value in tokens for t in value), sum(len(t) for t in tokens))

    def occurrences(self, words: tuple[str, ...], *, prefix: bool = False) -> int:
        if len(words) == 1 and not prefix:
            return self.counts.get(words[0], 0)
        if any(w not in self.counts for w in words[:-1]):
            return 0
        n, found = len(words), 0
        for tokens in self.values:
            for start in range(len(tokens) - n + 1):
                window = tokens[start : start + n]
                last = window[-1].startswith(words[-1]) if prefix else window[-1] == words[-1]
                found += window[:-1] == words[:-1] and last
        return found

    def near(self, word: str) -> bool:
        """Does a token lie within one edit of ``word`` (tantivy's fuzzy term query, distance 1)?

        Two words one edit apart (a swap of neighbours included) share a one-letter deletion, or one
        is a one-letter deletion of the other: candidates come from the deletions, then are checked.
        """
        if word in self.counts:
            return True
        keys = {word, *_deletions(word)}
        return any(within_one_edit(word, t) for key in keys for t in self._by_deletion.get(key, ()))

    @cached_property
    def _by_deletion(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for token in self.counts:
            for key in {token, *_deletions(token)}:
                out.setdefault(key, []).append(token)
        return out


def _deletions(word: str) -> list[str]:
    return [word[:i] + word[i + 1 :] for i in range(len(word))]


_FIELDS: dict[int, tuple[Doc, dict[str, Field]]] = {}  # id(doc) -> (doc, its tokenized text fields)


def _field(doc: Doc, name: str) -> Field:
    """A text field of ``doc``, tokenized once per document object (``catalog.pending`` parses each
    pending document once per change, so a long-lived process tokenizes it once)."""
    cached = _FIELDS.get(id(doc))
    if cached is None or cached[0] is not doc:
        if len(_FIELDS) > 1024:
            _FIELDS.clear()
        cached = _FIELDS[id(doc)] = (doc, {})
    if name not in cached[1]:
        cached[1][name] = Field.of(_raw(doc, name))
    return cached[1][name]


def _explained(node: dict[str, Any], prefix: str) -> Iterator[float]:
    if str(node.get("description", "")).startswith(prefix):
        yield float(node["value"])
    for child in node.get("details", ()):
        yield from _explained(child, prefix)


def _bm25(stats: Stats, name: str, words: tuple[str, ...], freq: int, length: int) -> float:
    docs, average = stats.docs, stats.average(name)
    idf = sum(math.log(1 + (docs - n + 0.5) / (n + 0.5)) for n in (stats.doc_freq(name, w) for w in words))
    # a field no indexed document has: score the document's length as average
    norm = K1 * (1 - B + B * quantized_length(length) / average) if average else K1
    return idf * (1 + K1) * (freq / (freq + norm))


def _should(scores: Iterable[float | None]) -> float | None:
    hits = [s for s in scores if s is not None]
    return sum(hits) if hits else None


def _field_score(
    name: str, term: Term, words: tuple[str, ...], doc: Doc, stats: Stats
) -> Iterator[float | None]:
    boost, text = BOOSTS[name], _field(doc, name)
    if term.mode == "prefix":
        hit = _starts(doc, name, words[0]) if len(words) == 1 else text.occurrences(words, prefix=True) > 0
        yield boost if hit else None
        return
    freq = text.occurrences(words)
    yield boost * _bm25(stats, name, words, freq, text.length) if freq else None
    loose = len(words) == 1 and term.mode == "word" and name in FUZZY_FIELDS
    if loose and len(words[0]) >= FUZZY_MIN_LENGTH:
        yield boost * FUZZY_WEIGHT if text.near(words[0]) else None
    if loose and len(words[0]) >= PARTIAL_MIN_LENGTH:
        yield boost * PARTIAL_WEIGHT if _starts(doc, name, words[0]) else None


def _starts(doc: Doc, name: str, word: str) -> bool:
    if name in PREFIX_FIELDS and len(word) <= PREFIX_MAX:
        return word in _raw(doc, PREFIX_FIELDS[name])
    return any(t.startswith(word) for t in _field(doc, name).counts)


def _term(term: Term, doc: Doc, stats: Stats) -> float | None:
    if term.exact:
        return 1.0 if term.text in _raw(doc, EXACT[term.field or "name"]) else None
    words = tokenize(term.text)
    if not words:
        return None
    names = (
        QUALIFIED[term.field]
        if term.field
        else UNQUALIFIED_PREFIX_FIELDS
        if term.mode == "prefix"
        else BOOSTS
    )
    clauses = [s for name in names for s in _field_score(name, term, words, doc, stats)]
    if term.mode == "prefix" and term.field in (None, "name"):
        whole = any(v.startswith(term.text) for v in _raw(doc, "name_exact"))
        clauses.append(BOOSTS["name"] if whole else None)
    return _should(clauses)


def _filter(flt: Filter, doc: Doc) -> bool:
    if flt.field != "updated":
        return str(flt.value) in _raw(doc, FILTER_FIELDS[flt.field])
    assert isinstance(flt.value, dt.datetime)
    when, ref = int(doc.get("updated") or 0), int(flt.value.timestamp())
    if flt.op == "=":
        day = int(flt.value.replace(hour=0, minute=0, second=0, microsecond=0).timestamp())
        return day <= when <= day + 86_399
    checks = {">": when > ref, ">=": when >= ref, "<": when < ref, "<=": when <= ref}
    return checks[flt.op]


def score(node: Node | None, doc: Doc, stats: Stats) -> float | None:
    """tantivy's score of ``doc`` for the compiled ``node`` (``catalog.compile.compile_node``); None: no match."""
    if node is None:
        return 1.0  # all documents, each scoring 1
    if isinstance(node, Term):
        return _term(node, doc, stats)
    if isinstance(node, Filter):
        return 0.0 if _filter(node, doc) else None
    if isinstance(node, Not):
        return None if score(node.child, doc, stats) is not None else 1.0
    if isinstance(node, Or):
        return _should(score(c, doc, stats) for c in node.children)
    if isinstance(node, Most):
        return _should(None if (s := score(c, doc, stats)) is None else s + COVER for c in node.children)
    assert isinstance(node, And)
    total = 0.0
    for child in node.children:
        if isinstance(child, Not):
            if score(child.child, doc, stats) is not None:
                return None
            continue
        part = score(child, doc, stats)
        if part is None:
            return None
        total += part
    if all(isinstance(c, Not) for c in node.children):
        total += 1.0  # compile adds an all-documents clause
    return total


class Overlay:
    """The pending documents as one search sees them: matched and scored like indexed ones; their stale
    index documents are left out of every index query (``query``)."""

    def __init__(self, searcher: tantivy.Searcher, changes: Pending) -> None:
        self.ids = changes.ids
        self.docs = changes.live
        self._stats = Stats(searcher, self.docs)  # read lazily: costs nothing while nothing is pending
        self._matches: dict[Node | None, list[tuple[int, float, Doc]]] = {}

    def query(self, node: Node | None) -> tantivy.Query:
        return without_ids(compile_node(node), self.ids)

    def matches(self, node: Node | None) -> list[tuple[int, float, Doc]]:
        if node in self._matches:
            return self._matches[node]
        out = self._matches[node] = []
        for doc in self.docs:
            value = score(node, doc, self._stats)
            if value is not None:
                out.append((tier(node, Entry.from_payload(doc["payload"]))[0], value, doc))
        return out

    def facets(self, counts: dict[str, dict[str, int]], node: Node | None) -> dict[str, dict[str, int]]:
        """``counts`` (facet -> value -> documents) plus the matching pending documents."""
        for _, _, doc in self.matches(node):
            for name in counts:
                value = doc[FACETS[name]]
                for v in value if isinstance(value, list) else [value]:
                    if v:  # an empty owner is not indexed (``catalog.index.document``)
                        counts[name][v] = counts[name].get(v, 0) + 1
        return counts
