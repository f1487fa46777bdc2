"""Turn a parsed query (``catalog.query``) into a tantivy query.

Field boosts are a table, not code: a word in a dataset name counts far more than the same word in
its columns or tags, which count more than one in a description. Typo tolerance is a fuzzy term
(edit distance 1, a swap of two letters counts as one edit) on the name, column and tag fields for
words of four letters or more, scored below an exact word; a word of three letters or more also
matches as the start of a longer word there (``car`` finds ``cars``), scored lower still. The free
words of a query (``catalog.query.Most``) each add ``COVER`` when they match, so a dataset matching
more of them always scores above one matching fewer (``catalog.rank`` splits the two parts again).
Filters never add to the score. A
one-word prefix of up to ``PREFIX_MAX`` letters on names, columns or tags is a single term of the
precomputed prefix fields (``catalog.index.PREFIX_FIELDS``), so short prefixes cost one posting list.
"""

from __future__ import annotations

import datetime as dt

import tantivy
from tantivy import Occur, Query

from catalog.index import PREFIX_FIELDS as PREFIX_INDEX
from catalog.index import PREFIX_MAX, SCHEMA, tokenize
from catalog.query import And, Filter, Most, Node, Not, Or, Term

#: text field -> boost, for unqualified words
BOOSTS: dict[str, float] = {
    "name": 10.0,
    "columns": 3.0,
    "tags": 3.0,
    "description": 1.0,
    "column_text": 0.7,
    "owner": 1.0,
}
#: qualifier -> the fields it searches
QUALIFIED: dict[str, tuple[str, ...]] = {
    "name": ("name",),
    "column": ("columns",),
    "description": ("description", "column_text"),
    "tag": ("tags",),
    "owner": ("owner",),
}
#: qualifier of an exact term (name=, column= ...) -> the raw field it matches
EXACT: dict[str, str] = {
    "name": "name_exact",
    "column": "column_exact",
    "tag": "tag_exact",
    "owner": "owner_exact",
}
FUZZY_FIELDS = frozenset({"name", "columns", "tags"})
#: an unqualified prefix (``cust*``) looks at names, columns and tags only: expanding it over every
#: word of every description costs a lot and finds little (``description:cust*`` still can)
PREFIX_FIELDS = ("name", "columns", "tags")
FUZZY_MIN_LENGTH = 4
FUZZY_WEIGHT = 0.4  # a typo-tolerant match scores this fraction of the field's boost
PARTIAL_MIN_LENGTH = 3
PARTIAL_WEIGHT = 0.2  # a word matching as the start of a longer word scores this fraction of the boost
#: added per matched free word; above any relevance one word can score (boosts x BM25 stay far below)
COVER = 1000.0
FILTER_FIELDS = {"type": "kind", "layer": "layer", "pii": "pii", "quality": "quality"}
RANGE_BOUNDS = {">": (False, None), ">=": (True, None), "<": (None, False), "<=": (None, True)}


def _should(queries: list[Query]) -> Query:
    if not queries:
        return Query.empty_query()
    return queries[0] if len(queries) == 1 else Query.boolean_query([(Occur.Should, q) for q in queries])


def _words(tokens: list[str]) -> list[str | tuple[int, str]]:
    return list(tokens)


def _field_query(field: str, term: Term, tokens: list[str]) -> list[Query]:
    boost = BOOSTS[field]
    if term.mode == "prefix":
        if len(tokens) == 1:
            q = _starts(field, tokens[0])
        else:
            q = Query.phrase_prefix_query(SCHEMA, field, _words(tokens))
        return [Query.boost_query(Query.const_score_query(q, 1.0), boost)]
    if len(tokens) > 1:
        return [Query.boost_query(Query.phrase_query(SCHEMA, field, _words(tokens)), boost)]
    out = [Query.boost_query(Query.term_query(SCHEMA, field, tokens[0]), boost)]
    if term.mode == "word" and field in FUZZY_FIELDS and len(tokens[0]) >= FUZZY_MIN_LENGTH:
        fuzzy = Query.fuzzy_term_query(SCHEMA, field, tokens[0], distance=1, transposition_cost_one=True)
        out.append(Query.boost_query(fuzzy, boost * FUZZY_WEIGHT))
    if term.mode == "word" and field in FUZZY_FIELDS and len(tokens[0]) >= PARTIAL_MIN_LENGTH:
        out.append(
            Query.boost_query(Query.const_score_query(_starts(field, tokens[0]), 1.0), boost * PARTIAL_WEIGHT)
        )
    return out


def _starts(field: str, word: str) -> Query:
    """Documents with a word in ``field`` that starts with ``word`` (one posting list when short)."""
    if field in PREFIX_INDEX and len(word) <= PREFIX_MAX:
        return Query.term_query(SCHEMA, PREFIX_INDEX[field], word)
    return Query.fuzzy_term_query(SCHEMA, field, word, distance=0, prefix=True)


def compile_term(term: Term) -> Query:
    if term.exact:
        return Query.const_score_query(Query.term_query(SCHEMA, EXACT[term.field or "name"], term.text), 1.0)
    tokens = list(tokenize(term.text))
    if not tokens:
        return Query.empty_query()
    fields = (
        QUALIFIED[term.field] if term.field else PREFIX_FIELDS if term.mode == "prefix" else tuple(BOOSTS)
    )
    clauses = [q for f in fields for q in _field_query(f, term, tokens)]
    if term.mode == "prefix" and term.field in (None, "name"):
        # "lake.cust*" reaches the whole qualified name, not only its words
        prefix = Query.fuzzy_term_query(SCHEMA, "name_exact", term.text, distance=0, prefix=True)
        clauses.append(Query.boost_query(Query.const_score_query(prefix, 1.0), BOOSTS["name"]))
    return _should(clauses)


def compile_filter(flt: Filter) -> Query:
    if flt.field == "updated":
        assert isinstance(flt.value, dt.datetime)
        seconds = int(flt.value.timestamp())
        if flt.op == "=":  # the whole day (or instant) named
            day = flt.value.replace(hour=0, minute=0, second=0, microsecond=0)
            lo, hi = int(day.timestamp()), int(day.timestamp()) + 86_399
            return Query.range_query(SCHEMA, "updated", tantivy.FieldType.Integer, lo, hi)
        lower_inc, upper_inc = RANGE_BOUNDS[flt.op]
        if lower_inc is not None:
            return Query.range_query(
                SCHEMA, "updated", tantivy.FieldType.Integer, seconds, None, include_lower=lower_inc
            )
        return Query.range_query(
            SCHEMA, "updated", tantivy.FieldType.Integer, None, seconds, include_upper=bool(upper_inc)
        )
    return Query.term_query(SCHEMA, FILTER_FIELDS[flt.field], str(flt.value))


def compile_node(node: Node | None) -> Query:
    """The tantivy query for a parsed query tree (``None`` matches everything)."""
    if node is None:
        return Query.all_query()
    if isinstance(node, Term):
        return compile_term(node)
    if isinstance(node, Filter):
        return Query.const_score_query(compile_filter(node), 0.0)
    if isinstance(node, Not):
        return Query.boolean_query(
            [(Occur.Must, Query.all_query()), (Occur.MustNot, compile_node(node.child))]
        )
    if isinstance(node, Or):
        return _should([compile_node(c) for c in node.children])
    if isinstance(node, Most):
        return _should([_covered(compile_node(c)) for c in node.children])
    clauses = [
        (Occur.MustNot, compile_node(c.child)) if isinstance(c, Not) else (Occur.Must, compile_node(c))
        for c in node.children
    ]
    if all(occur == Occur.MustNot for occur, _ in clauses):
        clauses.append((Occur.Must, Query.all_query()))
    return Query.boolean_query(clauses)


def _covered(query: Query) -> Query:
    """``query``, its score raised by ``COVER`` for every document it matches."""
    cover = Query.const_score_query(Query.all_query(), COVER)
    return Query.boolean_query([(Occur.Must, query), (Occur.Should, cover)])


def exact_query(fields: str, texts: list[str]) -> Query:
    """Documents whose whole name (``name_exact``) or a whole column name equals one of ``texts``; score 0."""
    terms = [Query.term_query(SCHEMA, fields, t) for t in texts]
    return Query.const_score_query(_should(terms), 0.0)


def with_clause(main: Query, extra: Query) -> Query:
    return Query.boolean_query([(Occur.Must, main), (Occur.Must, extra)])


def without_ids(main: Query, ids: list[str]) -> Query:
    """``main`` minus the documents of some datasets (pending ones, scored from the store instead)."""
    if not ids:
        return main
    stale = _should([Query.term_query(SCHEMA, "id", i) for i in ids])  # measured faster than a term set
    return Query.boolean_query([(Occur.Must, main), (Occur.MustNot, stale)])


__all__ = ["And", "compile_node", "exact_query", "with_clause", "without_ids"]
