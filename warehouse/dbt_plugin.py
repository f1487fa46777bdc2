"""dbt-duckdb plugin: offline extensions, the lake attached read-only, and the ML engine registered.

``profiles.yml`` names this module under ``plugins:``. dbt-duckdb calls ``configure_connection`` on the
root connection before it runs anything, so every model sees:

- the DuckDB extensions loaded from the installed wheels (an ``extensions:`` list would try the network);
- the DuckLake lake attached READ-ONLY as ``lake`` (dbt builds the warehouse, it never writes the lake);
- ``TimeZone = 'UTC'`` so casting the lake's TIMESTAMPTZ columns to TIMESTAMP is the same on every machine;
- the ML engine (``warehouse.ml.dbt_hook.configure``), so the ``model`` materialization can train.

After a plain ``dbt build`` (also ``run``, ``seed``, ``snapshot``) in its own process, the plugin updates
the home's catalog when the process exits: it closes dbt's DuckDB database and runs ``lakehouse catalog
refresh`` with the home and project of that run (a separate process: the catalog is not the warehouse's to
import). ``lakehouse dbt build`` runs dbt in-process and updates the catalog itself, so it sets
``LAKEHOUSE_DBT_IN_PROCESS`` and the plugin leaves it alone.

Plugin config (all optional): ``home`` (LAKEHOUSE_HOME; relative paths are resolved against the current
directory, which is ``dbt_project/`` for ``cd dbt_project && dbt build``), ``update_catalog`` (default
true). Every other setting comes from the ``LAKEHOUSE_*`` environment exactly as for the ``lakehouse`` command.
"""

from __future__ import annotations

import atexit
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin
from dbt.flags import get_flags
from duckdb import DuckDBPyConnection

from lakehouse.connect import DEFAULT_EXTENSIONS, attach_lake, load_extensions
from lakehouse.settings import Settings, load_settings
from warehouse.dbt.environment import settings_environment
from warehouse.dbt.runner import IN_PROCESS, release_duckdb
from warehouse.ml import dbt_hook
from warehouse.ml.models.dnn import compile_cache

log = logging.getLogger(__name__)
#: DuckDB options set before the connection opens: never reach for the network
CONNECTION_CONFIG = {"autoinstall_known_extensions": False}
#: dbt commands that change relations, after which a plain dbt run updates the catalog
UPDATING_COMMANDS = frozenset({"build", "run", "seed", "snapshot"})
#: the catalog update of this process, once scheduled
_scheduled: list[tuple[str, str]] = []


class Plugin(BasePlugin):
    """Loads extensions, attaches the lake read-only and registers the ML engine on dbt's connection."""

    settings: Settings

    def initialize(self, plugin_config: dict[str, Any]) -> None:
        home = plugin_config.get("home")
        # normalised lexically, not resolved: DuckLake compares the data path it recorded as a string, and
        # `lakehouse ingest` run from the repository records <repo>/data, not <repo>/dbt_project/../data
        self.settings = load_settings({"home": os.path.normpath(Path(home).absolute())} if home else None)
        self.update_catalog = bool(plugin_config.get("update_catalog", True))

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
        compile_cache.use(self.settings.cache_dir / "jax")  # a `model` materialization may train a DNN
        if self.update_catalog:
            schedule_catalog_update(self.settings)


def schedule_catalog_update(settings: Settings) -> None:
    """Refresh the catalog when this dbt process exits, once, for a plain dbt run that changes relations."""
    flags = get_flags()  # dbt's own flags of the running command
    command, project = str(getattr(flags, "WHICH", "")), getattr(flags, "PROJECT_DIR", None)
    in_process = all(os.environ.get(k) == v for k, v in IN_PROCESS.items())
    if in_process or command not in UPDATING_COMMANDS or project is None or _scheduled:
        return
    _scheduled.append((command, str(project)))
    atexit.register(update_catalog, settings, Path(project))


def update_catalog(settings: Settings, project: Path) -> int:
    """``lakehouse catalog refresh`` for this home and project, after closing dbt's DuckDB database."""
    release_duckdb()
    env = {
        **os.environ,
        **settings_environment(settings),
        "LAKEHOUSE_DBT_PROJECT_DIR": str(project.absolute()),
    }
    done = subprocess.run(
        [sys.executable, "-m", "lakehouse", "catalog", "refresh", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        log.warning("catalog not updated (run `lakehouse catalog refresh`): %s", done.stderr.strip()[-500:])
    return done.returncode
