"""ML.VALIDATE_DATA_SKEW and ML.VALIDATE_DATA_DRIFT: one output row per feature, form changes included.

The output has BigQuery's columns ``input, metric, threshold, value, is_anomaly`` plus ``reason`` (a
DuckDB-side extension, NULL on ordinary rows) that says why a row is an anomaly without a distance:

- a base (training) column the study data lacks: ``missing from the study data``;
- a study column the base data lacks: ``new field, not in the base data`` (for skew: ``new field, not
  used by the model`` - reported, but not an anomaly: the model cannot see it);
- a column that changed between numeric and categorical: ``type changed from X to Y`` (no distance;
  BigQuery drops such a feature from its output - we report it); a type change within a kind (INTEGER
  to DOUBLE) is compared as usual and named in ``reason``;
- a column with no non-NULL value on one side: ``no non-NULL values to compare``.

The other form rows are anomalies whatever the threshold. The plan (which rows, which metric, which
threshold) is made in Python from the two column lists; the distances are SQL (``distance.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
from sqlglot import exp

from warehouse.ml.monitoring import params as monitoring_params
from warehouse.ml.monitoring.distance import distances
from warehouse.ml.monitoring.statistics import Column, statistics
from warehouse.ml.preprocessing.automatic import is_numeric_type
from warehouse.ml.sqlexpr import columns_of, fill, num, sql, string

OUTPUT = ("input", "metric", "threshold", "value", "is_anomaly", "reason")
MISSING = "missing from the study data"
NEW = "new field, not in the base data"
NEW_UNUSED = "new field, not used by the model"
NO_VALUES = "no non-NULL values to compare"


@dataclass(frozen=True)
class Row:
    """One planned output row: which feature, metric and threshold; ``form`` is a form change's reason."""

    input: str
    metric: str
    threshold: float
    compute: bool
    form: str | None = None
    note: str | None = None
    anomaly: bool = True  # of a form row


def _kind(dtype: str) -> str:
    return "numeric" if is_numeric_type(dtype) else "categorical"


def plan(
    base: Sequence[tuple[str, str]],
    study: Sequence[tuple[str, str]],
    settings: Mapping[str, Any],
    ignored: Sequence[str] = (),
    skew: bool = False,
) -> list[Row]:
    """The output rows: base columns in order, then the study's new ones (``ignored`` ones are skipped;
    ``skew``: the base is a model's training data, and a new field is not an anomaly)."""
    thresholds = monitoring_params.Thresholds.of(settings)

    def metric(dtype: str) -> str:
        key = "numerical_metric_type" if is_numeric_type(dtype) else "categorical_metric_type"
        return str(settings[key])

    def threshold(name: str, dtype: str) -> float:
        return thresholds.of_feature(name, is_numeric_type(dtype))

    by_lower = {name.lower(): (name, dtype) for name, dtype in study}
    rows: list[Row] = []
    for name, dtype in base:
        found = by_lower.get(name.lower())
        if found is None:
            rows.append(Row(name, metric(dtype), threshold(name, dtype), compute=False, form=MISSING))
            continue
        study_type = found[1]
        changed = f"type changed from {dtype} to {study_type}" if study_type != dtype else None
        if _kind(dtype) != _kind(study_type):
            rows.append(Row(name, metric(dtype), threshold(name, dtype), compute=False, form=changed))
        else:
            rows.append(Row(name, metric(dtype), threshold(name, dtype), compute=True, note=changed))
    known = {name.lower() for name, _ in base} | {name.lower() for name in ignored}
    for name, dtype in study:
        if name.lower() not in known:
            reason = NEW_UNUSED if skew else NEW
            rows.append(
                Row(name, metric(dtype), threshold(name, dtype), compute=False, form=reason, anomaly=not skew)
            )
    return rows


def _plan_values(rows: list[Row]) -> exp.Query:
    selects = [
        exp.select(
            exp.alias_(exp.Literal.number(i), "ord"),
            exp.alias_(string(r.input), "input"),
            exp.alias_(string(r.metric), "metric"),
            exp.alias_(num(r.threshold), "threshold"),
            exp.alias_(exp.Boolean(this=r.compute), "compute"),
            exp.alias_(exp.cast(string(r.form) if r.form else exp.null(), "VARCHAR"), "form"),
            exp.alias_(exp.cast(string(r.note) if r.note else exp.null(), "VARCHAR"), "note"),
            exp.alias_(exp.Boolean(this=r.anomaly), "anomaly"),
        )
        for i, r in enumerate(rows)
    ]
    out: exp.Query = selects[0]
    for select in selects[1:]:
        out = exp.Union(this=out, expression=select, distinct=False)
    return out


_RESULT = """
SELECT p.input, p.metric, p.threshold, d.value,
       CASE WHEN p.form IS NOT NULL THEN p.anomaly WHEN d.value IS NULL THEN TRUE
            ELSE d.value > p.threshold END AS is_anomaly,
       coalesce(p.form, CASE WHEN d.value IS NULL THEN __p_no_values END, p.note) AS reason
FROM __p_plan AS p
LEFT JOIN __p_distances AS d ON p.compute AND d.feature = p.input AND d.metric = p.metric
ORDER BY p.ord
"""

_EMPTY = """
SELECT CAST(NULL AS VARCHAR) AS input, CAST(NULL AS VARCHAR) AS metric, CAST(NULL AS DOUBLE) AS threshold,
       CAST(NULL AS DOUBLE) AS value, CAST(NULL AS BOOLEAN) AS is_anomaly, CAST(NULL AS VARCHAR) AS reason
WHERE FALSE
"""


def result(rows: list[Row], base_statistics: exp.Query, study_statistics: exp.Query) -> exp.Query:
    """The output rows (``OUTPUT``) of ``rows`` over the distances of the two statistics queries."""
    if not rows:
        query = fill(_EMPTY)
    else:
        query = fill(
            _RESULT,
            plan=_plan_values(rows).subquery("p"),
            distances=distances(base_statistics, study_statistics).subquery("d"),
            no_values=string(NO_VALUES),
        )
    assert isinstance(query, exp.Query)
    return query


def columns(con: duckdb.DuckDBPyConnection, query: exp.Query) -> list[tuple[str, str]]:
    """(name, DuckDB type) of the columns a query returns."""
    return columns_of(con, f"({sql(query)})")


def compared(rows: list[Row], types: Mapping[str, str]) -> list[Column]:
    """The columns both sides' statistics must describe: the rows with a distance, named as in the plan."""
    return [Column(r.input, is_numeric_type(types[r.input.lower()])) for r in rows if r.compute]


def drift(
    con: duckdb.DuckDBPyConnection,
    base: exp.Query,
    study: exp.Query,
    given: Mapping[str, Any],
    materialize: Callable[[exp.Query], exp.Query],
) -> exp.Query:
    """``ML.VALIDATE_DATA_DRIFT(base, study, STRUCT(...))``: each side's statistics computed once into a
    temp table by ``materialize`` (one scan pair per side), the distances a query over the two."""
    settings = monitoring_params.read("VALIDATE_DATA_DRIFT", given, monitoring_params.DRIFT)
    base_columns, study_columns = columns(con, base), columns(con, study)
    monitoring_params.Thresholds.of(settings).check_names(
        "VALIDATE_DATA_DRIFT", [c for c, _ in [*base_columns, *study_columns]]
    )
    rows = plan(base_columns, study_columns, settings)
    buckets, rank = settings["num_histogram_buckets"], settings["num_rank_histogram_buckets"]
    described = compared(rows, _types(base_columns))
    return result(
        rows,
        materialize(statistics(renamed(base, base_columns, rows), described, buckets, rank)),
        materialize(statistics(renamed(study, study_columns, rows), described, buckets, rank)),
    )


def _types(columns_: Sequence[tuple[str, str]]) -> dict[str, str]:
    return {name.lower(): dtype for name, dtype in columns_}


def renamed(query: exp.Query, columns_: Sequence[tuple[str, str]], rows: list[Row]) -> exp.Query:
    """The compared columns of ``query`` under the plan's names (the sides may differ in case)."""
    actual = {name.lower(): name for name, _ in columns_}
    picked = [
        exp.alias_(
            exp.column(exp.to_identifier(actual[r.input.lower()], quoted=True)),
            exp.to_identifier(r.input, quoted=True),
        )
        for r in rows
        if r.compute
    ]
    if not picked:
        return exp.select(exp.alias_(exp.null(), "__none")).from_(query.subquery("__side"))
    return exp.select(*picked).from_(query.subquery("__side"))
