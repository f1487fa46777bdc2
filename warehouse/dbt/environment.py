"""The environment a dbt invocation runs in: the caller's settings, spelled as LAKEHOUSE_* variables.

``profiles.yml`` and the dbt-duckdb plugin read the lake and warehouse locations from the environment, so the
settings a Python caller resolved (flags, lakehouse.toml, environment) are exported for the duration of the
call and the previous environment restored afterwards.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from lakehouse.settings import ENV_PREFIX, Settings

#: settings that dbt never needs (and secrets that must not travel further than necessary)
NOT_EXPORTED = frozenset(
    {"lake_encryption_key", "dbt_project_dir", "quality_suites_dir", "policy_file", "seed"}
)


def settings_environment(settings: Settings) -> dict[str, str]:
    """LAKEHOUSE_* variables that reproduce ``settings`` for profiles.yml and the dbt plugin."""
    env: dict[str, str] = {}
    for name in Settings.model_fields:
        value = getattr(settings, name)
        if name in NOT_EXPORTED or value is None:
            continue
        env[ENV_PREFIX + name.upper()] = _text(value)
    env[ENV_PREFIX + "WAREHOUSE_PATH"] = _text(settings.warehouse_file)
    return env


def _text(value: object) -> str:
    """Paths absolute and normalised without resolving symlinks (DuckLake compares its data path as text)."""
    return os.path.normpath(value.absolute()) if isinstance(value, Path) else str(value)


@contextmanager
def patched_environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set ``values`` for the duration of a block, then restore the previous environment.

    Other ``LAKEHOUSE_<SETTING>`` variables are hidden meanwhile, so dbt sees exactly the caller's settings
    (LAKEHOUSE_BQ_* and other non-setting variables pass through).
    """
    settings_vars = {ENV_PREFIX + name.upper() for name in Settings.model_fields}
    hidden = [key for key in os.environ if key in settings_vars and key not in values]
    saved = {key: os.environ.get(key) for key in [*values, *hidden]}
    for key in hidden:
        del os.environ[key]
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old
