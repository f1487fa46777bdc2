"""The demo lake once per session, plus what the web page must survive: hostile names and values, two models.

``demo_settings`` runs ``lakehouse demo`` (the real pipeline: ingest, GX, dbt, k-means, catalog),
then ingests ``HOSTILE`` (a CSV whose header and values are markup, quotes and non-ASCII) and trains a
logistic regression with the real CREATE MODEL, so the model page has weights, a confusion matrix and
a ROC curve to show, and the same regression tuned (its trials). Tests only read it (the audit log grows).
It is built once per run and copied to each pytest-xdist worker (``tests.conftest.built_once``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from starlette.testclient import TestClient

import warehouse
from catalog.access import Principal
from lakehouse.settings import Settings, load_settings
from lakehouse.ui import create_app
from lakehouse.wiring.demo import run_demo
from lakehouse.wiring.pipeline import ingest, models_changed
from lakehouse.wiring.policy import with_policy_decisions
from tests.conftest import SAMPLE_PROJECT, built_once

SCRIPT = '<script>alert("x")</script>'
IMG = "<img src=x onerror=alert(1)>"
HOSTILE = f'id,{SCRIPT},naïve "quoted",Größe\n1,{IMG},"it\'s ""here""",ü\n2,b,c,d\n'
PREMIUM = (
    "CREATE MODEL ml.premium OPTIONS (model_type = 'logistic_reg', input_label_cols = ['premium']) AS "
    "SELECT annual_income, spending_score, age, loyalty_tier IN ('gold', 'platinum') AS premium FROM lake.customers"
)
#: the same model tuned (two grid trials), for the model page's trials
PREMIUM_TUNED = PREMIUM.replace("ml.premium", "ml.premium_tuned").replace(
    "input_label_cols = ['premium']",
    "input_label_cols = ['premium'], num_trials = 2, hparam_tuning_algorithm = 'GRID_SEARCH', "
    "l2_reg = HPARAM_CANDIDATES([0.1, 10.0])",
)


def build_demo(home: Path) -> None:
    """The demo in ``home``, then the hostile dataset and the two logistic regressions."""
    loaded = load_settings({"home": home, "threads": 2, **SAMPLE_PROJECT}, env={}, cwd=home.parent)
    report = run_demo(loaded)
    assert report.ok, [step.lines for step in report.steps]
    settings = with_policy_decisions(loaded)
    hostile = home.parent / "hostile.csv"
    hostile.write_text(HOSTILE, encoding="utf-8")
    ingest(settings, [hostile], "hostile")
    con = warehouse.connect(settings)
    try:
        warehouse.execute(con, PREMIUM)
        warehouse.execute(con, PREMIUM_TUNED)
    finally:
        con.close()
    models_changed(settings)


@pytest.fixture(scope="session")
def demo_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings for this worker's copy of the home ``build_demo`` made (built once per run)."""
    home = built_once(tmp_path_factory, "ui_home", build_demo)
    loaded = load_settings({"home": home, "threads": 2, **SAMPLE_PROJECT}, env={}, cwd=home.parent)
    return with_policy_decisions(loaded)


@pytest.fixture(scope="session")
def client_for(demo_settings: Settings) -> Callable[..., TestClient]:
    """A test client of the page as a principal (``user=None``: the administrator)."""

    def make(user: str | None = None, roles: tuple[str, ...] = ()) -> TestClient:
        principal = None if user is None and not roles else Principal.of(user=user, roles=roles)
        return TestClient(create_app(demo_settings, principal), base_url="http://127.0.0.1")

    return make


@pytest.fixture(scope="session")
def admin(client_for: Callable[..., TestClient]) -> TestClient:
    return client_for()


@pytest.fixture(scope="session")
def ana(client_for: Callable[..., TestClient]) -> TestClient:
    """The analyst: customer contact details masked (last four characters), names denied."""
    return client_for("ana")
