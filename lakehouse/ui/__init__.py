"""The web page (``lakehouse ui``): search, dataset, lineage, model and SQL pages over the catalog and warehouse.

A top layer beside the CLI (it imports the domains and the floor, never the CLI): ``create_app``
builds the Starlette application for resolved settings and a principal; ``serve`` runs it with
uvicorn on loopback. The pages reuse the library's own functions - ``catalog.search`` and
``catalog.show`` with the principal's ``CatalogView``, ``catalog.access.run_query`` for every data
read as a principal - so the page can never show more than the CLI would (``viewer``).
"""

from __future__ import annotations

from lakehouse.ui.app import create_app
from lakehouse.ui.server import serve

__all__ = ["create_app", "serve"]
