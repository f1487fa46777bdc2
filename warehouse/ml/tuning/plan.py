"""A tuning run as CREATE MODEL asks for it (``Plan``), checked against BigQuery ML's rules, and the
three-way data split it trains, scores and tests on.

With tuning the rows split into TRAIN, EVAL and TEST (``hp-tuning-overview``, "Data split"): AUTO_SPLIT
(and RANDOM without fractions) gives 80/10/10 when there are at least 500 rows and trains on every row
otherwise; RANDOM takes DATA_SPLIT_EVAL_FRACTION with DATA_SPLIT_TEST_FRACTION; CUSTOM reads a STRING
column of TRAIN/EVAL/TEST; SEQ orders by a column (train, then test, then eval); NO_SPLIT trains on
everything. The split of a row is one SQL expression over the training query's columns (a hash of the
row for the random methods), so the engine's encoded table and the raw test rows agree without a row id.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlglot import exp

from lakehouse.errors import UsageError
from warehouse.ml.options import OptionSpec
from warehouse.ml.sqlexpr import col, ident
from warehouse.ml.tunable import Tuning
from warehouse.ml.tuning import space

SPLIT_COLUMN = "__tuning_split"  # TRAIN / EVAL / TEST, a column of the engine's training table
SPLITS = ("TRAIN", "EVAL", "TEST")
#: the options that only a tuning run takes (each needs num_trials)
TUNING_ONLY = (
    "max_parallel_trials",
    "hparam_tuning_algorithm",
    "hparam_tuning_objectives",
    "data_split_test_fraction",
)
#: AUTO_SPLIT with tuning below this many rows: every row trains
AUTO_SPLIT_MIN_ROWS = 500


@dataclass(frozen=True)
class Plan:
    model_type: str
    trials: int
    parallel: int
    algorithm: str
    objective: str
    dimensions: list[space.Dimension]
    split_method: str
    eval_fraction: float
    test_fraction: float
    supervised: bool
    seed: int = 0  # the samplers' seed (fixed: the same statement on the same rows tunes the same way)

    @property
    def minimize(self) -> bool:
        return self.objective in space.MINIMIZED

    def to_json(self) -> dict[str, Any]:
        return {
            "objective": self.objective,
            "algorithm": self.algorithm,
            "num_trials": self.trials,
            "max_parallel_trials": self.parallel,
            "search_space": {d.name: d.to_json() for d in self.dimensions},
            "data_split": {
                "method": self.split_method,
                "eval_fraction": self.eval_fraction,
                "test_fraction": self.test_fraction,
            },
        }

    def split_expression(self, columns: list[tuple[str, str]], split_col: str | None) -> exp.Expr:
        """TRAIN/EVAL/TEST of a row, as SQL over the training query's columns."""
        if not self.supervised or self.split_method == "NO_SPLIT":
            return exp.Literal.string("TRAIN")
        if self.split_method == "CUSTOM":
            assert split_col is not None
            return exp.Upper(this=exp.cast(col(split_col), "VARCHAR"))
        row_hash = exp.func("hash", *[col(name) for name, _ in columns])
        if self.split_method == "SEQ":
            assert split_col is not None
            order = exp.Order(expressions=[exp.Ordered(this=col(split_col)), exp.Ordered(this=row_hash)])
            position = exp.Div(
                this=exp.Sub(
                    this=exp.Window(this=exp.func("row_number"), order=order),
                    expression=exp.Literal.number(1),
                ),
                expression=exp.Window(this=exp.func("count", exp.Star())),
            )
            return _bands(
                position,
                [("TRAIN", 1 - self.eval_fraction - self.test_fraction), ("TEST", 1 - self.eval_fraction)],
            )
        bucket = exp.Div(
            this=exp.Mod(this=row_hash, expression=exp.Literal.number(1_000_000)),
            expression=exp.Literal.number(1_000_000.0),
        )
        return _bands(
            bucket, [("EVAL", self.eval_fraction), ("TEST", self.eval_fraction + self.test_fraction)]
        )


def _bands(value: exp.Expr, bands: list[tuple[str, float]]) -> exp.Expr:
    """CASE value < upper bound -> band ...; the rest is the one band not listed (bounds to 6 decimals:
    1 - 0.2 - 0.2 is 0.6, not 0.6000000000000001)."""
    rest = next(s for s in SPLITS if s not in {b for b, _ in bands})
    case = exp.Case()
    for band, upper in bands:
        case = case.when(
            exp.LT(this=value.copy(), expression=exp.Literal.number(repr(round(float(upper), 6)))),
            exp.Literal.string(band),
        )
    return case.else_(exp.Literal.string(rest))


def with_split(relation: exp.Query, expression: exp.Expr) -> exp.Select:
    """The rows of ``relation`` with their split as ``__tuning_split``."""
    return exp.select("*", exp.alias_(expression, ident(SPLIT_COLUMN))).from_(relation.subquery("__tuned"))


def _needs_trials(options: Mapping[str, Any], hparams: Mapping[str, Any]) -> None:
    given = [name for name in TUNING_ONLY if options.get(name) is not None]
    if hparams:
        given.append(f"{next(iter(hparams))} = HPARAM_...")
    if given:
        raise UsageError(
            f"option {given[0]} needs num_trials: it applies to hyperparameter tuning only",
            hint="add num_trials = <1..100> to tune, or drop the option",
        )


def _split(options: Mapping[str, Any], given: set[str]) -> tuple[str, float, float]:
    method = options["data_split_method"]
    eval_given, test_given = "data_split_eval_fraction" in given, "data_split_test_fraction" in given
    if eval_given != test_given:
        raise UsageError(
            "with hyperparameter tuning, data_split_eval_fraction and data_split_test_fraction go together",
            hint="give both (training gets 1 - eval - test), or neither for 80/10/10",
        )
    if method == "NO_SPLIT":
        return method, 0.0, 0.0
    if eval_given:
        eval_fraction, test_fraction = (
            float(options["data_split_eval_fraction"]),
            float(options["data_split_test_fraction"]),
        )
    elif method == "SEQ":
        eval_fraction, test_fraction = float(options["data_split_eval_fraction"]), 0.0
    else:
        eval_fraction, test_fraction = 0.1, 0.1
    if eval_fraction + test_fraction >= 1:
        raise UsageError(
            f"data_split_eval_fraction + data_split_test_fraction = {eval_fraction + test_fraction:g} leaves no training rows",
            hint="keep the sum below 1",
        )
    if method in ("CUSTOM", "SEQ") and not options.get("data_split_col"):
        raise UsageError(
            f"data_split_method = '{method}' needs data_split_col",
            hint="name the column that splits the rows",
        )
    return method, eval_fraction, test_fraction


def plan(
    model_type: str,
    tuning: Tuning | None,
    options: Mapping[str, Any],
    hparams: Mapping[str, tuple[str, Any]],
    given: set[str],
    specs: Mapping[str, OptionSpec],
    supervised: bool,
) -> Plan | None:
    """The tuning run CREATE MODEL asks for, or None without ``num_trials`` (then no tuning option may be given)."""
    trials = options.get("num_trials")
    if trials is None:
        space.check_names(model_type, tuning, hparams, specs)
        _needs_trials(options, hparams)
        return None
    if options.get("warm_start"):
        raise UsageError("warm_start cannot be combined with num_trials", hint="drop warm_start to tune")
    fixed = {name for name in given if name not in hparams}
    dimensions = space.search_space(model_type, tuning, hparams, fixed, options, specs)
    assert tuning is not None  # search_space refuses a type without tuning
    if not dimensions:
        raise UsageError(
            f"num_trials is set but nothing is left to tune for model_type {model_type}",
            hint="give a tunable option as HPARAM_RANGE(min, max) or HPARAM_CANDIDATES([...])",
        )
    method, eval_fraction, test_fraction = _split(options, given) if supervised else ("NO_SPLIT", 0.0, 0.0)
    return Plan(
        model_type=model_type,
        trials=int(trials),
        parallel=int(options.get("max_parallel_trials") or 1),
        algorithm=str(options.get("hparam_tuning_algorithm") or "VIZIER_DEFAULT"),
        objective=space.objective(model_type, tuning, options.get("hparam_tuning_objectives")),
        dimensions=dimensions,
        split_method=method,
        eval_fraction=eval_fraction,
        test_fraction=test_fraction,
        supervised=supervised,
    )
