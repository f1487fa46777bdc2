"""Automatic preprocessing (bqml.md): mean imputation, one-hot with a NULL category, standardization;
for tree models (``Encoding(standardize=False, impute=False, label_encode=True)``) NULLs stay missing and
categoricals become one label-encoded dimension (alphabetical 1..N; NULL and unseen values 0).

``fit`` computes every feature's statistics with SQL aggregates over the training relation (the rows
stay in DuckDB); ``Feature`` records them in the registry; ``encode`` turns them into the SQL
expressions of the model's numeric input dimensions, the same at training and at scoring time.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlglot import exp

from lakehouse.contracts import ModelFeature
from lakehouse.errors import InputError, UsageError
from warehouse.ml.sqlexpr import col, finite_or_null, ident, num, sql, string

T = TypeVar("T")

NULL_CATEGORY = "_null_filler"
#: types whose values can be NaN or infinite
_FLOATING = frozenset({"FLOAT", "DOUBLE", "REAL"})
_NUMERIC = re.compile(
    r"^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|REAL|DECIMAL.*)$"
)
_UNSUPPORTED = re.compile(r"(\[\]|^STRUCT|^MAP|^UNION|^BLOB)")


@dataclass
class Feature(ModelFeature):
    """One input column (``name``, ``dtype``: the registry's ``ModelFeature``) and its training statistics."""

    numeric: bool
    min: float | None = None
    max: float | None = None
    mean: float | None = None
    median: float | None = None
    stddev: float | None = None
    null_count: int = 0
    categories: list[str | None] = field(default_factory=list)  # None is the NULL category

    @property
    def scale(self) -> float:
        return self.stddev if self.stddev else 1.0

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Feature:
        return cls(**data)


@dataclass(frozen=True)
class Encoding:
    """How a model type turns features into dimensions (its choice, from its options)."""

    standardize: bool = True  # numeric dimensions as (x - mean) / stddev
    dummy: bool = False  # DUMMY_ENCODING: each categorical feature loses its first category
    impute: bool = True  # numeric NULL -> the training mean (tree models: NULL stays missing)
    label_encode: bool = False  # LABEL_ENCODING: a categorical feature is one dimension, its category's index
    center: bool = False  # without standardize: numeric dimensions as x - mean (one-hot ones stay 0/1)


@dataclass(frozen=True)
class Dim:
    """One numeric input dimension of a model: a numeric feature or one category of a categorical one."""

    feature: str
    category: str | None = None  # for one-hot dims; NULL_CATEGORY for the NULL category
    numeric: bool = True
    label_encoded: bool = False  # one dim for the whole categorical feature: 1..N alphabetical, 0 NULL/unseen


def is_numeric_type(dtype: str) -> bool:
    return bool(_NUMERIC.match(dtype.upper()))


def is_floating_type(dtype: str | None) -> bool:
    """Whether values of ``dtype`` can be NaN or infinite."""
    return dtype is not None and dtype.upper() in _FLOATING


def infinite_in_training(what: str, count: int, takes: str, hint: str) -> InputError:
    """The one line that stops CREATE MODEL when ``what`` (a feature, a label column, a TRANSFORM
    function's input) is infinite in ``count`` training rows."""
    return InputError(
        f"{what} is infinite in {count} training row{'s' if count != 1 else ''}; {takes}", hint=hint
    )


def fit(con: duckdb.DuckDBPyConnection, relation: exp.Expr, columns: list[tuple[str, str]]) -> list[Feature]:
    """Statistics of every feature column of ``relation`` (one aggregate query + one per categorical)."""
    return fit_with(con, relation, columns)[0]


def fit_with(
    con: duckdb.DuckDBPyConnection,
    relation: exp.Expr,
    columns: list[tuple[str, str]],
    extra: Sequence[exp.Expr] = (),
) -> tuple[list[Feature], list[Any]]:
    """``fit``, and the values of ``extra`` aggregates over the same rows computed in the same scan
    (what else the caller needs from them: the training statistics' ranges).

    A NaN is a missing value, as NULL is (``encode``); an infinity is refused (``InputError`` naming
    the feature and counting its rows). The plain pass comes first: without NaN or infinities (the
    usual case) its numbers are the statistics; a NaN or an infinity shows there as a mean that is not
    finite, or fails DuckDB's stddev_samp, and the pass is made again with NaN as NULL. A finite
    feature wider than a double's square root (-1.7e308 and 1.7e308) fails that pass too, or sums to
    an infinite mean: a last pass takes its mean and stddev over scaled values (``huge_scales``)."""
    features: list[Feature] = []
    for name, dtype in columns:
        if _UNSUPPORTED.search(dtype.upper()):
            raise UsageError(
                f"feature {name!r} has type {dtype}, which models cannot use", hint="select scalar columns"
            )
        features.append(Feature(name=name, dtype=dtype, numeric=is_numeric_type(dtype)))
    if not features and not extra:
        return features, []
    try:
        found = _statistics(con, relation, features, extra, nan_missing=False)
        plain = all(f.mean is None or math.isfinite(f.mean) for f in features)
    except duckdb.OutOfRangeException:  # stddev_samp of values with a NaN or an infinity
        plain = False
    if not plain:
        try:
            found = _statistics(con, relation, features, extra, nan_missing=True)
            huge = not all(f.mean is None or math.isfinite(f.mean) for f in features)
        except duckdb.OutOfRangeException:  # stddev_samp of finite values whose squares overflow
            huge = True
        if huge:
            scales = huge_scales(con, relation, [f.name for f in features if f.numeric])
            found = _statistics(con, relation, features, extra, nan_missing=True, scales=scales)
    for f in features:
        if f.numeric and f.mean is None:
            raise UsageError(
                f"feature {f.name!r} is NULL or NaN in every training row", hint="drop the column"
            )
    for f in features:
        if not f.numeric:
            value = exp.cast(col(f.name), "VARCHAR")
            query = (
                exp.select(exp.alias_(value, "c"))
                .from_(exp.Subquery(this=relation))
                .group_by(value)
                .order_by("1 NULLS LAST")
            )
            f.categories = [r[0] for r in con.execute(sql(query)).fetchall()]
    return features, found


def _statistics(
    con: duckdb.DuckDBPyConnection,
    relation: exp.Expr,
    features: list[Feature],
    extra: Sequence[exp.Expr],
    *,
    nan_missing: bool,
    scales: Mapping[str, float] | None = None,
) -> list[Any]:
    """One scan: each feature's NULL count and a numeric one's min, max, mean, median and stddev set on
    ``features``; the values of ``extra`` returned. With ``nan_missing`` a NaN counts and is left out
    as NULL is, and a numeric feature with an infinity raises. A feature in ``scales`` has its mean and
    stddev taken over its values times its scale (a power of two: exact) and divided by it after."""
    aggregates: list[exp.Expr] = []
    infinite: list[exp.Expr] = []
    for f in features:
        x: exp.Expr = exp.cast(col(f.name), "DOUBLE") if f.numeric else col(f.name)
        if f.numeric and nan_missing:
            infinite.append(exp.func("count_if", exp.func("isinf", x.copy())))
            # NULL unless finite: NaN is left out as NULL is; an infinity too (then the pass raises)
            x = finite_or_null(x)
        aggregates.append(exp.func("count_if", exp.Is(this=x.copy(), expression=exp.null())))
        if f.numeric:
            scale = (scales or {}).get(f.name)
            mean = scaled_aggregate("avg", x, scale)
            stddev = scaled_aggregate("stddev_samp", x, scale)
            aggregates += [exp.func("min", x.copy()), exp.func("max", x.copy()), mean]
            aggregates += [exp.func("reservoir_quantile", x.copy(), exp.Literal.number(0.5)), stddev]
    row = con.execute(
        sql(exp.select(*aggregates, *infinite, *extra).from_(exp.Subquery(this=relation)))
    ).fetchone()
    assert row is not None
    values = iter(row)
    for f in features:
        f.null_count = int(next(values))
        if f.numeric:
            f.min, f.max, f.mean, f.median, f.stddev = (
                None if v is None else float(v) for v in [next(values) for _ in range(5)]
            )
    for f in (f for f in features if f.numeric and nan_missing):
        count = int(next(values))
        if count:
            raise infinite_in_training(
                f"feature {f.name!r}",
                count,
                "models take finite numbers (NULL and NaN are missing values)",
                f"to make them missing: IF(IS_INF({f.name}), NULL, {f.name}); or filter the rows out",
            )
    return list(values)


#: a finite numeric feature whose largest magnitude reaches this has its mean and stddev scaled
#: (``huge_scales``): below it no sum of n squared deviations overflows a double
_HUGE = 2.0**400


def huge_scales(
    con: duckdb.DuckDBPyConnection, relation: exp.Expr, numeric: Sequence[str]
) -> dict[str, float]:
    """For each numeric column of ``numeric`` whose finite values reach ``_HUGE`` (-1.7e308 and 1.7e308:
    their mean's sum, or their stddev's squares, overflow a double, DuckDB's "STDDEV_SAMP is out of
    range"), the power of two that brings its largest magnitude to [0.5, 1): exact, every smaller value
    keeps its bits relative to it down to 2**-1074 of that magnitude. Other columns keep their values as
    they are (not in the result). One scan of ``relation``; ML.DESCRIBE_DATA and ML.TFDV_DESCRIBE use it too."""
    if not numeric:
        return {}
    aggregates = []
    for name in numeric:
        aggregates.append(exp.func("max", exp.func("abs", finite_or_null(exp.cast(col(name), "DOUBLE")))))
    row = con.execute(sql(exp.select(*aggregates).from_(exp.Subquery(this=relation)))).fetchone()
    assert row is not None
    return {
        name: math.ldexp(1.0, -math.frexp(top)[1])
        for name, top in zip(numeric, row, strict=True)
        if top is not None and top >= _HUGE
    }


def scaled_when_huge(
    con: duckdb.DuckDBPyConnection,
    relation: exp.Expr,
    numeric: Sequence[str],
    run: Callable[[Mapping[str, float]], T],
    finite: Callable[[T], bool],
) -> T:
    """``run({})``, the plain pass of a describing query; made again as ``run(scales)`` over scaled values
    (``huge_scales``) when a numeric column of ``relation`` is wider than a double's square root and the
    plain pass failed on it (DuckDB's "STDDEV_SAMP/STDDEV_POP is out of range") or its means are not all
    ``finite`` (a sum that overflowed). Used by ML.DESCRIBE_DATA and ML.TFDV_DESCRIBE."""
    try:
        result = run({})
    except duckdb.OutOfRangeException:  # a stddev of finite values whose squares overflow
        scales = huge_scales(con, relation, numeric)
        if not scales:
            raise
        return run(scales)
    if finite(result):
        return result
    scales = huge_scales(con, relation, numeric)
    return run(scales) if scales else result


def scaled_aggregate(
    aggregate: str, x: exp.Expr, scale: float | None, where: exp.Expr | None = None
) -> exp.Expr:
    """``aggregate(x)`` (FILTER (WHERE ``where``)), taken over ``x`` times ``scale`` (a power of two from
    ``huge_scales``: exact) and divided by it after: the mean and stddev of values wider than a double's
    square root without overflow. Without a scale, the plain aggregate."""
    value = x.copy() if scale is None else exp.Mul(this=x.copy(), expression=num(scale))
    out: exp.Expr = exp.func(aggregate, value)
    if where is not None:
        out = exp.Filter(this=out, expression=exp.Where(this=where.copy()))
    return out if scale is None else exp.Div(this=out, expression=num(scale))


def dims(features: list[Feature], *, dummy: bool = False, label_encode: bool = False) -> list[Dim]:
    """The model's input dimensions in order (DUMMY_ENCODING drops each feature's first category;
    LABEL_ENCODING makes a categorical feature one dimension)."""
    out: list[Dim] = []
    for f in features:
        if f.numeric:
            out.append(Dim(f.name))
        elif label_encode:
            out.append(Dim(f.name, numeric=False, label_encoded=True))
        else:
            cats = f.categories[1:] if dummy else f.categories
            out += [Dim(f.name, NULL_CATEGORY if c is None else c, numeric=False) for c in cats]
    return out


def label_index(f: Feature, source: exp.Expr) -> exp.Expr:
    """The label-encoded value of a categorical feature: 1..N in the vocabulary's (alphabetical) order,
    0 for NULL and for values unseen in training."""
    vocabulary = exp.Array(expressions=[string(c) for c in f.categories if c is not None])
    position = exp.func("list_position", vocabulary, exp.cast(source, "VARCHAR"))
    return exp.cast(exp.func("coalesce", position, exp.Literal.number(0)), "DOUBLE")


def encode(
    features: list[Feature],
    dimensions: list[Dim],
    *,
    standardize: bool,
    table: str | None = None,
    impute: bool = True,
    center: bool = False,
) -> list[exp.Expr]:
    """SQL expressions of ``dimensions`` over the input columns: imputed (unless ``impute`` is off; NaN
    is missing as NULL is, an infinity an error), optionally standardized (or only centered), one-hot
    or label-encoded."""
    by_name = {f.name: f for f in features}
    out: list[exp.Expr] = []
    for d in dimensions:
        f = by_name[d.feature]
        source = col(f.name, table)
        if d.label_encoded:
            out.append(label_index(f, source))
        elif d.numeric:
            value = _missing_or_finite(exp.cast(source, "DOUBLE"), f.name, num(f.mean) if impute else None)
            if standardize:
                value = exp.Div(
                    this=exp.Paren(this=exp.Sub(this=value, expression=num(f.mean))), expression=num(f.scale)
                )
            elif center:
                value = exp.Sub(this=value, expression=num(f.mean))
            out.append(value)
        else:
            test: exp.Expr = (
                exp.Is(this=source, expression=exp.null())
                if d.category == NULL_CATEGORY
                else exp.EQ(this=exp.cast(source, "VARCHAR"), expression=string(d.category or ""))
            )
            out.append(exp.If(this=exp.func("coalesce", test, exp.false()), true=num(1.0), false=num(0.0)))
    return out


def _missing_or_finite(value: exp.Expr, name: str, imputed: exp.Expr | None) -> exp.Expr:
    """A numeric input: finite as it is, NULL and NaN missing (``imputed``, the training mean; or a
    NaN, xgboost's missing value, for a model that does not impute), an infinity DuckDB's ``error()``
    naming the feature."""
    message = f"feature {name!r} is infinite in an input row; models take finite numbers"
    refused = exp.If(this=exp.func("isinf", value.copy()), true=exp.func("error", string(message)))
    if imputed is None:
        return exp.Case(ifs=[refused], default=value)
    kept = exp.If(this=exp.func("isfinite", value.copy()), true=value)
    return exp.Case(ifs=[kept, refused], default=imputed)


def encode_numeric(
    f: Feature,
    values: pa.Array,
    out: np.ndarray,
    *,
    standardize: bool,
    impute: bool = True,
    center: bool = False,
) -> None:
    """``encode`` of a numeric feature's dimension in numpy, for a type that reads the rows itself:
    ``values`` is the column read as DOUBLE, the result goes into ``out`` (NULL as NaN). The same IEEE
    operations in the same order as the SQL (NULL and NaN as the mean, ``- mean``, ``/ stddev``), so the
    same bits; over millions of rows numpy does them several times faster than DuckDB's arithmetic."""
    mean = f.mean
    if mean is None:
        raise ValueError(f"numeric feature {f.name!r} has no training mean")
    if impute and values.null_count:
        values = pc.fill_null(values, pa.scalar(mean, pa.float64()))
    array = values.to_numpy(zero_copy_only=False)
    if impute:  # a NaN is missing too (``fit`` refused infinities)
        missing = np.isnan(array)
        if missing.any():
            array = np.where(missing, mean, array)
    if standardize:
        np.divide(np.subtract(array, mean, out=out), f.scale, out=out)
    elif center:
        np.subtract(array, mean, out=out)
    else:
        out[:] = array


def dim_name(i: int) -> str:
    return f"__x{i}"


def encoded_select(
    features: list[Feature],
    dimensions: list[Dim],
    *,
    standardize: bool,
    impute: bool = True,
    center: bool = False,
) -> list[exp.Expr]:
    """``encode`` aliased as ``__x0, __x1, ...``."""
    return [
        exp.alias_(e, ident(dim_name(i)))
        for i, e in enumerate(
            encode(features, dimensions, standardize=standardize, impute=impute, center=center)
        )
    ]
