"""The floor of the lakehouse toolkit, and (kept apart, above the domains) the wiring and the CLI.

- The floor, ``lakehouse/*.py``: settings (with the BigQuery settings, ``bigquery_settings``, the
  project files they name, ``project_files``, and ``frozen``, their typed base without pydantic at start-up), the DuckDB connection factory (``connect``), errors,
  locks, progress events, the gate and hand-over contracts, SQL quoting (``quoting``). It imports no
  domain package.
- The domains build on the floor and never import each other: ``lake``, ``quality``, ``catalog``
  (with ``catalog.access``), ``warehouse``.
- ``lakehouse.wiring``: where the domains meet (ingest → gate → commit → catalog, dbt → catalog, the
  demo and the sample project it ships with). ``lakehouse.cli``: the thin command line over the wiring and the domains; it alone prints.

``pyproject.toml`` [tool.importlinter] checks these layers and that no import cycle exists.
"""

from lakehouse.errors import LakehouseError
from lakehouse.settings import Settings, load_settings

__all__ = ["LakehouseError", "Settings", "load_settings"]
__version__ = "0.1.0"
