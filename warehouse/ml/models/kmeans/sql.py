"""The SQL of k-means: distances, nearest-centroid assignment and per-cluster aggregates.

``assigned(source, centroids)`` adds ``__d1..__dk`` (distance to each centroid: Euclidean or cosine),
``__dmin`` and ``__cid`` (1-based, ties to the lowest id, like numpy's argmin) to any
relation holding the encoded dimensions ``__x0..``. Training and scoring both use it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np
from sqlglot import exp

from warehouse.ml.model import ROW_ID, TrainingData
from warehouse.ml.preprocessing.automatic import dim_name
from warehouse.ml.sqlexpr import add, col, ident, num, paren, sql

DMIN = "__dmin"
CID = "__cid"


def _d(c: int) -> str:
    return f"__d{c + 1}"


VECTOR = "__v"


@dataclass(frozen=True)
class Parameters:
    """The k x d centroids as named query parameters ``$c_<c>_<j>`` (and their norms ``$n_<c>``), so
    that one query text serves every Lloyd iteration; ``bind`` gives an iteration's values."""

    k: int
    d: int

    @staticmethod
    def bind(centroids: np.ndarray, cosine: bool) -> dict[str, float]:
        values = {f"c_{c}_{j}": float(v) for c, row in enumerate(centroids) for j, v in enumerate(row)}
        if cosine:  # only the cosine distance reads the norms
            values.update({f"n_{c}": _norm(row) for c, row in enumerate(centroids)})
        return values


Centroids = np.ndarray | Parameters


def _norm(row: np.ndarray) -> float:
    return float(np.sqrt(np.dot(row, row)))


def _value(centroids: Centroids, c: int, j: int) -> exp.Expr:
    if isinstance(centroids, Parameters):
        return exp.Placeholder(this=f"c_{c}_{j}")
    return num(centroids[c, j])


def _norm_of(centroids: Centroids, c: int) -> exp.Expr:
    if isinstance(centroids, Parameters):
        return exp.Placeholder(this=f"n_{c}")
    return num(_norm(centroids[c]))


def _count(centroids: Centroids) -> int:
    return centroids.k if isinstance(centroids, Parameters) else len(centroids)


def distance_exprs(d: int, centroids: Centroids, cosine: bool) -> list[exp.Expr]:
    """Distance of the row to each centroid: Euclidean (DuckDB's array_distance over the row vector
    ``__v``, several times faster than the same arithmetic spelled out per dimension) or cosine.
    The centroids enter as exact DOUBLE literals, or as ``Parameters``."""
    xs = [col(dim_name(j)) for j in range(d)]
    vector_type = exp.DataType.build(f"DOUBLE[{d}]")
    out: list[exp.Expr] = []
    for c in range(_count(centroids)):
        if cosine:
            dot = add([exp.Mul(this=x.copy(), expression=_value(centroids, c, j)) for j, x in enumerate(xs)])
            norm_x = exp.func("sqrt", add([exp.Mul(this=x.copy(), expression=x.copy()) for x in xs]))
            denominator = exp.func(
                "nullif", exp.Mul(this=norm_x, expression=_norm_of(centroids, c)), num(0.0)
            )
            cos = exp.func("coalesce", exp.Div(this=paren(dot), expression=denominator), num(0.0))
            out.append(exp.Sub(this=num(1.0), expression=cos))
        else:
            values = [_value(centroids, c, j) for j in range(d)]
            point = exp.Cast(this=exp.Array(expressions=values), to=vector_type.copy())
            out.append(exp.func("array_distance", col(VECTOR), point))
    return out


def assigned(source: exp.Expr, d: int, centroids: Centroids, cosine: bool) -> exp.Select:
    """``source`` plus ``__v``, ``__d1..__dk`` (distances), ``__dmin`` and ``__cid`` (source: a table or subquery)."""
    k = _count(centroids)
    vector = exp.cast(exp.Array(expressions=[col(dim_name(j)) for j in range(d)]), f"DOUBLE[{d}]")
    with_vector = exp.select("*", exp.alias_(vector, ident(VECTOR))).from_(source, copy=False)
    distances = [exp.alias_(e, ident(_d(c))) for c, e in enumerate(distance_exprs(d, centroids, cosine))]
    inner = exp.select("*", *distances).from_(with_vector.subquery("__vector"), copy=False)
    # DuckDB's own LEAST: the distances are never NULL (every dimension is imputed, one-hot 0/1 or
    # label-encoded; the cosine distance coalesces), so BigQuery's NULL-if-any-NULL test that sqlglot
    # writes around it otherwise (k IS NULL tests and a CASE per row) changes nothing and cost 10-20 % of a step
    nearest = (
        exp.Least(this=col(_d(0)), expressions=[col(_d(c)) for c in range(1, k)], ignore_nulls=True)
        if k > 1
        else col(_d(0))
    )
    with_min = exp.select("*", exp.alias_(nearest, ident(DMIN))).from_(inner.subquery("__dist"), copy=False)
    case = exp.Case()
    for c in range(k):
        case = case.when(exp.EQ(this=col(_d(c)), expression=col(DMIN)), exp.Literal.number(c + 1))
    return exp.select("*", exp.alias_(case, ident(CID))).from_(with_min.subquery("__nearest"), copy=False)


def distance_of(dmin: exp.Expr, cosine: bool) -> exp.Expr:
    """The reported distance (``__dmin`` already is the Euclidean or cosine distance)."""
    return dmin


def loss_of(dmin: exp.Expr, cosine: bool) -> exp.Expr:
    """A row's contribution to the loss: squared Euclidean distance (inertia), or the cosine distance."""
    return dmin if cosine else exp.Mul(this=dmin, expression=dmin.copy())


def assignment_columns(k: int) -> list[str]:
    return [VECTOR, *[_d(c) for c in range(k)], DMIN, CID]


@dataclass
class ClusterStats:
    means: dict[int, np.ndarray]
    sizes: dict[int, int]
    sum_distance: dict[int, float]
    sum_squared_distance: dict[int, float]
    loss: float  # sum over rows of the loss (squared Euclidean or cosine distance)
    # per cluster (size, sum of row id hashes): equal in two steps = the same rows in every cluster
    assignment: dict[int, tuple[int, int]] = field(default_factory=dict)

    def radius(self) -> dict[int, float]:
        return {c: float(np.sqrt(self.sum_squared_distance[c] / n)) for c, n in self.sizes.items() if n}

    def cluster_info(self) -> list[dict[str, float | int]]:
        radius = self.radius()
        return [
            {"centroid_id": c, "cluster_radius": radius[c], "cluster_size": self.sizes[c]}
            for c in sorted(self.sizes)
        ]


def lloyd_step(data: TrainingData, cosine: bool) -> Callable[[np.ndarray], ClusterStats]:
    """One Lloyd step per call, one query: assign every row, then per cluster its size, mean and
    distances. The query text is built once; each call binds that step's centroids (``Parameters``)."""
    d = len(data.dims)
    text: dict[int, str] = {}  # by k (always the same k in one training)

    def step(centroids: np.ndarray) -> ClusterStats:
        k = len(centroids)
        if k not in text:
            text[k] = sql(stats_query(data.relation(), d, Parameters(k, d), cosine, fingerprint=True))
        return read_stats(data.con.execute(text[k], Parameters.bind(centroids, cosine)).fetchall(), d)

    return step


def stats_query(
    source: exp.Expr, d: int, centroids: Centroids, cosine: bool, *, fingerprint: bool = False
) -> exp.Select:
    """Per cluster: id, size, loss sum, distance sum, squared distance sum, mean of each dimension;
    with ``fingerprint`` (a source with ``__rid``) also the exact integer sum of its rows' id hashes."""
    distance = distance_of(col(DMIN), cosine)
    rows = [exp.func("sum", exp.func("hash", col(ROW_ID)))] if fingerprint else []
    return (
        exp.select(
            col(CID),
            exp.func("count", exp.Star()),
            exp.func("sum", loss_of(col(DMIN), cosine)),
            exp.func("sum", distance),
            exp.func("sum", exp.Mul(this=distance, expression=distance.copy())),
            *[exp.func("avg", col(dim_name(j))) for j in range(d)],
            *rows,
        )
        .from_(assigned(source, d, centroids, cosine).subquery("__assigned", copy=False), copy=False)
        .group_by(col(CID), copy=False)
    )


def read_stats(rows: list[tuple[Any, ...]], d: int) -> ClusterStats:
    return ClusterStats(
        means={int(r[0]): np.array(r[5 : 5 + d], dtype=float) for r in rows},
        sizes={int(r[0]): int(r[1]) for r in rows},
        sum_distance={int(r[0]): float(r[3]) for r in rows},
        sum_squared_distance={int(r[0]): float(r[4]) for r in rows},
        # summed in cluster order: the same bits whatever order the GROUP BY returns its groups in
        loss=float(sum(r[2] for r in sorted(rows, key=lambda r: int(r[0])))),
        assignment={int(r[0]): (int(r[1]), int(r[5 + d])) for r in rows if len(r) > 5 + d},
    )


def cluster_stats(
    con: duckdb.DuckDBPyConnection, source: exp.Expr, d: int, centroids: np.ndarray, cosine: bool
) -> ClusterStats:
    return read_stats(con.execute(sql(stats_query(source, d, centroids, cosine))).fetchall(), d)


def metrics(stats: ClusterStats, centroids: np.ndarray, rows: int) -> dict[str, float | None]:
    """ML.EVALUATE for k-means: Davies-Bouldin index and mean squared distance."""
    clusters = sorted(c for c, n in stats.sizes.items() if n)
    scatter = {c: stats.sum_distance[c] / stats.sizes[c] for c in clusters}
    ratios = []
    for i in clusters:
        worst = 0.0
        for j in clusters:
            if i != j:
                separation = float(np.linalg.norm(centroids[i - 1] - centroids[j - 1]))
                worst = max(worst, (scatter[i] + scatter[j]) / separation if separation else float("inf"))
        ratios.append(worst)
    return {
        "davies_bouldin_index": float(np.mean(ratios)) if len(clusters) > 1 else None,
        "mean_squared_distance": stats.loss / rows if rows else None,
    }


@dataclass(frozen=True)
class Assignment:
    """Every training row's nearest centroid (1-based) and its distance to it, as numpy arrays."""

    cluster: np.ndarray
    distance: np.ndarray

    def stats(self, k: int, cosine: bool) -> ClusterStats:
        """The per-cluster statistics a Lloyd step's query returns, but the means (not needed after the
        last step: the centroids are fixed)."""
        ids = self.cluster.astype(np.int64)
        sizes = np.bincount(ids, minlength=k + 1)
        sums = np.bincount(ids, weights=self.distance, minlength=k + 1)
        squares = np.bincount(ids, weights=self.distance * self.distance, minlength=k + 1)
        present = [c for c in range(1, k + 1) if sizes[c]]
        return ClusterStats(
            means={},
            sizes={c: int(sizes[c]) for c in present},
            sum_distance={c: float(sums[c]) for c in present},
            sum_squared_distance={c: float(squares[c]) for c in present},
            loss=float(np.sum(self.distance if cosine else self.distance * self.distance)),
        )

    def normalized_distance_quantiles(self, radius: dict[int, float]) -> list[float]:
        """Quantiles 0, 0.001, ..., 1 (lower, like quantile_disc) of distance / cluster radius (0 where the
        radius is 0), for DETECT_ANOMALIES; a selection in numpy, no sort of the rows in SQL."""
        by_cluster = np.zeros(int(self.cluster.max(initial=0)) + 1)
        for c, r in radius.items():
            by_cluster[c] = r
        # divided into the gathered radii themselves: where a radius is 0 the 0 stays, as wanted
        normalized = by_cluster[self.cluster]
        np.divide(self.distance, normalized, out=normalized, where=normalized != 0)
        rows = len(normalized)
        return order_statistics(normalized, [(i * (rows - 1)) // 1000 for i in range(1001)])


#: ``order_statistics``: how many buckets span the sampled range, and how many values the sample takes
_BUCKETS, _SAMPLE = 1 << 18, 1 << 16


def order_statistics(values: np.ndarray, positions: list[int]) -> list[float]:
    """The values at ``positions`` (0-based ranks, ascending; NaN last) of ``values`` in ascending order,
    as ``np.partition`` puts them, without selecting each position over all rows (a 5M-row partition at
    1001 ranks took 0.27 s).

    The values are counted in equal-width buckets over a range that a strided sample puts around the middle
    99.9 % of them (plus one bucket below it and one above, where NaN goes too), and only the buckets that
    hold a wanted rank are sorted. A value's bucket, ``floor((v - low) * scale)`` clipped, never decreases as
    the value grows (each rounded step is monotone), so the counts give every bucket's first rank exactly;
    the sample only decides how many values are sorted, never which value is returned."""
    if not len(values):
        raise ValueError("order statistics of no values")
    sample = np.sort(values[:: max(1, len(values) // _SAMPLE)])
    sample = sample[np.isfinite(sample)]
    low, high = (float(sample[int(len(sample) * f)]) for f in (0.0005, 0.9995)) if len(sample) else (0, 0)
    scale = _BUCKETS / (high - low) if high > low else 0.0  # a Python float: an overflow is inf, then 0
    if not math.isfinite(scale) or scale <= 0:
        return [float(v) for v in np.sort(values)[positions]]  # no spread to bucket by: sort them all
    with np.errstate(over="ignore"):  # far outside the range: infinite, then clipped
        scaled = values - low
        scaled *= scale
    np.floor(scaled, out=scaled)
    np.clip(scaled, -1.0, _BUCKETS, out=scaled)
    nan = np.isnan(values)
    if nan.any():
        scaled[nan] = _BUCKETS  # NaN last, as in a sort
    buckets = scaled.astype(np.int64)
    buckets += 1
    counts = np.bincount(buckets)
    ends = np.cumsum(counts)  # rank just past each bucket
    wanted = np.searchsorted(ends, positions, side="right")  # the bucket holding each rank
    kept = np.zeros(len(counts), dtype=bool)
    kept[wanted] = True
    selected = np.sort(values[kept[buckets]])  # the kept buckets' values, bucket after bucket, in order
    before = np.cumsum(np.where(kept, counts, 0)) - counts  # values of kept buckets below each
    starts = ends - counts
    return [float(selected[before[b] + p - starts[b]]) for b, p in zip(wanted, positions, strict=True)]


def assignment(data: TrainingData, centroids: np.ndarray, cosine: bool) -> Assignment:
    """One pass over the training rows: each row's nearest centroid and distance, fetched as numpy arrays
    (DuckDB's own conversion: some 0.1 s less over 5M rows than Arrow and a copy out of its chunks).

    Run as a relation (``con.sql``), not ``con.execute``: a relation's ``fetchnumpy`` materializes the whole
    result on every thread first, in row order, while ``execute``'s result was produced as it was fetched,
    on one thread in effect (5M x 8, k=8, 2 threads: 0.34 s against 0.69 s, and 0.69 s at 1 thread too);
    the same arrays, bit for bit, in the same order."""
    source = assigned(data.relation(), len(data.dims), centroids, cosine).subquery("__assigned")
    columns = data.con.sql(sql(exp.select(col(CID), col(DMIN)).from_(source))).fetchnumpy()
    cluster, distance = columns[CID], columns[DMIN]
    # never NULL (every dimension is imputed; the cosine distance coalesces): no masked arrays
    assert not np.ma.isMaskedArray(cluster) and not np.ma.isMaskedArray(distance)
    return Assignment(cluster=cluster, distance=distance.astype(float, copy=False))


def kmeans_plus_plus(data: TrainingData, k: int, cosine: bool) -> np.ndarray:
    """k-means++ seeding: each next seed drawn with probability proportional to D(x)^2, by hash-seeded
    exponential keys (the row minimizing -ln(u) / D^2), deterministic for a given table."""
    d = len(data.dims)

    def draw(source: exp.Expr, weight: exp.Expr | None, step: int) -> np.ndarray:
        draw_hash = exp.Mod(
            this=exp.func("hash", col(ROW_ID), exp.Literal.number(step)),
            expression=exp.Literal.number(1_000_000_007),
        )
        u = exp.Div(this=paren(exp.Add(this=draw_hash, expression=num(0.5))), expression=num(1_000_000_007.0))
        key: exp.Expr = exp.Neg(this=exp.func("ln", u))
        query = exp.select(*data.xs).from_(source, copy=False)
        if weight is not None:
            query = query.where(exp.GT(this=weight, expression=num(0.0)))
            key = exp.Div(this=paren(key), expression=paren(weight))
        row = data.con.execute(sql(query.order_by(key, col(ROW_ID)).limit(1))).fetchone()
        assert row is not None
        return np.array(row, dtype=float)

    seeds = [draw(data.relation(), None, 0)]
    for step in range(1, k):
        source = assigned(data.relation(), d, np.array(seeds), cosine).subquery("__assigned")
        seeds.append(draw(source, loss_of(col(DMIN), cosine), step))
    return np.array(seeds)
