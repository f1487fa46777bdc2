"""Hyperparameter tuning of the DNN types: BigQuery's DNN tuning statement (HIDDEN_UNITS as candidates of
arrays, LEARN_RATE as a range) runs with only its table name changed, ML.TRIAL_INFO lists the trials with
their arrays, the optimal trial serves by default, and BigQuery's default search space is the DNN's.

The statement is the DNN_REGRESSOR tuning example in BigQuery's form (``bigqueryml-syntax-create-dnn-models``:
``HIDDEN_UNITS = {int_array | HPARAM_CANDIDATES([candidates])}``, each candidate ``STRUCT([64, 32])``) on the
public penguins table, built from palmerpenguins' raw CSV as BigQuery holds it.
"""

from __future__ import annotations

import duckdb
import pytest

import warehouse
from lakehouse.errors import UsageError
from tests.warehouse.ml.models.pca.conftest import PENGUINS, RAW
from warehouse.ml import registry, types
from warehouse.ml.tuning import space

DOCS_TUNING = """
CREATE OR REPLACE MODEL `mydataset.penguins_dnn_tuned`
TRANSFORM(
  ML.STANDARD_SCALER(culmen_length_mm) OVER() AS culmen_length_mm,
  ML.STANDARD_SCALER(culmen_depth_mm) OVER() AS culmen_depth_mm,
  ML.STANDARD_SCALER(flipper_length_mm) OVER() AS flipper_length_mm,
  species, island, sex, body_mass_g
)
OPTIONS(
  model_type = 'DNN_REGRESSOR',
  input_label_cols = ['body_mass_g'],
  num_trials = 4,
  max_parallel_trials = 2,
  hparam_tuning_objectives = ['r2_score'],
  hidden_units = HPARAM_CANDIDATES([STRUCT([64, 32]), STRUCT([32, 16])]),
  learn_rate = HPARAM_RANGE(0.001, 0.1)
) AS
SELECT species, island, culmen_length_mm, culmen_depth_mm, flipper_length_mm, sex, body_mass_g
FROM `mydataset.penguins`
WHERE body_mass_g IS NOT NULL AND sex IN ('MALE', 'FEMALE')
"""
MODEL = "`mydataset.penguins_dnn_tuned`"
INPUT = "(SELECT * FROM `mydataset.penguins` WHERE sex = 'MALE' ORDER BY culmen_length_mm LIMIT 20)"


def _penguins() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("CREATE SCHEMA mydataset")
    con.execute(PENGUINS.replace("TABLE penguins", "TABLE mydataset.penguins"), [str(RAW)])
    return con


@pytest.fixture(scope="module")
def tuned() -> duckdb.DuckDBPyConnection:
    con = _penguins()
    warehouse.execute(con, DOCS_TUNING)
    return con


def run(con: duckdb.DuckDBPyConnection, text: str) -> list[dict]:
    return warehouse.execute(con, text).to_dicts()


def test_the_docs_statement_lists_its_trials_with_array_candidates(tuned: duckdb.DuckDBPyConnection) -> None:
    rows = run(tuned, f"SELECT * FROM ML.TRIAL_INFO(MODEL {MODEL}) ORDER BY trial_id")
    assert [r["trial_id"] for r in rows] == [1, 2, 3, 4]
    assert all(r["status"] == "SUCCEEDED" for r in rows)
    for row in rows:
        assert row["hyperparameters"]["hidden_units"] in ([64, 32], [32, 16])
        assert 0.001 <= row["hyperparameters"]["learn_rate"] <= 0.1
    # the search starts at BigQuery's starting point: the first candidate, the default learn rate
    assert rows[0]["hyperparameters"] == {"hidden_units": [64, 32], "learn_rate": 0.001}
    r2 = {r["trial_id"]: r["hparam_tuning_evaluation_metrics"]["r2_score"] for r in rows}
    assert [r["trial_id"] for r in rows if r["is_optimal"]] == [max(r2, key=lambda k: (r2[k], -k))]


def test_the_optimal_trial_serves_by_default_and_trial_id_picks_another(
    tuned: duckdb.DuckDBPyConnection,
) -> None:
    info = run(tuned, f"SELECT trial_id, hyperparameters, is_optimal FROM ML.TRIAL_INFO(MODEL {MODEL})")
    optimal = next(r for r in info if r["is_optimal"])
    other = next(r for r in info if not r["is_optimal"])
    default = run(tuned, f"SELECT * FROM ML.PREDICT(MODEL {MODEL}, {INPUT})")
    assert {r["trial_id"] for r in default} == {optimal["trial_id"]}
    picked = run(
        tuned, f"SELECT * FROM ML.PREDICT(MODEL {MODEL}, {INPUT}, STRUCT({other['trial_id']} AS trial_id))"
    )
    assert {r["trial_id"] for r in picked} == {other["trial_id"]}
    assert [r["predicted_body_mass_g"] for r in picked] != [r["predicted_body_mass_g"] for r in default]
    model = registry.load(tuned, "mydataset", "penguins_dnn_tuned")
    assert list(model.state["hidden_units"]) == optimal["hyperparameters"]["hidden_units"]
    assert model.options["learn_rate"] == optimal["hyperparameters"]["learn_rate"]


def test_evaluate_without_data_reports_every_trial(tuned: duckdb.DuckDBPyConnection) -> None:
    rows = run(tuned, f"SELECT * FROM ML.EVALUATE(MODEL {MODEL}) ORDER BY trial_id")
    assert [r["trial_id"] for r in rows] == [1, 2, 3, 4]
    assert set(rows[0]) >= {"trial_id", "r2_score", "mean_squared_error"}


def test_a_grid_over_optimizers_and_layers_marks_what_bigquery_refuses_infeasible() -> None:
    con = _penguins()
    run(
        con,
        """CREATE MODEL mydataset.species OPTIONS(model_type = 'DNN_CLASSIFIER',
             input_label_cols = ['species'], max_iterations = 3, num_trials = 6,
             hparam_tuning_algorithm = 'GRID_SEARCH',
             optimizer = HPARAM_CANDIDATES(['ADAM', 'SGD']), l1_reg = 0.001,
             hidden_units = HPARAM_CANDIDATES([STRUCT([8]), STRUCT([8, 4])]))
           AS SELECT species, culmen_length_mm, culmen_depth_mm, island FROM mydataset.penguins""",
    )
    rows = run(con, "SELECT * FROM ML.TRIAL_INFO(MODEL mydataset.species) ORDER BY trial_id")
    combos = sorted(
        (r["hyperparameters"]["optimizer"], tuple(r["hyperparameters"]["hidden_units"])) for r in rows
    )
    assert combos == [("ADAM", (8,)), ("ADAM", (8, 4)), ("SGD", (8,)), ("SGD", (8, 4))]
    for row in rows:  # BigQuery's rule: L1_REG applies to ADAGRAD, FTRL and SGD only
        adam = row["hyperparameters"]["optimizer"] == "ADAM"
        assert row["status"] == ("INFEASIBLE" if adam else "SUCCEEDED")
        assert ("l1_reg applies to optimizer" in (row["error_message"] or "")) == adam
    optimal = next(r for r in rows if r["is_optimal"])
    assert optimal["hyperparameters"]["optimizer"] == "SGD"


def test_the_default_search_space_is_bigquerys_less_what_the_trainer_lacks() -> None:
    for name in ("DNN_CLASSIFIER", "DNN_REGRESSOR"):
        model_type = types.MODEL_TYPES[name]
        dims = space.search_space(name, model_type.tuning, {}, set(), {}, model_type.options)
        assert {d.name: (d.low, d.high, d.log) for d in dims} == {
            "batch_size": (16.0, 1024.0, True),
            "dropout": (0.0, 0.8, False),
            "learn_rate": (0.0, 1.0, False),
        }


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("hidden_units = HPARAM_RANGE(8, 64)", "HPARAM_RANGE takes two numbers .* this option takes"),
        ("hidden_units = HPARAM_CANDIDATES([STRUCT([8, 0])])", r"candidate \(8, 0\) is not valid"),
        ("hidden_units = HPARAM_CANDIDATES([STRUCT([8]), STRUCT([8])])", "repeats a value"),
        ("optimizer = HPARAM_CANDIDATES(['ADAM', 'NADAM'])", "candidate 'NADAM' is not valid"),
        ("batch_size = HPARAM_RANGE(0, 64)", r"not a range inside \[1, 8192\]"),
        ("integrated_gradients_num_steps = HPARAM_RANGE(5, 10)", "cannot be tuned"),
    ],
)
def test_bad_dnn_search_spaces_are_errors(option: str, message: str) -> None:
    con = _penguins()
    with pytest.raises(UsageError, match=message):
        run(
            con,
            f"""CREATE MODEL mydataset.bad OPTIONS(model_type = 'DNN_REGRESSOR', num_trials = 2,
                 input_label_cols = ['body_mass_g'], {option})
               AS SELECT body_mass_g, culmen_length_mm FROM mydataset.penguins""",
        )
