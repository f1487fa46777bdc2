"""A model the warehouse keeps several versions of is one catalog entry that lists them.

Real producers: ``lakehouse sql`` trains ``ml.churn``, two real ``lakehouse ml retrain`` runs keep versions
beside it (the first promotes its challenger, the second, with a huge margin, keeps its own), and
``lakehouse catalog refresh`` reads the registry. The expected versions are read from the producer
(``warehouse.ml.versions.list_versions``) and the retrain reports the CLI printed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

import warehouse
from catalog.access import Principal
from lakehouse.settings import Settings, load_settings
from lakehouse.ui import create_app
from tests.conftest import CliResult
from tests.warehouse.retrain.test_loop import NEW, OLD
from warehouse.ml import versions

CREATE = "CREATE MODEL ml.churn OPTIONS(model_type='linear_reg', input_label_cols=['y']) AS SELECT x, kind, y FROM d"
#: val may use ml.churn; otto may use no model
POLICY = """\
version: 1
roles:
  viewer: {description: "uses the churn model"}
  outsider: {description: "uses no model"}
users:
  val: {email: val@example.com, roles: [viewer]}
  otto: {email: otto@example.com, roles: [outsider]}
grants:
  - to: [role:viewer]
    models: [ml.churn]
  - to: [role:outsider]
    tables: [main.d]
"""


@pytest.fixture
def retrained(
    cli: Callable[..., CliResult], home: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Settings, list[dict[str, Any]]]:
    """A home whose ml.churn was retrained twice (promoted, then kept), its catalog refreshed; the two
    retrain reports."""
    policy = home.parent / "policy.yml"
    policy.write_text(POLICY, encoding="utf-8")
    monkeypatch.setenv("LAKEHOUSE_POLICY_FILE", str(policy))
    for statement in (OLD, CREATE, NEW):
        assert cli("sql", statement).code == 0
    reports = [
        cli("ml", "retrain", "ml.churn", "--json").json(),
        cli("ml", "retrain", "ml.churn", "--force", "--margin", "1e6", "--json").json(),
    ]
    assert [(r["retrained"], r["promoted"]) for r in reports] == [(True, True), (True, False)]
    refreshed = cli("catalog", "refresh")
    assert refreshed.code == 0, refreshed.err
    return load_settings({"home": home, "threads": 2}), reports


def _versions_table(page: str) -> list[str]:
    found = re.search(r'<table id="versions">.*?<tbody>(.*?)</tbody>', page, re.S)
    assert found, page
    return re.findall(r"<tr[^>]*>(.*?)</tr>", found[1], re.S)


def _kept(settings: Settings) -> list[versions.Version]:
    con = warehouse.connect(settings, read_only=True, lake=False)
    try:
        return versions.list_versions(con, "ml", "churn")
    finally:
        con.close()


def test_one_model_lists_each_version_with_its_decision(
    retrained: tuple[Settings, list], cli: Callable[..., CliResult]
) -> None:
    """Search finds the model once (also by a kept version's name); show --json lists the versions."""
    settings, (promoted, kept) = retrained
    assert len(_kept(settings)) == 3  # the registry keeps three versions ...
    for query in ("churn", "type=model", "ml.churn__v1", "churn__v3"):  # ... the catalog one model
        hits = cli("catalog", "search", query, "--limit", "100", "--json").json()["hits"]
        assert [h["name"] for h in hits if "churn" in h["name"]] == ["ml.churn"], query
        assert query == "type=model" or len(hits) == 1, query  # other models may come with the sample project
    shown = cli("catalog", "show", "ml.churn", "--json").json()["dataset"]
    listed = shown["properties"]["versions"]
    expected = _kept(settings)
    assert [(v["version"], v["stored_as"], v["default"], v["aliases"]) for v in listed] == [
        (v.version, v.stored_as, v.is_default, v.aliases) for v in expected
    ]
    assert [v["version"] for v in listed if v["default"]] == [promoted["challenger"]["version"]] == [2]
    assert [v["metrics"] for v in listed] == [v.metrics for v in expected]
    assert all(v["created_at"] for v in listed)
    decisions = {v["version"]: (v["decision"], v["reason"], v["compared"]) for v in listed}
    assert decisions == {
        1: (None, None, None),  # trained by CREATE MODEL, not by a retrain
        2: ("promoted", promoted["reason"], promoted["metric"]),
        3: ("kept", kept["reason"], kept["metric"]),
    }
    assert listed[2]["holdout_metrics"] == kept["challenger"]["metrics"]
    # a kept version's name shows its model; the text output has the versions table
    assert cli("catalog", "show", "ml.churn__v3", "--json").json()["dataset"]["name"] == "ml.churn"
    text = cli("catalog", "show", "churn").out
    assert "versions (default serves)" in text and "ml.churn__v3" in text and "promoted" in text


def test_the_model_page_shows_the_versions_a_principal_may_see(
    retrained: tuple[Settings, list], cli: Callable[..., CliResult]
) -> None:
    """The page's versions table comes from the catalog; a principal who cannot see the model finds neither
    it nor its versions (CLI and page)."""
    settings, (promoted, _) = retrained
    for name in ("ml.churn", "ml.churn__v1", "churn__v3"):
        denied = cli("catalog", "show", name, "--user", "otto")
        assert denied.code == 1 and f"no dataset {name!r}" in denied.err, denied.err
        assert "ml.churn" not in denied.err.replace(repr(name), "")  # no "did you mean"
        assert cli("catalog", "search", name, "--user", "otto", "--json").json()["hits"] == []
    allowed = cli("catalog", "show", "ml.churn__v1", "--user", "val", "--json").json()["dataset"]
    assert [v["version"] for v in allowed["properties"]["versions"]] == [1, 2, 3]
    admin = TestClient(create_app(settings, None), base_url="http://127.0.0.1")
    rows = _versions_table(admin.get("/model/ml.churn").text)
    assert len(rows) == 3
    assert "<td>promoted</td>" in rows[1] and promoted["reason"] in rows[1].replace("&gt;", ">")
    assert "<td>kept</td>" in rows[2]
    version_page = admin.get("/model/ml.churn__v3").text  # a kept version: its model's page, called on it
    assert 'id="shown-version">version 3 (ml.churn__v3)' in version_page
    assert 'hx-get="/model/ml.churn__v3/EVALUATE"' in version_page
    assert len(_versions_table(version_page)) == 3
    section = admin.get("/model/ml.churn__v3/EVALUATE").text
    assert "r2_score" in section
    outsider = TestClient(create_app(settings, Principal.of(user="otto")), base_url="http://127.0.0.1")
    for name in ("ml.churn", "ml.churn__v3"):
        assert outsider.get(f"/model/{name}").status_code == 404
