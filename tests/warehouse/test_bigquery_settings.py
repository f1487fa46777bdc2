"""One BigQuery settings object: publish, the environment dbt's bigquery target gets, and `access compile`
read the same values from one lakehouse.toml, and the token never shows.

BigQuery itself is tests/warehouse/bigquery_fake.py (a local HTTP endpoint speaking its REST shape): the test
checks the requests google-cloud-bigquery really sends. dbt runs for real (`dbt parse --target bigquery`,
which needs no connection), and the policy is really compiled.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from catalog.access import compile_bigquery
from lakehouse.bigquery_settings import BigQuerySettings
from lakehouse.errors import LakehouseError, SettingsError
from lakehouse.settings import Settings, load_settings
from tests.conftest import SAMPLE_PROJECT
from tests.warehouse.bigquery_fake import FakeBigQuery
from warehouse.dbt import run_dbt
from warehouse.dbt.environment import settings_environment
from warehouse.dbt.sources import NEW_SOURCE
from warehouse.publish import publish

pytestmark = pytest.mark.integration

SECRET = "ya29.NEVER-SHOWN-token"
TOML = """
[lakehouse]
threads = 2

[lakehouse.bigquery]
project = "acme-analytics"
dataset = "acme_models"
lake_dataset = "acme_lake"
location = "EU"
method = "oauth-secrets"
token = "{secret}"
api_endpoint = "{endpoint}"
"""


@pytest.fixture
def fake() -> Iterator[FakeBigQuery]:
    with FakeBigQuery() as server:
        yield server


@pytest.fixture
def toml_settings(lake_settings: Settings, fake: FakeBigQuery, tmp_path: Path) -> Settings:
    """The fixture lake, with every BigQuery value from one lakehouse.toml (and no environment)."""
    (tmp_path / "lakehouse.toml").write_text(
        TOML.format(secret=SECRET, endpoint=fake.endpoint), encoding="utf-8"
    )
    return load_settings({"home": lake_settings.home, **SAMPLE_PROJECT}, env={}, cwd=tmp_path)


def test_publish_dbt_and_compile_read_one_lakehouse_toml(
    toml_settings: Settings, fake: FakeBigQuery, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)

    # dbt: the environment the runner hands to profiles.yml, and what dbt makes of it
    env = settings_environment(toml_settings, "bigquery")
    assert {key: env[key] for key in env if key.startswith("LAKEHOUSE_BQ_")} == {
        "LAKEHOUSE_BQ_PROJECT": "acme-analytics",
        "LAKEHOUSE_BQ_DATASET": "acme_models",
        "LAKEHOUSE_BQ_LAKE_DATASET": "acme_lake",
        "LAKEHOUSE_BQ_LOCATION": "EU",
        "LAKEHOUSE_BQ_METHOD": "oauth-secrets",
        "LAKEHOUSE_BQ_TOKEN": SECRET,
        "LAKEHOUSE_BQ_API_ENDPOINT": fake.endpoint,
    }
    dev = settings_environment(toml_settings, "dev")
    assert (
        "LAKEHOUSE_BQ_TOKEN" not in dev and dev["LAKEHOUSE_BQ_PROJECT"] == "acme-analytics"
    )  # no credentials
    report = run_dbt(toml_settings, "parse", target="bigquery", target_path=tmp_path / "dbt")
    assert report.success
    manifest = json.loads((tmp_path / "dbt" / "manifest.json").read_text(encoding="utf-8"))
    sources = [s for s in manifest["sources"].values() if s["source_name"] == "lake"]
    assert sources and {(s["database"], s["schema"]) for s in sources} == {("acme-analytics", "acme_lake")}
    models = [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]
    assert {n["database"] for n in models} == {"acme-analytics"}

    # publish: the requests google-cloud-bigquery sends
    published = publish(toml_settings, "bigquery", tables=["orders"])
    assert published.dataset == "acme-analytics.acme_lake"
    assert fake.state.datasets["acme-analytics.acme_lake"]["location"] == "EU"
    job = next(iter(fake.state.jobs.values())).configuration["load"]["destinationTable"]
    assert (job["projectId"], job["datasetId"], job["tableId"]) == ("acme-analytics", "acme_lake", "orders")

    # access compile: the DDL and the policy tags
    compiled = compile_bigquery(toml_settings)
    assert "`acme-analytics`.`lake`.`customers`" in compiled.ddl
    assert compiled.data_policies["taxonomy"]["name"].startswith("projects/acme-analytics/locations/eu/")

    # the token: only in the environment handed to dbt's bigquery target
    dbt_log = (tmp_path / "dbt" / "logs" / "dbt.log").read_text(encoding="utf-8")
    for text in (repr(toml_settings), caplog.text, dbt_log, str(published), compiled.ddl):
        assert SECRET not in text


def test_a_policy_that_still_names_another_project_fails_clearly(
    toml_settings: Settings, tmp_path: Path
) -> None:
    policy = tmp_path / "policy.yml"
    policy.write_text(
        toml_settings.policy_file.read_text(encoding="utf-8").replace(
            "bigquery:\n", "bigquery:\n  project: lakehouse-demo\n"
        ),
        encoding="utf-8",
    )
    settings = toml_settings.with_values("the test", policy_file=policy)
    with pytest.raises(
        LakehouseError,
        match=r"policy.yml: bigquery.project is 'lakehouse-demo' but the setting bigquery.project is "
        rf"'acme-analytics' \(from {tmp_path}/lakehouse.toml \(key 'bigquery.project'\)\).*delete it from the policy",
    ):
        compile_bigquery(settings)
    agreeing = policy.read_text(encoding="utf-8").replace("lakehouse-demo", "acme-analytics")
    policy.write_text(agreeing, encoding="utf-8")
    assert "`acme-analytics`" in compile_bigquery(settings).ddl  # one that agrees still compiles


def test_a_missing_credential_is_named_without_a_secret(toml_settings: Settings) -> None:
    settings = toml_settings.with_values(
        "the test", bigquery=toml_settings.bigquery.merged(method="service-account").model_dump()
    )
    with pytest.raises(
        SettingsError, match=r"BigQuery method 'service-account' .* needs LAKEHOUSE_BQ_KEYFILE"
    ) as raised:
        publish(settings, "bigquery")
    assert SECRET not in str(raised.value)


def test_no_project_is_named_with_every_place_looked_at(lake_settings: Settings) -> None:
    assert lake_settings.bigquery.project is None
    with pytest.raises(
        SettingsError, match=r"no BigQuery project to compile the access policy for.*LAKEHOUSE_BQ_PROJECT"
    ):
        compile_bigquery(lake_settings)


#: profiles.yml needs some project to parse offline; this placeholder is not a default anything uses
PROFILE_PLACEHOLDERS = {"project": "lakehouse-offline"}
#: what the profile spells for "unset" (the google client's own default for the endpoint)
PROFILE_UNSET = {"keyfile": "", "token": "", "api_endpoint": "https://bigquery.googleapis.com"}


def test_profile_and_sources_fall_back_to_the_settings_defaults() -> None:
    """One default per value: where dbt reads LAKEHOUSE_BQ_* on its own, its fallbacks are BigQuerySettings'."""
    profile = (SAMPLE_PROJECT["dbt_project_dir"] / "profiles.yml").read_text(encoding="utf-8")
    sources = (SAMPLE_PROJECT["dbt_project_dir"] / "models" / "staging" / "sources.yml").read_text(
        encoding="utf-8"
    )
    pattern = r"env_var\(\s*'{1,2}LAKEHOUSE_BQ_(\w+)'{1,2}\s*,\s*'{1,2}([^']*)'{1,2}\s*\)"
    found = re.findall(pattern, profile + sources + NEW_SOURCE["schema"])
    assert {name.lower() for name, _ in found} >= {"project", "dataset", "lake_dataset", "location", "method"}
    defaults = BigQuerySettings.model_validate({})
    for name, fallback in found:
        field = name.lower()
        if field in PROFILE_PLACEHOLDERS:
            assert fallback == PROFILE_PLACEHOLDERS[field]
        elif field in PROFILE_UNSET:
            assert getattr(defaults, field) is None and fallback == PROFILE_UNSET[field], field
        else:
            assert fallback == getattr(defaults, field), field


def test_dbt_on_bigquery_without_a_project_says_where_it_looked(
    lake_settings: Settings, tmp_path: Path
) -> None:
    with pytest.raises(
        SettingsError,
        match=r"dbt compile --target bigquery needs a BigQuery project.*looked at: LAKEHOUSE_BQ_PROJECT",
    ):
        run_dbt(lake_settings, "compile", target="bigquery", target_path=tmp_path)
