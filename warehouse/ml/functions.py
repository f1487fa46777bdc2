"""The ML functions every model type has, whatever it is: ML.FEATURE_INFO, ML.TRAINING_INFO and
ML.VALIDATE_DATA_SKEW (``FUNCTIONS``).

They read only what the engine stores for every model: the features' statistics and the
``training_info`` state table (whose common columns ``TRAINING_INFO`` names; a type may append its own).
ML.VALIDATE_DATA_SKEW reads the training statistics the engine stores for every model
(``monitoring.training_statistics``).
"""

from __future__ import annotations

import pyarrow as pa
from sqlglot import exp

from warehouse.ml.model import Call, Function
from warehouse.ml.monitoring import training_statistics

FEATURE_INFO = pa.schema(
    [
        ("input", pa.string()),
        ("min", pa.float64()),
        ("max", pa.float64()),
        ("mean", pa.float64()),
        ("median", pa.float64()),
        ("stddev", pa.float64()),
        ("category_count", pa.int64()),
        ("null_count", pa.int64()),
        ("dimension", pa.int64()),
    ]
)


def feature_info(call: Call) -> exp.Query:
    call.no_params()
    rows = [
        {
            "input": f.name,
            "min": f.min,
            "max": f.max,
            "mean": f.mean,
            "median": f.median,
            "stddev": f.stddev,
            "category_count": None if f.numeric else len(f.categories),
            "null_count": f.null_count,
            "dimension": 1 if f.numeric else len(f.categories),
        }
        for f in call.model.features
    ]
    return call.scratch.rows_relation(FEATURE_INFO, rows)


#: the columns of ML.TRAINING_INFO every model type has (one row per iteration; model types add theirs)
TRAINING_INFO = pa.schema(
    [
        ("training_run", pa.int64()),
        ("iteration", pa.int64()),
        ("loss", pa.float64()),
        ("eval_loss", pa.float64()),
        ("learning_rate", pa.float64()),
        ("duration_ms", pa.int64()),
    ]
)


def training_info(call: Call) -> exp.Query:
    call.no_params()
    table = call.model.state_table("training_info")
    return exp.select("*").from_(table).order_by("training_run", "iteration")


#: the functions of every model type (a model type's own table may replace one, e.g. a richer TRAINING_INFO)
FUNCTIONS: dict[str, Function] = {
    "FEATURE_INFO": feature_info,
    "TRAINING_INFO": training_info,
    "VALIDATE_DATA_SKEW": training_statistics.skew,
}
