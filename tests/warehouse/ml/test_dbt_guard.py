"""``promote_if_better`` on the dbt ``model`` materialization: real ``dbt run``s train a linear model on data
whose slope a dbt var sets; the hold-out (a dbt model) has slope 3. The first build promotes; a worse
challenger is kept as a version beside the champion; a better one takes ``default``; every decision is a row
of ``ml._retrain_decisions``; a bad config fails the model with one line naming it and the option."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from lakehouse.errors import UsageError
from tests.warehouse.ml.test_dbt_hook import run_dbt, scaffold
from warehouse.dbt.bigquery_check import DUCKDB_ONLY_CONFIGS, check_manifest
from warehouse.ml import registry, versions
from warehouse.retrain import guard as dbt_guard
from warehouse.retrain.loop import decisions

#: the training rows: y = slope * x (+ a little deterministic noise); `--vars '{slope: 2}'` sets the slope
TRAINING = (
    "{{ config(materialized='table') }}\n"
    "select i / 100 as x, {{ var('slope', 3) }} * i / 100 + sin(i) / 20 as y from range(300) r(i)"
)
#: the hold-out rows: slope 3 on other x
HOLDOUT = "{{ config(materialized='table') }}\nselect 0.005 + i / 50 as x, 3 * (0.005 + i / 50) as y from range(100) r(i)"
GUARD = "{'metric': 'r2_score', 'margin': 0.01, 'holdout': 'holdout'}"


def _model(guard: str | None) -> str:
    config = "materialized='model', ml_config={'model_type': 'linear_reg', 'input_label_cols': ['y']}"
    if guard is not None:
        config += f", promote_if_better={guard}"
    return (
        "-- depends_on: {{ ref('holdout') }}\n"
        f"{{{{ config({config}) }}}}\n"
        "select x, y from {{ ref('training') }}"
    )


def _project(root: Path, guard: str | None = GUARD) -> None:
    scaffold(root)
    (root / "models" / "training.sql").write_text(TRAINING)
    (root / "models" / "holdout.sql").write_text(HOLDOUT)
    (root / "models" / "ml" / "r.sql").write_text(_model(guard))


def _run(root: Path, monkeypatch: pytest.MonkeyPatch, slope: float) -> None:
    result = run_dbt(root, monkeypatch, "run", "--vars", f"{{slope: {slope}}}")
    assert result.success, result.exception or [r.message for r in result.result]


def _state(root: Path) -> tuple[list[tuple[int, list[str]]], list[dict]]:
    """(version, aliases) of ml.r, and its recorded decisions (newest first)."""
    con = duckdb.connect(str(root / "warehouse.duckdb"))
    try:
        kept = [(v.version, v.aliases) for v in versions.list_versions(con, "ml", "r")]
        return kept, decisions(con, "ml.r")
    finally:
        con.close()


@pytest.mark.integration
def test_a_worse_challenger_is_kept_beside_the_champion_and_a_better_one_promoted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "project"
    _project(root)
    _run(root, monkeypatch, slope=2)  # first build: no champion, promoted
    kept, made = _state(root)
    assert kept == [(1, ["default"])]
    assert [(d["promoted"], d["reason"]) for d in made] == [
        (True, "promoted: the first version (no champion)")
    ]
    assert made[0]["metric"] == "r2_score" and made[0]["challenger"]["version"] == 1

    _run(root, monkeypatch, slope=-3)  # a worse challenger: the champion keeps `default`
    kept, made = _state(root)
    assert kept == [(1, ["default"]), (2, [])]
    last = made[0]
    assert (last["model"], last["retrained"], last["promoted"], last["margin"]) == ("ml.r", True, False, 0.01)
    assert last["reason"].startswith("kept: r2_score") and last["reason"].endswith("the challenger is worse")
    assert (last["champion"]["name"], last["challenger"]["name"]) == ("ml.r", "ml.r__v2")
    assert last["challenger"]["metrics"]["r2_score"] < last["champion"]["metrics"]["r2_score"]

    _run(root, monkeypatch, slope=3)  # a better challenger takes `default`; every version is kept
    kept, made = _state(root)
    assert kept == [(1, []), (2, []), (3, ["default"])]
    last = made[0]
    assert last["promoted"] and last["reason"].startswith("promoted: r2_score")
    assert (last["champion"]["name"], last["challenger"]["name"]) == ("ml.r__v1", "ml.r")
    assert len(made) == 3


@pytest.mark.integration
@pytest.mark.parametrize(
    ("guard", "message"),
    [
        (
            "{'metric': 'r3_score', 'holdout': 'holdout'}",
            "dbt model ml.r: promote_if_better.metric = 'r3_score' is not an ML.EVALUATE metric",
        ),
        (
            "{'metric': 'roc_auc', 'holdout': 'holdout'}",
            "dbt model ml.r: promote_if_better.metric = 'roc_auc': ML.EVALUATE of a LINEAR_REG model has no such value",
        ),
        (
            "{'metric': 'r2_score', 'margin': -0.1, 'holdout': 'holdout'}",
            "dbt model ml.r: promote_if_better.margin = -0.1 must be a number >= 0",
        ),
        ("{'metric': 'r2_score'}", "dbt model ml.r: promote_if_better.holdout is missing"),
        (
            "{'holdout': 'select * from main.nowhere'}",
            "dbt model ml.r: promote_if_better.holdout cannot be read: Catalog Error: Table with name nowhere",
        ),
    ],
)
def test_a_bad_config_fails_the_model_naming_it_and_the_option(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, guard: str, message: str
) -> None:
    root = tmp_path / "project"
    _project(root, guard)
    result = run_dbt(root, monkeypatch, "run")
    assert not result.success
    failed = [r for r in result.result if r.status == "error"]
    assert [r.node.name for r in failed] == ["r"]
    lines = failed[0].message.strip().splitlines()  # dbt's header, our one line, dbt's macro stack
    assert lines[0] == "Compilation Error in model r (models/ml/r.sql)"
    assert lines[1].strip().startswith(message), lines[1]
    assert "Traceback" not in failed[0].message
    con = duckdb.connect(str(root / "warehouse.duckdb"))
    try:  # nothing is left behind: no model, no challenger
        assert not registry.present(con) or con.execute("SELECT name FROM ml._models").fetchall() == []
    finally:
        con.close()


@pytest.mark.integration
def test_the_holdout_may_be_a_select(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "project"
    _project(root, "{'metric': 'mean_squared_error', 'holdout': 'select x, y from main.holdout where x < 1'}")
    _run(root, monkeypatch, slope=3)
    kept, made = _state(root)
    assert kept == [(1, ["default"])] and made[0]["metric"] == "mean_squared_error"
    assert made[0]["challenger"]["metrics"]["mean_squared_error"] < 0.01


@pytest.mark.parametrize(
    ("config", "holdout", "message"),
    [
        ({"metrc": "r2_score"}, "select 1", r"^dbt model ml\.r: promote_if_better\.metrc is not an option"),
        (
            {"margin": True},
            "select 1",
            r"^dbt model ml\.r: promote_if_better\.margin = True must be a number",
        ),
        ({"margin": float("nan")}, "select 1", r"promote_if_better\.margin = nan must be a number >= 0"),
        ({}, "  ", r"^dbt model ml\.r: promote_if_better\.holdout is missing"),
    ],
)
def test_parse_names_the_model_and_the_option(config: dict, holdout: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        dbt_guard.parse("ml.r", config, holdout)


def test_parse_defaults_as_the_retrain_command() -> None:
    assert dbt_guard.parse("ml.r", {"metric": "R2_SCORE"}, "select 1") == dbt_guard.Guard(
        "ml.r", "r2_score", 0.0, "select 1"
    )
    assert dbt_guard.parse("ml.r", {}, "select 1").metric is None


@pytest.mark.integration
def test_the_bigquery_check_reports_the_duckdb_only_guard(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`dbt parse --target bigquery` (offline) + `lakehouse dbt check-bigquery`'s check: an unconditional
    guard is reported, one set only for DuckDB is not."""
    root = tmp_path / "project"
    _project(root)
    conditional = GUARD.join(("(", " if target.type == 'duckdb' else none)"))
    (root / "models" / "ml" / "s.sql").write_text(_model(conditional))
    profiles = root / "profiles.yml"
    profiles.write_text(
        profiles.read_text()
        + "    bq:\n      type: bigquery\n      method: oauth\n      project: offline\n      dataset: d\n"
    )
    result = run_dbt(root, monkeypatch, "parse", "--target", "bq")
    assert result.success, result.exception
    problems = [str(p) for p in check_manifest(root / "target" / "manifest.json")]
    assert problems == [f"model.mltest.r: {DUCKDB_ONLY_CONFIGS['promote_if_better']}"]
