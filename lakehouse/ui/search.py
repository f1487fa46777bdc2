"""The search page: ``catalog.search`` as the viewing principal (the CLI's function, ranking and access view).

Facet links add a filter of the query language to the query (``layer=raw``); the filters the
language knows (``catalog.query.FILTER_VALUES``) are offered as well, so a visitor can narrow by
PII or quality without knowing the syntax. The words to highlight are the query's positive terms.
"""

from __future__ import annotations

from typing import Any

import catalog
from catalog.match import positive_terms
from catalog.query import FILTER_VALUES, parse
from lakehouse.errors import UsageError
from lakehouse.ui.viewer import Viewer

LIMIT = 20
#: facets the search returns (``kind`` is ``type=`` in the query language) -> the filter they add
FACET_FILTERS = {"kind": "type", "layer": "layer", "pii": "pii"}
#: filters offered as links under the search box (the query language's, shortest first)
OFFERED = {"pii": ("true", "email", "person_name"), "quality": ("failing", "warning", "passing")}


def words(text: str) -> list[str]:
    """The query words to mark in results (prefix terms without their ``*``)."""
    return [term.text for term in positive_terms(parse(text).searched)]


def with_filter(text: str, field: str, value: str) -> str:
    """``text`` narrowed by ``field=value`` (unchanged when it already has it)."""
    clause = f"{field}={value}"
    return text if clause in text.split() else f"{text} {clause}".strip()


def results(viewer: Viewer, text: str, limit: int = LIMIT) -> dict[str, Any]:
    """What the results fragment shows: hits, totals, facets, warnings; a bad query's one-line error."""
    try:
        found = catalog.search(viewer.settings, text, limit=limit, view=viewer.view())
    except UsageError as exc:
        return {"q": text, "error": str(exc)}
    facets = {
        FACET_FILTERS.get(name, name): [(value, count, with_filter(text, FACET_FILTERS.get(name, name), value))
                                        for value, count in sorted(counts.items())]
        for name, counts in found.facets.items() if counts
    }  # fmt: skip
    offered = {
        f: [(v, with_filter(text, f, v)) for v in values if v in FILTER_VALUES[f]]
        for f, values in OFFERED.items()
    }
    return {"q": text, "result": found, "words": words(text), "facets": facets, "offered": offered}
