"""The CREATE MODEL example of BigQuery's DNN reference page, on the public penguins table (palmerpenguins).

Source: https://cloud.google.com/bigquery/docs/reference/standard-sql/bigqueryml-syntax-create-dnn-models
(section "Examples"), and the ML.EVALUATE / ML.PREDICT / ML.TRAINING_INFO / ML.FEATURE_INFO /
ML.CONFUSION_MATRIX statement shapes of their reference pages. The example's table
`project_id.mydataset.mytable` with its label column ``mylabel`` is built from the penguins (the species
is the label), so the statement runs as printed: ADAGRAD, dropout 0.1, three layers of 128 units, batch
16, 50 epochs without early stop; every function then answers with BigQuery's columns.
"""

from __future__ import annotations

import duckdb
import pytest

import warehouse
from tests.warehouse.ml.models.pca.conftest import PENGUINS, RAW

DOCS_EXAMPLE = """
CREATE MODEL `project_id.mydataset.mymodel`
OPTIONS(MODEL_TYPE='DNN_CLASSIFIER',
        ACTIVATION_FN = 'RELU',
        BATCH_SIZE = 16,
        DROPOUT = 0.1,
        EARLY_STOP = FALSE,
        HIDDEN_UNITS = [128, 128, 128],
        INPUT_LABEL_COLS = ['mylabel'],
        LEARN_RATE=0.001,
        MAX_ITERATIONS = 50,
        OPTIMIZER = 'ADAGRAD')
AS SELECT * FROM `project_id.mydataset.mytable`
"""

QUERIES = {
    "SELECT * FROM ML.EVALUATE(MODEL `project_id.mydataset.mymodel`)": [
        "precision",
        "recall",
        "accuracy",
        "f1_score",
        "log_loss",
        "roc_auc",
    ],
    """SELECT * FROM ML.EVALUATE(MODEL `project_id.mydataset.mymodel`,
         (SELECT * FROM `project_id.mydataset.mytable` WHERE island = 'Dream'))""": [
        "precision",
        "recall",
        "accuracy",
        "f1_score",
        "log_loss",
        "roc_auc",
    ],
    """SELECT * FROM ML.PREDICT(MODEL `project_id.mydataset.mymodel`,
         (SELECT island, culmen_length_mm, culmen_depth_mm, flipper_length_mm, body_mass_g, sex
          FROM `project_id.mydataset.mytable`))""": [
        "predicted_mylabel",
        "predicted_mylabel_probs",
        "island",
        "culmen_length_mm",
        "culmen_depth_mm",
        "flipper_length_mm",
        "body_mass_g",
        "sex",
    ],
    "SELECT * FROM ML.TRAINING_INFO(MODEL `project_id.mydataset.mymodel`)": [
        "training_run",
        "iteration",
        "loss",
        "eval_loss",
        "learning_rate",
        "duration_ms",
    ],
    "SELECT * FROM ML.FEATURE_INFO(MODEL `project_id.mydataset.mymodel`)": [
        "input",
        "min",
        "max",
        "mean",
        "median",
        "stddev",
        "category_count",
        "null_count",
        "dimension",
    ],
}


@pytest.fixture
def mytable(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """``mydataset.mytable``: the penguins as BigQuery holds them, the species as ``mylabel``."""
    con.execute(PENGUINS, [str(RAW)])
    con.execute("CREATE SCHEMA mydataset")
    con.execute(
        "CREATE TABLE mydataset.mytable AS SELECT * EXCLUDE (species), species AS mylabel FROM penguins"
    )
    return con


@pytest.mark.slow  # 50 epochs of three 128-unit layers, as the example asks
def test_the_docs_example_as_printed_trains_and_every_function_answers(
    mytable: duckdb.DuckDBPyConnection,
) -> None:
    warehouse.execute(mytable, DOCS_EXAMPLE)
    for query, columns in QUERIES.items():
        result = warehouse.execute(mytable, query)
        assert result.columns == columns, query
        assert result.rows, query
    info = warehouse.execute(
        mytable, "SELECT iteration, loss FROM ML.TRAINING_INFO(MODEL mydataset.mymodel)"
    ).rows
    assert [r[0] for r in info] == list(range(50))  # EARLY_STOP = FALSE: every epoch
    assert info[-1][1] < info[0][1]
    layers = mytable.execute(
        'SELECT layer, count(*), max(len(weights)) FROM mydataset."mymodel__layers" GROUP BY ALL ORDER BY ALL'
    ).fetchall()
    # inputs: 4 numbers, 3 islands, 4 sexes (MALE, FEMALE, '.', NULL)
    assert layers == [(0, 128, 11), (1, 128, 128), (2, 128, 128), (3, 3, 128)]
    accuracy = warehouse.execute(mytable, "SELECT accuracy FROM ML.EVALUATE(MODEL mydataset.mymodel)").rows
    assert accuracy[0][0] > 0.9  # the species are easy to tell apart
    matrix = warehouse.execute(
        mytable,
        "SELECT * FROM ML.CONFUSION_MATRIX(MODEL `project_id.mydataset.mymodel`, TABLE `project_id.mydataset.mytable`)",
    )
    assert matrix.columns[0] == "expected_label" and len(matrix.rows) == 3
    assert sum(sum(r[1:]) for r in matrix.rows) == 344  # every penguin has a species
