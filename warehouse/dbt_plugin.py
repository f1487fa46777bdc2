"""dbt-duckdb plugin: offline extensions, the lake attached read-only, and the ML engine registered.

``profiles.yml`` names this module under ``plugins:``. dbt-duckdb calls ``configure_connection`` on the
root connection before it runs anything, so every model sees:

- the DuckDB extensions loaded from the installed wheels (an ``extensions:`` list would try the network);
- the DuckLake lake attached READ-ONLY as ``lake`` (dbt builds the warehouse, it never writes the lake);
- ``TimeZone = 'UTC'`` so casting the lake's TIMESTAMPTZ columns to TIMESTAMP is the same on every machine;
- the ML engine (``warehouse.ml.dbt_hook.configure``), so the ``model`` materialization can train.

Plugin config (all optional): ``home`` (LAKEHOUSE_HOME; relative paths are resolved against the current
directory, which is ``dbt_project/`` for ``cd dbt_project && dbt build``). Every other setting comes from
the ``LAKEHOUSE_*`` environment exactly as for the ``lakehouse`` command.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb import DuckDBPyConnection

from lakehouse.connect import DEFAULT_EXTENSIONS, attach_lake, load_extensions
from lakehouse.settings import Settings, load_settings
from warehouse.ml import dbt_hook

#: DuckDB options set before the connection opens: never reach for the network
CONNECTION_CONFIG = {"autoinstall_known_extensions": False}


class Plugin(BasePlugin):
    """Loads extensions, attaches the lake read-only and registers the ML engine on dbt's connection."""

    settings: Settings

    def initialize(self, plugin_config: dict[str, Any]) -> None:
        home = plugin_config.get("home")
        # normalised lexically, not resolved: DuckLake compares the data path it recorded as a string, and
        # `lakehouse ingest` run from the repository records <repo>/data, not <repo>/dbt_project/../data
        self.settings = load_settings({"home": os.path.normpath(Path(home).absolute())} if home else None)

    def update_connection_config(self, creds: Any, config: dict[str, Any]) -> None:
        config.update(CONNECTION_CONFIG)

    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        load_extensions(conn, DEFAULT_EXTENSIONS)
        conn.execute("SET TimeZone = 'UTC'")
        self.settings.spill_dir.mkdir(parents=True, exist_ok=True)
        conn.execute("SET temp_directory = $1", [str(self.settings.spill_dir)])
        if self.settings.memory_limit:
            conn.execute("SET memory_limit = $1", [self.settings.memory_limit])
        if self.settings.threads:
            conn.execute("SET threads = $1", [self.settings.threads])
        attach_lake(conn, self.settings, read_only=True)
        dbt_hook.configure(conn)
