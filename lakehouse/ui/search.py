"""The search page: ``catalog.search`` as the viewing principal (the CLI's function, ranking and access view).

Facets (type, layer, owner, PII, quality) come with the search result, counted as the principal sees
the catalog (``catalog.search``), so a count never tells of a dataset the principal cannot see. A
facet's link narrows the query with the query language's own filter (``catalog.search.FACET_FILTERS``:
``layer=raw``, ``owner=sales``), so the narrowed search is one anyone could type; a filter already in
the query is shown as chosen, with a link that takes it out again. The words to highlight are the
query's positive terms.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

import catalog
from catalog.match import positive_terms
from catalog.query import parse
from catalog.search import FACET_FILTERS
from lakehouse.errors import UsageError
from lakehouse.ui.viewer import Viewer

LIMIT = 20
#: facet -> its heading on the page, in the order shown
HEADINGS = {"kind": "type", "layer": "layer", "owner": "owner", "pii": "PII", "quality": "quality"}
_PLAIN = re.compile(r"[\w.@+-]+")  # a value the query language reads without quotes


class FacetValue(NamedTuple):
    value: str
    hits: int  # matches with this value
    query: str  # the search this value's link runs
    chosen: bool  # the query already has this filter (the link takes it out)


def words(text: str) -> list[str]:
    """The query words to mark in results (prefix terms without their ``*``)."""
    return [term.text for term in positive_terms(parse(text).searched)]


def clause(field: str, value: str) -> str:
    """``field=value`` in the query language (the value quoted when it has spaces or punctuation)."""
    return f"{field}={value}" if _PLAIN.fullmatch(value) else f'{field}="{value}"'


def with_filter(text: str, field: str, value: str) -> str:
    """``text`` narrowed by ``field=value`` (unchanged when it already has it)."""
    part = clause(field, value)
    return text if part in text.split() else f"{text} {part}".strip()


def without_filter(text: str, field: str, value: str) -> str:
    """``text`` without its ``field=value`` filter."""
    part = clause(field, value)
    return " ".join(w for w in text.split() if w != part)


def facets(text: str, counts: dict[str, dict[str, int]]) -> dict[str, list[FacetValue]]:
    """Heading -> values with their counts and links, most frequent first."""
    out: dict[str, list[FacetValue]] = {}
    for name, heading in HEADINGS.items():
        field, chosen = FACET_FILTERS[name], set(text.split())
        values = sorted(counts.get(name, {}).items(), key=lambda vc: (-vc[1], vc[0]))
        out[heading] = [
            FacetValue(v, n, without_filter(text, field, v), True)
            if clause(field, v) in chosen
            else FacetValue(v, n, with_filter(text, field, v), False)
            for v, n in values
        ]
    return {heading: values for heading, values in out.items() if values}


def results(viewer: Viewer, text: str, limit: int = LIMIT) -> dict[str, Any]:
    """What the results fragment shows: hits, totals, facets, warnings; a bad query's one-line error."""
    try:
        found = catalog.search(viewer.settings, text, limit=limit, view=viewer.view())
    except UsageError as exc:
        return {"q": text, "error": str(exc)}
    return {"q": text, "result": found, "words": words(text), "facets": facets(text, found.facets)}
