"""Options of the tree model types as BigQuery ML documents them, and the tree preprocessing.

Boosted trees and random forests share ``TREE``; boosted trees add ``BOOSTED`` (booster, learn rate,
rounds, category encoding), random forests take ``FOREST`` (their other defaults, one round).
Classifiers add ``CLASS_WEIGHTS``. Rules between options are checked in ``check``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lakehouse.errors import UsageError
from warehouse.ml.options import OptionSpec, group
from warehouse.ml.preprocessing.automatic import Encoding
from warehouse.ml.tunable import INF, choice, integer, real, tunables


def _fraction(name: str, default: float, *, open_top: bool = False) -> OptionSpec:
    if open_top:
        return OptionSpec(name, float, default, check=lambda v: 0 < v < 1, valid="0 < value < 1")
    return OptionSpec(name, float, default, check=lambda v: 0 < v <= 1, valid="0 < value <= 1")


def _non_negative(name: str, kind: type, default: float) -> OptionSpec:
    return OptionSpec(name, kind, default, check=lambda v: v >= 0, valid="a value >= 0")


#: options every tree model takes (BigQuery's defaults for boosted trees)
TREE = group(
    OptionSpec("num_parallel_tree", int, 1, check=lambda v: v >= 1, valid="an integer >= 1"),
    OptionSpec("max_tree_depth", int, 6, check=lambda v: 1 <= v <= 20, valid="1..20"),
    OptionSpec("tree_method", str, "AUTO", ("AUTO", "EXACT", "APPROX", "HIST")),
    _non_negative("min_tree_child_weight", int, 1),
    _fraction("colsample_bytree", 1.0),
    _fraction("colsample_bylevel", 1.0),
    _fraction("colsample_bynode", 1.0),
    _non_negative("min_split_loss", float, 0.0),
    _fraction("subsample", 1.0),
    _non_negative("l1_reg", float, 0.0),
    _non_negative("l2_reg", float, 1.0),
    OptionSpec("early_stop", bool, True),
    OptionSpec("min_rel_progress", float, 0.01, check=lambda v: 0 <= v <= 1, valid="0..1"),
    OptionSpec("xgboost_version", str, "0.9", ("0.9", "1.1")),
    OptionSpec("enable_global_explain", bool, False),
    OptionSpec("approx_global_feature_contrib", bool, None),
)

#: boosted trees only
BOOSTED = group(
    OptionSpec("booster_type", str, "GBTREE", ("GBTREE", "DART")),
    OptionSpec("dart_normalize_type", str, "TREE", ("TREE", "FOREST")),
    OptionSpec("dropout", float, 0.0, check=lambda v: 0 <= v <= 1, valid="0..1"),
    OptionSpec("learn_rate", float, 0.3, check=lambda v: v > 0, valid="a number > 0"),
    OptionSpec("max_iterations", int, 20, check=lambda v: v >= 1, valid="an integer >= 1"),
    OptionSpec(
        "category_encoding_method",
        str,
        "LABEL_ENCODING",
        ("LABEL_ENCODING", "ONE_HOT_ENCODING", "TARGET_ENCODING"),
    ),
)

#: random forests: other defaults (one round of num_parallel_tree trees, row and column sampling)
FOREST = group(
    OptionSpec("num_parallel_tree", int, 100, check=lambda v: v >= 2, valid="an integer >= 2"),
    OptionSpec("max_tree_depth", int, 15, check=lambda v: 1 <= v <= 20, valid="1..20"),
    _fraction("colsample_bynode", 0.8),
    _fraction("subsample", 0.8, open_top=True),
)

#: classifiers only
CLASS_WEIGHTS = group(
    OptionSpec("auto_class_weights", bool, False),
    OptionSpec("class_weights", dict, None),
)

_COLSAMPLE = [real(f"colsample_{by}", 0, 1, "[]", None) for by in ("bytree", "bylevel", "bynode")]
_TREE_METHOD = choice("tree_method", "AUTO", "EXACT", "APPROX", "HIST")

#: what hyperparameter tuning searches in a boosted tree (BigQuery's valid ranges, default ranges, scales)
TUNABLE_BOOSTED = tunables(
    real("learn_rate", 0, INF, "[)", (0, 1)),
    real("l1_reg", 0, INF, "()", (0, 10), log=True),
    real("l2_reg", 0, INF, "()", (0, 10), log=True),
    real("dropout", 0, 1, "[]", None),
    integer("max_tree_depth", 1, 20, (1, 10)),
    real("subsample", 0, 1, "(]", (0, 1)),
    real("min_split_loss", 0, INF, "[)", None),
    integer("num_parallel_tree", 1, INF),
    integer("min_tree_child_weight", 0, INF),
    *_COLSAMPLE,
    choice("booster_type", "GBTREE", "DART"),
    choice("dart_normalize_type", "TREE", "FOREST"),
    _TREE_METHOD,
)

#: ... and in a random forest (no learn rate, dropout or booster; other default ranges)
TUNABLE_FOREST = tunables(
    real("l1_reg", 0, INF, "()", (0, 10), log=True),
    real("l2_reg", 0, INF, "()", (0, 10), log=True),
    integer("max_tree_depth", 1, 20, (1, 20)),
    real("subsample", 0, 1, "()", (0, 1)),
    real("min_split_loss", 0, INF, "[)", None),
    integer("num_parallel_tree", 2, INF, (2, 200)),
    integer("min_tree_child_weight", 0, INF),
    *_COLSAMPLE,
    _TREE_METHOD,
)

_ENCODINGS = {"LABEL_ENCODING": True, "TARGET_ENCODING": True, "ONE_HOT_ENCODING": False}


def encoding(options: Mapping[str, Any]) -> Encoding:
    """Trees: no standardization, NULL stays missing, categoricals label-encoded unless ONE_HOT_ENCODING."""
    method = options.get("category_encoding_method", "LABEL_ENCODING")
    return Encoding(standardize=False, impute=False, label_encode=_ENCODINGS[method])


def check(options: Mapping[str, Any]) -> None:
    """The rules between options BigQuery ML states (one clear error each)."""
    if options.get("dropout") and options.get("booster_type") != "DART":
        raise UsageError(
            "option dropout applies to booster_type = 'DART' only", hint="set booster_type = 'DART'"
        )
    if options.get("auto_class_weights") and options.get("class_weights"):
        raise UsageError(
            "auto_class_weights and class_weights cannot both be set", hint="keep one of the two options"
        )
    forest = "booster_type" not in options
    samples = [options[n] for n in ("colsample_bytree", "colsample_bylevel", "colsample_bynode")]
    if forest and min(samples) >= 1:
        raise UsageError(
            "a random forest needs colsample_bytree, colsample_bylevel or colsample_bynode below 1",
            hint="e.g. colsample_bynode = 0.8 (the default)",
        )
