"""The environment a dbt invocation runs in: the caller's settings, spelled as LAKEHOUSE_* variables.

``profiles.yml`` and the dbt-duckdb plugin read the lake and warehouse locations from the environment, and
the ``bigquery`` target reads ``Settings.bigquery`` as ``LAKEHOUSE_BQ_*`` (so do the sources, for the lake's
dataset). The settings a Python caller resolved (flags, lakehouse.toml, environment) are exported for the
duration of the call and the previous environment restored afterwards. The BigQuery token and key file
travel only to the ``bigquery`` target.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from lakehouse.bigquery_settings import SECRET_FIELDS, BigQuerySettings, env_name
from lakehouse.frozen import SecretStr
from lakehouse.settings import ENV_PREFIX, Settings

#: settings that dbt never needs (and secrets that must not travel further than necessary); the nested
#: BigQuery settings are exported by ``bigquery_environment``
NOT_EXPORTED = frozenset(
    {
        "lake_encryption_key",
        "dbt_project_dir",
        "quality_suites_dir",
        "policy_file",
        "metadata_file",
        "seed",
        "bigquery",
    }
)
#: the profile target that talks to BigQuery (and the only one that gets its credentials)
BIGQUERY_TARGET = "bigquery"


def settings_environment(settings: Settings, target: str = "dev") -> dict[str, str]:
    """LAKEHOUSE_* variables that reproduce ``settings`` for profiles.yml and the dbt plugin."""
    env: dict[str, str] = {}
    for name in _names(Settings):
        value = getattr(settings, name)
        if name in NOT_EXPORTED or value is None:
            continue
        # the S3 keys: the plugin attaches the lake on object storage with the caller's credentials
        env[ENV_PREFIX + name.upper()] = (
            value.get_secret_value() if isinstance(value, SecretStr) else _text(value)
        )
    env[ENV_PREFIX + "WAREHOUSE_PATH"] = _text(settings.warehouse_file)
    env.update(bigquery_environment(settings.bigquery, credentials=target == BIGQUERY_TARGET))
    return env


def bigquery_environment(bigquery: BigQuerySettings, *, credentials: bool) -> dict[str, str]:
    """``LAKEHOUSE_BQ_*`` as profiles.yml's bigquery target reads them (token and key file if ``credentials``)."""
    env: dict[str, str] = {}
    for field in _names(BigQuerySettings):
        value = getattr(bigquery, field)
        if value is None or (field in SECRET_FIELDS and not credentials):
            continue
        env[env_name(field)] = value.get_secret_value() if isinstance(value, SecretStr) else _text(value)
    return env


def _names(cls: type) -> list[str]:
    """The settings' field names, in declaration order."""
    return [f.name for f in dataclasses.fields(cls)]


def _text(value: object) -> str:
    """Paths absolute and normalised without resolving symlinks (DuckLake compares its data path as text)."""
    return os.path.normpath(value.absolute()) if isinstance(value, Path) else str(value)


@contextmanager
def patched_environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set ``values`` for the duration of a block, then restore the previous environment.

    Other ``LAKEHOUSE_<SETTING>`` and ``LAKEHOUSE_BQ_<SETTING>`` variables are hidden meanwhile, so dbt sees
    exactly the caller's settings (variables that are not settings, e.g. LAKEHOUSE_DBT_TARGET, pass through).
    """
    settings_vars = {ENV_PREFIX + name.upper() for name in _names(Settings)} | {
        env_name(field) for field in _names(BigQuerySettings)
    }
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
