"""Seeded, vectorized draws shared by the dataset generators (no per-row Python objects)."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence

import numpy as np

#: the sample covers the first half of 2026; ages are computed on REFERENCE_DATE (no wall-clock time anywhere)
PERIOD_START = np.datetime64("2026-01-01T00:00:00", "s")
PERIOD_END = np.datetime64("2026-07-01T00:00:00", "s")
REFERENCE_DATE = np.datetime64("2026-07-01", "D")

#: one independent random stream per dataset, so changing one generator never shifts the others
STREAMS = {"customers": 1, "products": 2, "orders": 3, "events": 4, "images": 5}


def stream(seed: int, dataset: str) -> np.random.Generator:
    return np.random.default_rng([seed, STREAMS[dataset]])


def scaled(base: int, scale: float, minimum: int) -> int:
    """``base * scale`` rows, never fewer than ``minimum`` (the bad records need room)."""
    return max(minimum, round(base * scale))


def pick(rng: np.random.Generator, weights: Mapping[str, float], n: int) -> np.ndarray:
    """``n`` keys of ``weights`` drawn with those (unnormalised) weights, as a numpy string array."""
    keys = np.array(list(weights))
    return keys[pick_index(rng, list(weights.values()), n)]


def pick_index(rng: np.random.Generator, weights: Sequence[float], n: int) -> np.ndarray:
    p = np.asarray(weights, dtype=float)
    return rng.choice(len(p), size=n, p=p / p.sum())


def pick_from(rng: np.random.Generator, values: Sequence[str], n: int) -> np.ndarray:
    """``n`` values drawn uniformly from ``values``."""
    return np.array(values)[rng.integers(0, len(values), size=n)]


def zero_padded(values: np.ndarray, width: int) -> np.ndarray:
    return np.strings.zfill(values.astype(np.int64).astype(str), width)


def concat(*parts: np.ndarray | str) -> np.ndarray:
    """Element-wise string concatenation of arrays and constants."""
    out = np.asarray(parts[0], dtype=str)
    for part in parts[1:]:
        out = np.strings.add(out, np.asarray(part, dtype=str))
    return out


def ascii_slug(values: Sequence[str]) -> np.ndarray:
    """'Lefèvre' -> 'lefevre', "O'Brien" -> 'obrien', 'de Vries' -> 'devries' (for e-mail addresses)."""
    folded = [unicodedata.normalize("NFKD", v).encode("ascii", "ignore").decode().lower() for v in values]
    return np.array(["".join(ch for ch in v if ch.isalnum()) for v in folded])


def sorted_times(rng: np.random.Generator, n: int, start: np.datetime64, end: np.datetime64) -> np.ndarray:
    """``n`` sorted datetime64[s] values uniform in [start, end)."""
    span = int((end - start) / np.timedelta64(1, "s"))
    return start + np.sort(rng.integers(0, span, size=n)).astype("timedelta64[s]")


def iso_utc(times: np.ndarray) -> np.ndarray:
    """datetime64[s] -> '2026-01-03T12:34:56Z'."""
    return np.datetime_as_string(times.astype("datetime64[s]"), unit="s", timezone="UTC")


def index_of(values: np.ndarray, keys: Sequence[str]) -> np.ndarray:
    """Position of each of ``values`` in ``keys`` (every value must be one of the keys)."""
    table = np.array(keys)
    order = np.argsort(table)
    return order[np.searchsorted(table[order], values)]


_HEX_BYTES = np.array([f"{value:02x}" for value in range(256)])


def uuids(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` random version-4 UUID strings (seeded, so reproducible)."""
    raw = rng.integers(0, 256, size=(n, 16))
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40  # version 4
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80  # RFC 4122 variant
    hex_bytes = _HEX_BYTES[raw]
    groups = [(0, 4), (4, 6), (6, 8), (8, 10), (10, 16)]
    parts = [concat(*hex_bytes[:, start:stop].T) for start, stop in groups]
    return concat(parts[0], "-", parts[1], "-", parts[2], "-", parts[3], "-", parts[4])
