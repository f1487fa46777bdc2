"""The metadata catalog: a store of datasets, columns and models, and a fast search over them.

Public surface (the CLI imports only this):

- ``refresh(settings, *, datasets=None, progress=None)``: rebuild from the lake, dbt artifacts, the
  ML registry, quality results and ``catalog/metadata.yml``.
- ``register_ingest(settings, batch)``: update one lake dataset after an ingest commit (``batch`` is a
  ``lakehouse.contracts.LandedBatch``);
  ``register_dbt(settings)`` after ``dbt build``; ``register_models(settings)`` after CREATE MODEL.
- ``search(settings, query, *, limit=10, explain=False, view=None)``: the query language of
  ``catalog.query``; ``view`` (a ``CatalogView``, e.g. ``catalog.access.visibility(settings, who)``)
  shows a principal only what the access policy lets it select (``catalog.view``).
- ``show(settings, name, *, view=None)``: one dataset with stats, PII, lineage, quality, history.

Storage under ``settings.catalog_dir``: ``catalog.sqlite`` (SQLite, WAL) and ``search-v2/`` (tantivy).
An update of a few datasets is one SQLite transaction: the store rows plus their index documents in
the ``pending`` table, which searches overlay on the index until a writer folds them in
(``catalog.pending``, ``catalog.overlay``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lakehouse import lazy

if TYPE_CHECKING:
    from catalog.ingested import register_ingest
    from catalog.model import DatasetInfo, DatasetRecord, RefreshReport
    from catalog.query import QuerySyntaxError
    from catalog.refresh import refresh
    from catalog.register import register_dbt, register_models
    from catalog.search import SearchHit, SearchResult
    from catalog.show import show
    from catalog.view import CatalogView
    from lakehouse.settings import Settings

#: public names and their modules, imported on first use: a command pays only for the parts it uses
#: (a search never imports the refresh's sources, sqlglot or YAML). ``refresh`` and ``show`` are named
#: like their own modules and stay functions when those are imported (``lakehouse.lazy.exports``).
_EXPORTS = {
    "CatalogView": "catalog.view",
    "DatasetInfo": "catalog.model",
    "DatasetRecord": "catalog.model",
    "RefreshReport": "catalog.model",
    "QuerySyntaxError": "catalog.query",
    "SearchHit": "catalog.search",
    "SearchResult": "catalog.search",
    "refresh": "catalog.refresh",
    "register_dbt": "catalog.register",
    "register_ingest": "catalog.ingested",
    "register_models": "catalog.register",
    "show": "catalog.show",
}


__getattr__ = lazy.exports("catalog", _EXPORTS, functions=("refresh", "search", "show"))


def search(
    settings: Settings, query: str, *, limit: int = 10, explain: bool = False, view: CatalogView | None = None
) -> SearchResult:
    """Search datasets (or columns with ``type=column``); see ``catalog.query`` for the syntax."""
    from catalog.search import search as run

    return run(settings.catalog_dir, query, limit=limit, explain=explain, view=view)


__all__ = [
    "CatalogView",
    "DatasetInfo",
    "DatasetRecord",
    "QuerySyntaxError",
    "RefreshReport",
    "SearchHit",
    "SearchResult",
    "refresh",
    "register_dbt",
    "register_ingest",
    "register_models",
    "search",
    "show",
]
