""" "Did you mean": for a search that found nothing, the same query with its words replaced by close
words the catalog holds.

Only a search with no hits pays for this. Each single word of the query (free, or qualified by
``name:``, ``column:`` or ``tag:``) is looked up with a fuzzy query of edit distance ``DISTANCE`` on
names, columns and tags; the words of the documents found, as the principal sees them (``view``: a
dataset it may not select or a column it may not see never lends a word), are the candidates, and
``difflib`` picks the closest. The suggestion is the query text with those words replaced, or None
when no word has a close neighbour.
"""

from __future__ import annotations

import difflib
import json
import re

import tantivy
from tantivy import Occur, Query

from catalog.index import SCHEMA, tokenize
from catalog.match import Entry, positive_terms
from catalog.query import Node
from catalog.view import CatalogView, may_see

DISTANCE = 2
FIELDS = ("name", "columns", "tags")
QUALIFIERS = (None, "name", "column", "tag")
DOCS = 20  # documents whose words are compared with each query word
CUTOFF = 0.6  # difflib similarity a suggested word needs


def _near(word: str) -> Query:
    fuzzy = [
        Query.fuzzy_term_query(SCHEMA, f, word, distance=DISTANCE, transposition_cost_one=True)
        for f in FIELDS
    ]
    return Query.boolean_query([(Occur.Should, q) for q in fuzzy])


def _words(searcher: tantivy.Searcher, word: str, view: CatalogView | None) -> set[str]:
    """Words of names, columns and tags of the documents near ``word``, as the principal sees them."""
    out: set[str] = set()
    for _, addr in searcher.search(_near(word), DOCS).hits:
        data = json.loads(searcher.doc(addr)["payload"][0])
        if view is not None and not may_see(view, data["name"], data["kind"]):
            continue
        entry = Entry.from_payload(data, view)
        out.update(t for f in FIELDS for v in entry.values(f) for t in tokenize(v))
    return out


def closest(searcher: tantivy.Searcher, word: str, view: CatalogView | None) -> str | None:
    """The word of the catalog closest to ``word`` (``word`` itself when the catalog has it)."""
    found = difflib.get_close_matches(word, sorted(_words(searcher, word, view)), n=1, cutoff=CUTOFF)
    return found[0] if found else None


def suggest(searcher: tantivy.Searcher, root: Node | None, text: str, view: CatalogView | None) -> str | None:
    """``text`` with each of its words replaced by the closest word of the catalog; None if none changes."""
    words = {
        tokenize(t.text)[0]
        for t in positive_terms(root)
        if t.mode == "word" and not t.exact and t.field in QUALIFIERS and len(tokenize(t.text)) == 1
    }
    near = {w: closest(searcher, w, view) for w in sorted(words)}
    replaced = {w: c for w, c in near.items() if c is not None and c != w}
    if not replaced:
        return None
    out = text
    for word, better in replaced.items():
        out = re.sub(rf"(?i)(?<![^\W_]){re.escape(word)}(?![^\W_])", better, out)
    return out
