"""The BigQuery settings: one typed, frozen object, ``Settings.bigquery``.

Three consumers read it and nothing else: ``lakehouse publish`` (where the lake is loaded), the environment
the dbt runner hands to ``dbt_project/profiles.yml`` for the ``bigquery`` target (``LAKEHOUSE_BQ_*``), and
``lakehouse access compile`` (the project and location of the compiled DDL and policy tags). It resolves like
every setting: flag > ``LAKEHOUSE_BQ_<NAME>`` > ``[lakehouse.bigquery]`` in lakehouse.toml > the defaults
below, which are the only defaults (profiles.yml's ``env_var`` fallbacks repeat them, checked by a test).

The token is a ``SecretStr`` and the key file path is left out of ``repr``: neither is logged, printed or
put in an error message. A value that is missing (no project, a method without its credential) is an error
only when a command needs BigQuery, never at start-up.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from lakehouse.frozen import FrozenModel, SecretStr, setting, settings_class

#: environment variables of the BigQuery settings: LAKEHOUSE_BQ_<FIELD>
ENV_PREFIX = "LAKEHOUSE_BQ_"
#: authentication methods, as in dbt-bigquery's profile
Method = Literal["oauth", "service-account", "oauth-secrets"]
#: what each method needs besides itself
NEEDS: dict[str, str | None] = {"oauth": None, "service-account": "keyfile", "oauth-secrets": "token"}
#: fields never shown: not in repr, not in error messages, not in logs
SECRET_FIELDS = frozenset({"token", "keyfile"})


@settings_class
class BigQuerySettings(FrozenModel):
    """Where and how the project talks to BigQuery."""

    project: str | None = setting(
        default=None,
        description="Google Cloud project (needed by publish, dbt's bigquery target, access compile)",
    )
    dataset: str = setting(
        default="lakehouse", description="dbt's target dataset (models go to DATASET_<schema>)"
    )
    lake_dataset: str = setting(
        default="lake", description="the dataset publish loads the lake into; dbt's sources"
    )
    location: str = setting(
        default="US", description="BigQuery location of the datasets, e.g. US, EU, europe-west1"
    )
    method: Method = setting(
        default="oauth", description="credentials: oauth (gcloud ADC), service-account, oauth-secrets"
    )
    keyfile: Path | None = setting(default=None, repr=False, description="service-account JSON key file")
    token: SecretStr | None = setting(
        default=None, description="an OAuth access token (method oauth-secrets)"
    )
    api_endpoint: str | None = setting(
        default=None, description="another BigQuery endpoint (the offline tests' fake)"
    )

    @property
    def lake_dataset_id(self) -> str:
        """``project.lake_dataset`` (the project must be set)."""
        return f"{self.project}.{self.lake_dataset}"

    def token_value(self) -> str | None:
        """The token in clear, for the one place that hands it to a client (never log it)."""
        return self.token.get_secret_value() if self.token is not None else None

    def merged(self, **values: object) -> BigQuerySettings:
        """A copy with the given values (``None`` leaves a value as it is), validated again."""
        given = {key: value for key, value in values.items() if value is not None}
        return type(self).model_validate({**self.model_dump(), **given}) if given else self

    def missing_credential(self) -> str | None:
        """The field the method needs but that is unset (``keyfile`` or ``token``), else None."""
        needed = NEEDS[self.method]
        return needed if needed is not None and getattr(self, needed) is None else None


def env_name(field: str) -> str:
    """The environment variable of a BigQuery setting: ``project`` -> ``LAKEHOUSE_BQ_PROJECT``."""
    return ENV_PREFIX + field.upper()
