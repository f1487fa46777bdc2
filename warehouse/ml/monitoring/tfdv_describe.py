"""ML.TFDV_DESCRIBE({TABLE t | (query)} [, STRUCT(num_histogram_buckets, num_quantiles_histogram_buckets,
num_values_histogram_buckets, num_rank_histogram_buckets)]).

One row, one column ``dataset_feature_statistics_list``: a TFDV ``DatasetFeatureStatisticsList`` as JSON,
in the proto's canonical JSON mapping with the proto's own field names (BigQuery's shape: ``datasets[0]
.features[]`` with ``name``, ``type``, ``num_stats`` or ``string_stats``; fields at their default - 0, "",
an empty list, the enum's first value (``INT``, ``STANDARD``) - are left out; 64-bit integers are strings).

Computed in the warehouse by two queries over the rows: ``statistics.statistics`` (the same STANDARD and
rank histograms ML.VALIDATE_DATA_DRIFT compares) and one aggregate per column here (counts, mean, standard
deviation (population, as TFDV), zeros, min, median, max, the quantiles histogram, unique values, average
length, top values). Only those aggregates come back to Python, which writes the JSON.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

import duckdb
from sqlglot import exp

from warehouse.ml.monitoring import params as monitoring_params
from warehouse.ml.monitoring import validate
from warehouse.ml.monitoring.statistics import Column, statistics
from warehouse.ml.monitoring.training_statistics import describable
from warehouse.ml.preprocessing.automatic import is_numeric_type, scaled_aggregate, scaled_when_huge
from warehouse.ml.sqlexpr import col, fill, sql, string

OUTPUT = "dataset_feature_statistics_list"
TOP_VALUES = 20  # TFDV's StatsOptions.num_top_values
_INTEGER = (
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
)

_NUMERIC = """
SELECT {'name': __p_name, 'present': count(__p_c),
        'mean': __p_mean, 'std_dev': __p_std_dev,
        'num_zeros': count_if(CAST(__p_c AS DOUBLE) = 0),
        'min': min(CAST(__p_c AS DOUBLE)) FILTER (WHERE NOT isnan(CAST(__p_c AS DOUBLE))),
        'max': max(CAST(__p_c AS DOUBLE)) FILTER (WHERE NOT isnan(CAST(__p_c AS DOUBLE))),
        'median': quantile_cont(CAST(__p_c AS DOUBLE), 0.5) FILTER (WHERE isfinite(CAST(__p_c AS DOUBLE))),
        'quantiles': quantile_cont(CAST(__p_c AS DOUBLE), __p_points) FILTER (WHERE isfinite(CAST(__p_c AS DOUBLE))),
        'unique': CAST(NULL AS BIGINT), 'avg_length': CAST(NULL AS DOUBLE),
        'top': CAST(NULL AS STRUCT(value VARCHAR, count BIGINT)[])}
"""

_CATEGORICAL = """
SELECT {'name': __p_name, 'present': count(__p_c),
        'mean': CAST(NULL AS DOUBLE), 'std_dev': CAST(NULL AS DOUBLE), 'num_zeros': CAST(NULL AS BIGINT),
        'min': CAST(NULL AS DOUBLE), 'max': CAST(NULL AS DOUBLE), 'median': CAST(NULL AS DOUBLE),
        'quantiles': CAST(NULL AS DOUBLE[]),
        'unique': count(DISTINCT CAST(__p_c AS VARCHAR)), 'avg_length': avg(length(CAST(__p_c AS VARCHAR))),
        'top': CAST(list_transform(
            list_slice(list_sort(list_transform(map_entries(histogram(CAST(__p_c AS VARCHAR))),
                                                __t -> {'n': -__t.value, 'v': __t.key})), 1, __p_k),
            __t -> {'value': __t.v, 'count': -__t.n}) AS STRUCT(value VARCHAR, count BIGINT)[])}
"""


def _summary(
    source: exp.Query, columns: Sequence[Column], quantile_buckets: int, scales: Mapping[str, float]
) -> exp.Query:
    """One row per column (``_NUMERIC``/``_CATEGORICAL``) and the row count, by one aggregate query; the
    mean and std_dev of a column in ``scales`` over its values times its scale (``automatic.huge_scales``)."""
    points = exp.Array(
        expressions=[exp.Literal.number(repr(i / quantile_buckets)) for i in range(quantile_buckets + 1)]
    )
    structs = []
    for column in columns:
        template = _NUMERIC if column.numeric else _CATEGORICAL
        x = exp.cast(col(column.name), "DOUBLE")
        finite = exp.func("isfinite", x.copy())  # TFDV's mean and std_dev are over the finite values
        scale = scales.get(column.name)
        select = fill(
            template,
            name=string(column.name),
            c=col(column.name),
            points=points,
            k=exp.Literal.number(TOP_VALUES),
            mean=scaled_aggregate("avg", x, scale, where=finite),
            std_dev=scaled_aggregate("stddev_pop", x, scale, where=finite),
        )
        assert isinstance(select, exp.Select)
        structs.append(select.expressions[0])
    count = exp.alias_(exp.func("count", exp.Star()), "__rows")
    if not structs:
        return exp.select(count, exp.alias_(exp.null(), "__s")).from_(source.subquery("__rows"))
    return exp.select(
        count, exp.alias_(exp.Unnest(expressions=[exp.Array(expressions=structs)]), "__s")
    ).from_(source.subquery("__rows"))


def describe(con: duckdb.DuckDBPyConnection, source: exp.Query, given: Mapping[str, Any]) -> exp.Query:
    """``ML.TFDV_DESCRIBE``: the statistics JSON of the rows of ``source`` as a one-row query."""
    settings = monitoring_params.read("TFDV_DESCRIBE", given, monitoring_params.BUCKETS)
    types = {name: dtype for name, dtype in validate.columns(con, source) if describable(dtype)}
    columns = [Column(name, is_numeric_type(dtype)) for name, dtype in types.items()]
    summaries = _summaries(con, source, columns, settings["num_quantiles_histogram_buckets"])
    histograms = con.execute(
        sql(
            statistics(
                source, columns, settings["num_histogram_buckets"], settings["num_rank_histogram_buckets"]
            )
        )
    ).fetchall()
    rows = int(summaries[0][0]) if summaries else 0
    by_feature: dict[str, list[tuple[Any, ...]]] = {}
    for feature, *rest in histograms:
        by_feature.setdefault(feature, []).append(tuple(rest))
    features = [
        _feature(s, types[s["name"]], rows, by_feature.get(s["name"], []), settings)
        for _, s in summaries
        if s is not None
    ]
    document = {
        "datasets": [_pruned({"num_examples": rows, "weighted_num_examples": 0, "features": features})]
    }
    text = json.dumps(_canonical(document), allow_nan=False)
    return exp.select(exp.alias_(exp.cast(string(text), "JSON"), OUTPUT))


def _summaries(
    con: duckdb.DuckDBPyConnection, source: exp.Query, columns: Sequence[Column], quantile_buckets: int
) -> list[tuple[Any, ...]]:
    """``_summary``'s rows. As CREATE MODEL's feature pass (``automatic.fit_with``): a column wider than a
    double's square root (-1.7e308 and 1.7e308) fails the plain pass ("STDDEV_POP is out of range") or
    sums to an infinite mean; the pass is then made again over scaled values (``automatic.huge_scales``)."""
    return scaled_when_huge(
        con,
        source,
        [c.name for c in columns if c.numeric],
        lambda scales: con.execute(sql(_summary(source, columns, quantile_buckets, scales))).fetchall(),
        lambda rows: all(
            math.isfinite(s["mean"]) for _, s in rows if s is not None and s["mean"] is not None
        ),
    )


def _feature(
    summary: dict[str, Any],
    dtype: str,
    rows: int,
    histogram: list[tuple[Any, ...]],
    settings: Mapping[str, Any],
) -> dict[str, Any]:
    present = int(summary["present"])
    common = {
        "num_non_missing": present,
        "num_missing": rows - present,
        "min_num_values": 1 if present else 0,
        "max_num_values": 1 if present else 0,
        "avg_num_values": 1.0 if present else 0.0,
        "tot_num_values": present,
        "num_values_histogram": _quantiles([1.0] * (settings["num_values_histogram_buckets"] + 1), present),
    }
    if is_numeric_type(dtype):
        kind = None if dtype.upper() in _INTEGER else "FLOAT"  # INT is the enum's default: left out
        stats = {
            "common_stats": common,
            **{k: summary[k] for k in ("mean", "std_dev", "num_zeros", "min", "median", "max")},
            "histograms": [_standard(histogram), _quantiles(summary["quantiles"] or [], present)],
        }
        return _pruned({"name": summary["name"], "type": kind, "num_stats": stats})
    ranked = [(value, count) for kind_, _, _, value, count in histogram if kind_ == "value"]
    stats = {
        "common_stats": common,
        "unique": summary["unique"],
        "top_values": [{"value": t["value"], "frequency": float(t["count"])} for t in summary["top"] or []],
        "avg_length": summary["avg_length"],
        "rank_histogram": {
            "buckets": [
                {"low_rank": i, "high_rank": i, "label": value, "sample_count": count}
                for i, (value, count) in enumerate(ranked)
            ]
        },
    }
    return _pruned({"name": summary["name"], "type": "STRING", "string_stats": stats})


def _standard(histogram: list[tuple[Any, ...]]) -> dict[str, Any]:
    """The STANDARD histogram: the equal-width (or point) buckets, the infinite ones, NaNs as ``num_nan``."""
    buckets, nan = [], 0
    for kind, low, high, _, count in histogram:
        if kind in ("bucket", "point"):
            buckets.append({"low_value": low, "high_value": high, "sample_count": count})
        elif kind == "inf":  # TFDV's bucket with infinite bounds (the sign is not kept)
            buckets.append({"low_value": -math.inf, "high_value": math.inf, "sample_count": count})
        elif kind == "nan":
            nan = int(count)
    return {"num_nan": nan, "buckets": buckets}


def _quantiles(points: Sequence[float], present: int) -> dict[str, Any]:
    """TFDV's QUANTILES histogram: buckets between consecutive quantiles, each holding an equal share."""
    n = len(points) - 1
    share = present / n if n > 0 and present else 0.0
    buckets = [{"low_value": points[i], "high_value": points[i + 1], "sample_count": share} for i in range(n)]
    return {"buckets": buckets if present else [], "type": "QUANTILES"}


def _pruned(value: Any) -> Any:
    """Without the fields proto3's JSON leaves out: None, 0, "", empty lists and messages (not in lists)."""
    if isinstance(value, dict):
        out = {k: _pruned(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v not in (None, 0, "", [], {}) or isinstance(v, bool)}
    if isinstance(value, list):
        return [_pruned(v) for v in value]
    return value


def _canonical(value: Any, key: str = "") -> Any:
    """Proto3's JSON mapping: 64-bit integers as strings, non-finite doubles as "NaN"/"Infinity"."""
    if isinstance(value, dict):
        return {k: _canonical(v, k) for k, v in _pruned(value).items()}
    if isinstance(value, list):
        return [_canonical(v, key) for v in value]
    if isinstance(value, bool | str):
        return value
    if isinstance(value, int) and key not in _DOUBLES:
        return str(value)
    if isinstance(value, int | float):
        number = float(value)
        if math.isnan(number):
            return "NaN"
        if math.isinf(number):
            return "Infinity" if number > 0 else "-Infinity"
        return number
    return value


#: the statistics fields that are doubles (or floats) in statistics.proto: written as JSON numbers
_DOUBLES = frozenset(
    {"weighted_num_examples", "mean", "std_dev", "min", "median", "max", "low_value", "high_value",
     "sample_count", "avg_num_values", "frequency", "avg_length"}
)  # fmt: skip
