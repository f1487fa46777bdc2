"""ML.TFDV_VALIDATE(base_statistics, study_statistics [, detection_type [, categorical_default_threshold
[, categorical_metric_type [, numerical_default_threshold [, numerical_metric_type [, thresholds]]]]]]).

A scalar function, as in BigQuery: its two statistics are JSON values (``ML.TFDV_DESCRIBE``'s output, a
column, a script variable, a scalar subquery) and it returns a TFDV ``Anomalies`` proto as JSON, with the
proto's field names: ``drift_skew_info`` holds one measurement per compared feature (``skew_measurements``
for 'SKEW', ``drift_measurements`` for 'DRIFT'; ``type``, ``value``, ``threshold``), ``anomaly_info``
the features above their threshold (TFDV's severity, descriptions and reason types
``COMPARATOR_L_INFTY_HIGH`` / ``COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH``). The arguments after the two
statistics are positional literals; ``detection_type`` defaults to 'SKEW'.

``rewrite(tree)`` replaces each call by a (correlated) scalar subquery: both JSONs read back into the
statistics rows (``tfdv_statistics.sql``), TFDV's distances between them (``distance.sql``, the same
code as ML.VALIDATE_DATA_DRIFT) and the Anomalies JSON built from them (``tfdv_validate.sql``): all in
the warehouse, row by row when the arguments are columns.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from sqlglot import exp

from lakehouse.errors import UsageError
from warehouse.ml.monitoring import params as monitoring_params
from warehouse.ml.monitoring.distance import distances
from warehouse.ml.options import literal_value
from warehouse.ml.preprocessing.functions import ml_call
from warehouse.ml.sqlexpr import fill, num, string

NAME = "TFDV_VALIDATE"
#: the positional arguments after the two statistics
POSITIONAL = ("detection_type", *monitoring_params.THRESHOLDS)
#: detection type -> (the measurements' field, the two sides in TFDV's descriptions)
DETECTION = {
    "SKEW": ("skew_measurements", "training and serving"),
    "DRIFT": ("drift_measurements", "current and previous"),
}
_STATISTICS = resources.files(__package__).joinpath("tfdv_statistics.sql").read_text()
_VALIDATE = resources.files(__package__).joinpath("tfdv_validate.sql").read_text()


def _settings(args: list[exp.Expr]) -> tuple[str, dict[str, Any]]:
    given = {name: literal_value(arg, name) for name, arg in zip(POSITIONAL, args, strict=False)}
    detection = str(given.pop("detection_type", "SKEW")).upper()
    if detection not in DETECTION:
        raise UsageError(
            f"ML.{NAME}: detection_type {detection!r} is not supported", hint="use 'SKEW' or 'DRIFT'"
        )
    return detection, monitoring_params.read(NAME, given, monitoring_params.THRESHOLDS)


def _thresholds(by_feature: list[tuple[str, float]]) -> exp.Query:
    rows = [
        exp.select(exp.alias_(string(name.lower()), "name"), exp.alias_(num(value), "threshold"))
        for name, value in by_feature
    ]
    if not rows:
        empty = exp.select(
            exp.alias_(exp.cast(exp.null(), "VARCHAR"), "name"), exp.alias_(num(None), "threshold")
        ).where(exp.false())
        return empty
    out: exp.Query = rows[0]
    for row in rows[1:]:
        out = exp.Union(this=out, expression=row, distinct=False)
    return out


def _statistics(side: str) -> exp.Query:
    query = fill(_STATISTICS, src=exp.Table(this=exp.to_identifier(side)))
    assert isinstance(query, exp.Query)
    return query


def validate(base: exp.Expr, study: exp.Expr, args: list[exp.Expr]) -> exp.Expr:
    """The Anomalies JSON of ``base`` vs ``study`` as a scalar subquery (``args``: the positional rest)."""
    detection, settings = _settings(args)
    measurements, between = DETECTION[detection]
    query = fill(
        _VALIDATE,
        base=base,
        study=study,
        distances=distances(_statistics("__tfdv_base"), _statistics("__tfdv_study")).subquery("d"),
        thresholds=_thresholds(settings["thresholds"]).subquery("t"),
        numerical_metric=string(settings["numerical_metric_type"]),
        categorical_metric=string(settings["categorical_metric_type"]),
        numerical_threshold=num(settings["numerical_default_threshold"]),
        categorical_threshold=num(settings["categorical_default_threshold"]),
        measurements=string(measurements),
        between=string(between),
    )
    return exp.Subquery(this=query)


def rewrite(tree: exp.Expr) -> exp.Expr:
    """Replace every ``ML.TFDV_VALIDATE(...)`` of ``tree`` in place."""
    for node in reversed(list(tree.find_all(exp.Dot))):  # innermost first
        found = ml_call(node)
        if found is None or found[0] != NAME:
            continue
        _, args, _ = found
        if not 2 <= len(args) <= 2 + len(POSITIONAL):
            raise UsageError(
                f"ML.{NAME} takes 2 to {2 + len(POSITIONAL)} arguments, got {len(args)}",
                hint=f"ML.{NAME}(base_statistics, study_statistics, 'SKEW'|'DRIFT', 0.3, 'L_INFTY', 0.3, "
                "'JENSEN_SHANNON_DIVERGENCE', [('col', 0.1)])",
            )
        replaced = validate(args[0], args[1], args[2:])
        select = node.parent
        if isinstance(select, exp.Select) and node in select.expressions:  # unnamed: f0_, as BigQuery
            unnamed = [e for e in select.expressions if not isinstance(e, exp.Alias | exp.Column | exp.Star)]
            node.replace(exp.alias_(replaced, f"f{unnamed.index(node)}_"))
        else:
            node.replace(replaced)
    return tree
