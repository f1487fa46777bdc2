"""Where a compiled policy goes on BigQuery: the project and location are settings, not policy.

``Settings.bigquery`` is the one place for the project and location (publish and dbt's bigquery target read
it too); the policy's ``bigquery:`` block keeps what is about access: the taxonomy, the routine dataset and
the domain of the grantees. A policy written before may still carry ``project`` / ``location``: they must
then agree with the settings, else ``PolicyError`` names both places and the fix.
"""

from __future__ import annotations

from catalog.access.policy import Policy, PolicyError
from lakehouse.bigquery_settings import env_name
from lakehouse.errors import SettingsError
from lakehouse.settings import Settings

#: keys of the policy's bigquery block that are settings now (kept readable for old policies)
MOVED = ("project", "location")


def with_bigquery_settings(policy: Policy, settings: Settings, *, source: str) -> Policy:
    """``policy`` with its BigQuery project and location taken from ``settings.bigquery``."""
    bigquery = settings.bigquery
    if not bigquery.project:
        raise SettingsError(
            "no BigQuery project to compile the access policy for",
            hint=f"looked at: {settings.looked_at('bigquery.project')}; set {env_name('project')} or "
            "[lakehouse.bigquery] project in lakehouse.toml",
        )
    # Data Catalog and Data Policy resource names spell locations in lower case (us, eu, europe-west1)
    wanted = {"project": bigquery.project, "location": bigquery.location.lower()}
    for key in MOVED:
        if key in policy.bigquery.model_fields_set:
            written = getattr(policy.bigquery, key)
            if str(written).lower() != wanted[key].lower():
                raise PolicyError(
                    f"{source}: bigquery.{key} is {written!r} but the setting bigquery.{key} is "
                    f"{getattr(bigquery, key)!r} (from {settings.origin('bigquery.' + key)})",
                    hint=f"the BigQuery {key} is a setting now: set it in [lakehouse.bigquery] or "
                    f"{env_name(key)}, and delete it from the policy",
                )
    return policy.model_copy(update={"bigquery": policy.bigquery.model_copy(update=wanted)})
