"""Where and how to publish on BigQuery: resolved from arguments, else the same LAKEHOUSE_BQ_* environment
variables that dbt_project/profiles.yml reads (so dbt's BigQuery target finds the tables publish loaded)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from lakehouse.errors import SettingsError, UsageError

#: write dispositions by CLI name
WRITE_DISPOSITIONS = {"truncate": "WRITE_TRUNCATE", "append": "WRITE_APPEND", "empty": "WRITE_EMPTY"}
#: authentication methods, as in dbt-bigquery's profile
METHODS = ("oauth", "service-account", "oauth-secrets")


@dataclass(frozen=True)
class BigQueryTarget:
    project: str
    dataset: str = "lake"
    location: str = "US"
    method: str = "oauth"
    keyfile: str | None = None
    token: str | None = field(default=None, repr=False)
    api_endpoint: str | None = None
    write_disposition: str = "WRITE_TRUNCATE"

    @property
    def dataset_id(self) -> str:
        return f"{self.project}.{self.dataset}"


def resolve_target(
    *,
    project: str | None = None,
    dataset: str | None = None,
    location: str | None = None,
    write_disposition: str = "truncate",
    env: Mapping[str, str] | None = None,
) -> BigQueryTarget:
    """Arguments > LAKEHOUSE_BQ_* environment > defaults; a missing project or bad value raises."""
    env = os.environ if env is None else env
    project = project or env.get("LAKEHOUSE_BQ_PROJECT")
    if not project:
        raise SettingsError(
            "no BigQuery project to publish to",
            hint="pass --project or set LAKEHOUSE_BQ_PROJECT (and credentials: LAKEHOUSE_BQ_KEYFILE or gcloud ADC)",
        )
    method = env.get("LAKEHOUSE_BQ_METHOD", "oauth")
    if method not in METHODS:
        raise SettingsError(
            f"unknown BigQuery method {method!r} in environment variable LAKEHOUSE_BQ_METHOD",
            hint="valid: " + ", ".join(METHODS),
        )
    if write_disposition not in WRITE_DISPOSITIONS:
        raise UsageError(
            f"unknown write disposition {write_disposition!r}", hint="valid: " + ", ".join(WRITE_DISPOSITIONS)
        )
    keyfile = env.get("LAKEHOUSE_BQ_KEYFILE") or None
    if method == "service-account" and not keyfile:
        raise SettingsError(
            "LAKEHOUSE_BQ_METHOD=service-account needs LAKEHOUSE_BQ_KEYFILE (a JSON key file)"
        )
    return BigQueryTarget(
        project=project,
        dataset=dataset or env.get("LAKEHOUSE_BQ_LAKE_DATASET") or "lake",
        location=location or env.get("LAKEHOUSE_BQ_LOCATION") or "US",
        method=method,
        keyfile=keyfile,
        token=env.get("LAKEHOUSE_BQ_TOKEN") or None,
        api_endpoint=env.get("LAKEHOUSE_BQ_API_ENDPOINT") or None,
        write_disposition=WRITE_DISPOSITIONS[write_disposition],
    )
