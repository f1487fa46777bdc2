"""An independent numpy implementation of TFDV's statistics and distances (the tests' yardstick).

Written from the definitions in tensorflow/data-validation ``anomalies/metrics.cc`` (bqml_wave2.md §3),
walking the histograms bucket by bucket the way the C++ does, with none of the warehouse's SQL:
equal-width STANDARD histograms over each side's finite [min, max] (one point bucket when min = max,
infinite values in buckets with an infinite bound, NaNs counted apart), the rank histogram of the top
k values (count desc, then value), L-infinity over each side's own normalization, and Jensen-Shannon
(log2, capped at 1) after re-bucketing onto the union of boundaries.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np


@dataclass
class Histogram:
    buckets: list[tuple[float, float, float]] = field(default_factory=list)  # (low, high, count)
    num_nan: float = 0.0


def numeric_histogram(values: Sequence[float | None], n: int) -> Histogram:
    x = np.array([v for v in values if v is not None], dtype=np.float64)
    nan = float(np.isnan(x).sum())
    finite = x[np.isfinite(x)]
    hist = Histogram(num_nan=nan)
    if finite.size:
        lo, hi = float(finite.min()), float(finite.max())
        if hi > lo:
            index = np.minimum(np.floor((finite - lo) / (hi - lo) * n).astype(np.int64), n - 1)
            counts = np.bincount(index, minlength=n)
            for b in range(n):
                low = lo + b * (hi - lo) / n
                high = hi if b == n - 1 else lo + (b + 1) * (hi - lo) / n
                hist.buckets.append((low, high, float(counts[b])))
        else:
            hist.buckets.append((lo, lo, float(finite.size)))
    inf = float(np.isinf(x).sum())
    if inf:
        hist.buckets.append((-math.inf, math.inf, inf))
    return hist


def rank_histogram(values: Sequence[object], k: int) -> dict[str, float]:
    counts = Counter(str(v) for v in values if v is not None)
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
    return {key: float(c) for key, c in top}


def l_infinity(a: dict[str, float], b: dict[str, float]) -> float:
    sa, sb = sum(a.values()), sum(b.values())
    keys = set(a) | set(b)
    return max(abs((a.get(k, 0.0) / sa if sa else 0.0) - (b.get(k, 0.0) / sb if sb else 0.0)) for k in keys)


def _rebucket(boundaries: list[float], buckets: list[tuple[float, float, float]]) -> list[float]:
    out: list[float] = []
    index = 0
    for low, high, count in buckets:
        while low > boundaries[index]:
            out.append(0.0)
            index += 1
        covered = []
        while high > boundaries[index]:
            covered.append(boundaries[index])
            index += 1
        covered.append(boundaries[index])
        for i in range(len(covered) - 1):
            out.append(((covered[i + 1] - covered[i]) / (high - low)) * count)
    out += [0.0] * (len(boundaries) - 1 - index)
    return out


def _strip(h: Histogram) -> tuple[list[tuple[float, float, float]], dict[float, float], float]:
    kept, points, inf = [], {}, 0.0
    for low, high, count in h.buckets:
        if not (math.isfinite(low) and math.isfinite(high)):
            inf += count
        elif low == high:
            points[low] = points.get(low, 0.0) + count
        else:
            kept.append((low, high, count))
    return kept, points, inf


def _jsd(p: list[float], q: list[float]) -> float | None:
    sp, sq = sum(p), sum(q)
    if sp == 0 or sq == 0:
        return None
    p = [v / sp for v in p]
    q = [v / sq for v in q]
    m = [(a + b) / 2 for a, b in zip(p, q, strict=True)]
    kl_p = sum(a * math.log2(a / c) for a, c in zip(p, m, strict=True) if a > 0 and c > 0)
    kl_q = sum(b * math.log2(b / c) for b, c in zip(q, m, strict=True) if b > 0 and c > 0)
    return min((kl_p + kl_q) / 2, 1.0)


def numeric_jsd(h1: Histogram, h2: Histogram) -> float | None:
    b1, points1, inf1 = _strip(h1)
    b2, points2, inf2 = _strip(h2)
    bounds1 = {v for low, high, _ in b1 for v in (low, high)}
    bounds2 = {v for low, high, _ in b2 for v in (low, high)}
    if bounds1 == bounds2:
        c1, c2 = [c for _, _, c in b1], [c for _, _, c in b2]
    else:
        boundaries = sorted(bounds1 | bounds2)
        c1, c2 = _rebucket(boundaries, b1), _rebucket(boundaries, b2)
    for point in sorted(set(points1) | set(points2)):
        c1.append(points1.get(point, 0.0))
        c2.append(points2.get(point, 0.0))
    if inf1:
        c1.append(inf1)
        c2.append(0.0)
    if inf2:
        c1.append(0.0)
        c2.append(inf2)
    if h1.num_nan > 0 or h2.num_nan > 0:
        c1 += [0.0, h1.num_nan]
        c2 += [h2.num_nan, 0.0]
    return _jsd(c1, c2)


def categorical_jsd(a: dict[str, float], b: dict[str, float]) -> float | None:
    if not a or not b:
        return None
    keys = sorted(set(a) | set(b))
    return _jsd([a.get(k, 0.0) for k in keys], [b.get(k, 0.0) for k in keys])
