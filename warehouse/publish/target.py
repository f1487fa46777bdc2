"""Where and how to publish on BigQuery: ``Settings.bigquery`` (the one BigQuery settings object, which also
feeds dbt's bigquery target and ``access compile``), with the publish command's flags on top.

The lake goes to ``bigquery.lake_dataset`` (default ``lake``), the dataset dbt's sources read. A missing
project, or a credentials method without its key file or token, is an error naming every place looked at.
"""

from __future__ import annotations

from dataclasses import dataclass

from lakehouse.bigquery_settings import BigQuerySettings, env_name
from lakehouse.errors import SettingsError, UsageError
from lakehouse.settings import Settings

#: write dispositions by CLI name
WRITE_DISPOSITIONS = {"truncate": "WRITE_TRUNCATE", "append": "WRITE_APPEND", "empty": "WRITE_EMPTY"}


@dataclass(frozen=True)
class PublishTarget:
    """The BigQuery settings to publish with (project set, credentials complete) and the write disposition."""

    bigquery: BigQuerySettings
    write_disposition: str = "WRITE_TRUNCATE"

    @property
    def dataset_id(self) -> str:
        return self.bigquery.lake_dataset_id

    @property
    def location(self) -> str:
        return self.bigquery.location


def resolve_target(
    settings: Settings,
    *,
    project: str | None = None,
    dataset: str | None = None,
    location: str | None = None,
    write_disposition: str = "truncate",
) -> PublishTarget:
    """``settings.bigquery`` with the flags given (``dataset`` is the lake's dataset); check what publish needs."""
    if write_disposition not in WRITE_DISPOSITIONS:
        raise UsageError(
            f"unknown write disposition {write_disposition!r}", hint="valid: " + ", ".join(WRITE_DISPOSITIONS)
        )
    bigquery = settings.bigquery.merged(project=project, lake_dataset=dataset, location=location)
    if not bigquery.project:
        raise SettingsError(
            "no BigQuery project to publish to",
            hint=f"looked at: --project, {settings.looked_at('bigquery.project')}; pass --project, or set "
            f"{env_name('project')} or [lakehouse.bigquery] project in lakehouse.toml (and credentials: "
            f"{env_name('keyfile')} or gcloud ADC)",
        )
    needed = bigquery.missing_credential()
    if needed is not None:
        raise SettingsError(
            f"BigQuery method {bigquery.method!r} (from {settings.origin('bigquery.method')}) needs "
            f"{env_name(needed)}",
            hint=f"looked at: {settings.looked_at('bigquery.' + needed)}",
        )
    return PublishTarget(bigquery, WRITE_DISPOSITIONS[write_disposition])
