"""Options of the GLM family (LINEAR_REG and LOGISTIC_REG add the shared groups and their own).

Every GLM standardizes its numeric dimensions; ``category_encoding_method = 'DUMMY_ENCODING'`` drops
each categorical feature's first category.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from warehouse.ml.options import OptionSpec, group
from warehouse.ml.preprocessing.automatic import Encoding
from warehouse.ml.tunable import INF, real, tunables

OPTIONS = group(
    OptionSpec(
        "optimize_strategy",
        str,
        "AUTO_STRATEGY",
        ("AUTO_STRATEGY", "BATCH_GRADIENT_DESCENT", "NORMAL_EQUATION"),
    ),
    OptionSpec("l1_reg", float, 0.0, check=lambda v: v >= 0, valid="a number >= 0"),
    OptionSpec("l2_reg", float, 0.0, check=lambda v: v >= 0, valid="a number >= 0"),
    OptionSpec("learn_rate_strategy", str, "LINE_SEARCH", ("LINE_SEARCH", "CONSTANT")),
    OptionSpec("learn_rate", float, 0.1, check=lambda v: v > 0, valid="a number > 0"),
    OptionSpec("ls_init_learn_rate", float, 0.1, check=lambda v: v > 0, valid="a number > 0"),
    OptionSpec("fit_intercept", bool, True),
    OptionSpec(
        "calculate_p_values",
        bool,
        False,
        check=lambda v: not v,
        valid="FALSE (p-values are not implemented yet)",
    ),
    OptionSpec("category_encoding_method", str, "ONE_HOT_ENCODING", ("ONE_HOT_ENCODING", "DUMMY_ENCODING")),
    OptionSpec("enable_global_explain", bool, False),
)


#: what hyperparameter tuning searches (BigQuery: valid (0, inf], default range (0, 10], LOG scale)
TUNABLE = tunables(
    real("l1_reg", 0, INF, "(]", (0, 10), log=True),
    real("l2_reg", 0, INF, "(]", (0, 10), log=True),
)


def encoding(options: Mapping[str, Any]) -> Encoding:
    return Encoding(standardize=True, dummy=options["category_encoding_method"] == "DUMMY_ENCODING")
