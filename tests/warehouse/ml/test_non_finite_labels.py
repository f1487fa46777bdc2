"""NaN and infinities in the label column of every supervised model type.

Rows whose label is NULL are left out of training (and of ML.EVALUATE). A NaN label is left out as NULL
is, as a feature's NaN is missing as NULL is (test_non_finite.py): the model trained with NaN labels in
some rows equals the one with NULL there, and so do ML.EVALUATE's metrics over an input with them. An
infinite label stops CREATE MODEL with one line naming the label column and counting the rows (BigQuery
ML's CREATE MODEL page: labels "cannot be +/- infinity or NaN"), and a regressor's ML.EVALUATE with one
error naming it; a classifier's ML.EVALUATE too, and for a class the model was not trained on. Before: a NaN or infinite label was a class of its own for the classifiers, DuckDB's
"VARPOP is out of range" or xgboost's "Label contains NaN, infinity" for the regressors."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest

import warehouse
from lakehouse.errors import InputError
from tests.warehouse.ml.odd_values import rows, with_values

#: model type -> its options (beside the label) and whether it classifies
TYPES = {
    "linear_reg": ("", False),
    "logistic_reg": ("", True),
    "boosted_tree_regressor": (", max_iterations=2", False),
    "boosted_tree_classifier": (", max_iterations=2", True),
    "random_forest_regressor": (", num_parallel_tree=2", False),
    "random_forest_classifier": (", num_parallel_tree=2", True),
    "dnn_regressor": (", hidden_units=[2], max_iterations=2", False),
    "dnn_classifier": (", hidden_units=[2], max_iterations=2", True),
}
#: rows whose label is replaced
ODD = "x IN (3, 7)"


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    connection.execute(
        "CREATE SCHEMA d; CREATE TABLE d.t AS SELECT i::DOUBLE AS x, (i % 3)::DOUBLE AS z, "
        "(2 * i + 1 + i % 5)::DOUBLE AS y, (i % 2)::DOUBLE AS c FROM range(40) AS r(i)"
    )
    yield connection
    connection.close()


def _label(model_type: str) -> str:
    return "c" if TYPES[model_type][1] else "y"


def _create(con: duckdb.DuckDBPyConnection, model_type: str, name: str, table: str) -> None:
    label = _label(model_type)
    warehouse.execute(
        con,
        f"CREATE OR REPLACE MODEL d.{name} OPTIONS(model_type='{model_type}', input_label_cols=['{label}']"
        f"{TYPES[model_type][0]}) AS SELECT x, z, {label} FROM {table}",
    )


@pytest.mark.parametrize("model_type", TYPES)
def test_nan_label_is_left_out_as_null(con: duckdb.DuckDBPyConnection, model_type: str) -> None:
    label = _label(model_type)
    with_values(con, "nulls", label, "NULL", ODD)
    with_values(con, "nans", label, "'NaN'", ODD)
    _create(con, model_type, "with_nulls", "d.nulls")
    _create(con, model_type, "with_nans", "d.nans")
    evaluate = "SELECT * FROM ML.EVALUATE(MODEL d.{})"
    assert rows(con, evaluate.format("with_nans")) == rows(con, evaluate.format("with_nulls"))
    predict = "SELECT * EXCLUDE ({}) FROM ML.PREDICT(MODEL d.{}, TABLE d.t) ORDER BY x"
    assert rows(con, predict.format(label, "with_nans")) == rows(con, predict.format(label, "with_nulls"))
    # the metrics over an input with NaN labels are those over NULL labels: the rows are left out
    given = "SELECT * FROM ML.EVALUATE(MODEL d.with_nulls, TABLE d.{})"
    assert rows(con, given.format("nans")) == rows(con, given.format("nulls"))
    assert rows(con, given.format("nulls")) != rows(con, given.format("t"))  # they are left out


@pytest.mark.parametrize("model_type", TYPES)
@pytest.mark.parametrize("infinity", ["'inf'", "'-inf'"])
def test_infinite_label_names_the_column_and_counts_therows(
    con: duckdb.DuckDBPyConnection, model_type: str, infinity: str
) -> None:
    label = _label(model_type)
    with_values(con, "infs", label, infinity, ODD)
    with pytest.raises(InputError, match=rf"^label column '{label}' is infinite in 2 training rows; "):
        _create(con, model_type, "m", "d.infs")


@pytest.mark.parametrize("model_type", [t for t, (_, classifier) in TYPES.items() if not classifier])
def test_evaluate_refuses_an_infinite_label(con: duckdb.DuckDBPyConnection, model_type: str) -> None:
    _create(con, model_type, "m", "d.t")
    with_values(con, "infs", "y", "'inf'", ODD)
    with pytest.raises(duckdb.InvalidInputException, match="label column 'y' is infinite in an input row"):
        rows(con, "SELECT * FROM ML.EVALUATE(MODEL d.m, TABLE d.infs)")


@pytest.mark.parametrize("model_type", [t for t, (_, classifier) in TYPES.items() if classifier])
@pytest.mark.parametrize(("value", "shown"), [("'inf'", "inf"), ("'-inf'", "-inf"), ("7", "7.0")])
def test_a_classifiers_evaluate_refuses_a_label_it_has_no_class_for(
    con: duckdb.DuckDBPyConnection, model_type: str, value: str, shown: str
) -> None:
    """An infinite label, or a class absent from the training rows, was left out of ML.EVALUATE silently
    (as a NULL label is): the metrics were over the other rows. BigQuery ML's pages do not say what it
    does; here one error names the label column and the value, for ML.CONFUSION_MATRIX too."""
    _create(con, model_type, "m", "d.t")
    with_values(con, "odd", "c", value, ODD)
    message = (
        rf"label column 'c' is '{shown}' in an input row: not one of the 2 classes the model was trained on"
    )
    for function in ("EVALUATE", "CONFUSION_MATRIX"):
        with pytest.raises(duckdb.InvalidInputException, match=message):
            rows(con, f"SELECT * FROM ML.{function}(MODEL d.m, TABLE d.odd)")
    with_values(con, "nans", "c", "'NaN'", ODD)  # NaN and NULL stay missing: the rows left out
    with_values(con, "nulls", "c", "NULL", ODD)
    evaluate = "SELECT * FROM ML.EVALUATE(MODEL d.m, TABLE d.{})"
    assert rows(con, evaluate.format("nans")) == rows(con, evaluate.format("nulls"))
