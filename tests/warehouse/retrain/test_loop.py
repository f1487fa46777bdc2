"""The retrain loop on real models: no drift keeps the model untouched; drift trains a challenger from the
model's own statement, both are evaluated on one hold-out, the better one serves, both are kept, and the
decision is recorded; the CLI runs it with --json."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

import warehouse
from lakehouse.errors import NotFoundError
from lakehouse.settings import Settings
from warehouse.ml import registry
from warehouse.retrain import retrain

CREATE = (
    "CREATE MODEL ml.r OPTIONS(model_type='linear_reg', input_label_cols=['y']) AS SELECT x, kind, y FROM d"
)
#: y = 3x (+ a kind offset) on x in [0, 1]; the "new" data: x in [2, 3] and y = -3x
OLD = (
    "CREATE OR REPLACE TABLE d AS SELECT i / 200 AS x, ['a', 'b'][i % 2 + 1] AS kind, "
    "3 * i / 200 + (i % 2) + sin(i) / 10 AS y FROM range(200) r(i)"
)
NEW = (
    "CREATE OR REPLACE TABLE d AS SELECT 2 + i / 200 AS x, ['a', 'b', 'c'][i % 3 + 1] AS kind, "
    "-3 * (2 + i / 200) + sin(i) / 10 AS y FROM range(200) r(i)"
)


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    connection.execute(OLD)
    warehouse.execute(connection, CREATE)
    return connection


def _decisions(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute("SELECT model, retrained, promoted, metric FROM ml._retrain_decisions").fetchall()


def test_no_drift_keeps_the_model_untouched(con: duckdb.DuckDBPyConnection) -> None:
    report = retrain(con, "ml.r")
    assert (report.retrained, report.promoted, report.drifted) == (False, False, [])
    assert report.reason == "kept: no drift beyond the thresholds"
    assert [r[0] for r in con.execute("SELECT name FROM ml._models").fetchall()] == ["ml.r"]
    assert _decisions(con) == [("ml.r", False, False, None)]


def test_drift_trains_a_challenger_and_promotes_it_only_if_better(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(NEW)
    report = retrain(con, "ml.r")
    drifted = {r["input"]: r for r in report.drifted}
    assert drifted["x"]["value"] == pytest.approx(1.0)  # disjoint ranges
    assert drifted["kind"]["metric"] == "L_INFTY"
    assert report.retrained and report.promoted and report.metric == "r2_score"
    assert report.challenger["metrics"]["r2_score"] > report.champion["metrics"]["r2_score"]
    assert (report.champion["name"], report.challenger["name"]) == ("ml.r__v1", "ml.r")
    served = registry.load(con, "ml", "r")
    assert served.state["version"] == 2 and "training_statistics" in served.state["tables"]
    assert registry.load(con, "ml", "r__v1").state.get("version", 1) == 1
    # the promoted model serves; the old version can still be called by its name
    assert warehouse.execute(con, "SELECT count(*) FROM ML.PREDICT(MODEL ml.r, TABLE d)").rows == [(200,)]
    assert warehouse.execute(con, "SELECT count(*) FROM ML.PREDICT(MODEL ml.r__v1, TABLE d)").rows == [(200,)]
    assert _decisions(con) == [("ml.r", True, True, "r2_score")]
    # on the same data again: no drift from the new model's training statistics
    assert not retrain(con, "ml.r").retrained


def test_force_with_a_margin_keeps_the_champion_and_the_challenger_as_a_version(
    con: duckdb.DuckDBPyConnection,
) -> None:
    report = retrain(con, "ml.r", force=True, metric="mean_squared_error", margin=1e6)
    assert report.retrained and not report.promoted
    assert ("within the margin 1e+06" in report.reason) or ("the challenger is worse" in report.reason)
    assert (report.champion["name"], report.challenger["name"]) == ("ml.r", "ml.r__v2")
    assert registry.load(con, "ml", "r").state.get("version", 1) == 1
    assert registry.load(con, "ml", "r__v2").state["version"] == 2
    second = retrain(con, "ml.r", force=True, margin=1e6)
    assert second.challenger["name"] == "ml.r__v3"


def test_an_unknown_model_is_an_error(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(NotFoundError, match="model ml.nope does not exist"):
        retrain(con, "ml.nope")


def test_cli_retrain_json(settings: Settings) -> None:
    from lakehouse.cli import cli

    runner = CliRunner()
    home = ["--home", str(settings.home)]
    for statement in (OLD, CREATE, NEW):
        result = runner.invoke(cli, [*home, "sql", statement])
        assert result.exit_code == 0, result.output
    result = runner.invoke(cli, [*home, "ml", "retrain", "ml.r", "--json", "--threshold", "x=0.5"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["promoted"] is True and report["thresholds"] == {"thresholds": [["x", 0.5]]}
    assert {r["input"] for r in report["drifted"]} >= {"x", "kind"}
    page = Path(report["html"]).read_text()
    assert page.count("vegaEmbed('#chart") == 3  # the metrics, then x and kind: base vs study
    assert '"side": "base (training)"' in page and '"side": "study (current)"' in page
    assert "vegaEmbed=" in page and "<script src=" not in page  # the scripts inline: opens offline
    result = runner.invoke(cli, [*home, "ml", "retrain", "ml.nope"])
    assert result.exit_code == 1 and "model ml.nope does not exist" in str(result.exception)
    result = runner.invoke(cli, [*home, "ml", "retrain", "ml.r", "--threshold", "x"])
    assert result.exit_code == 2 and "not COLUMN=THRESHOLD" in result.output
