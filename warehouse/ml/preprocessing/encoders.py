"""``ML.ONE_HOT_ENCODER`` and ``ML.LABEL_ENCODER`` in a TRANSFORM clause: vocabulary fitted on training data.

``ML.ONE_HOT_ENCODER(s[, drop][, top_k][, frequency_threshold]) OVER ()`` and
``ML.LABEL_ENCODER(s[, top_k][, frequency_threshold]) OVER ()``, as BigQuery ML documents them:
the vocabulary is the ``top_k`` (default 32,000) most frequent categories seen at least
``frequency_threshold`` (default 5) times, sorted alphabetically; NULL, rare and unseen values get index 0.
A NULL argument means its default.

The one-hot encoder's output here is the category itself (rare/unseen -> NULL) and the model one-hot
encodes it, with its NULL category playing BigQuery's index 0. ``drop => 'most_frequent'`` (dummy
encoding) removes the most frequent vocabulary category from the model's dimensions, so that category
encodes as all zeros, which is what BigQuery's "dropped category has value 0" means.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
from sqlglot import exp

from lakehouse.errors import UsageError
from warehouse.ml.sqlexpr import ident, sql, string

DEFAULT_TOP_K = 32_000
DEFAULT_FREQUENCY_THRESHOLD = 5
MAX_TOP_K = 1_000_000
DROPS = ("none", "most_frequent")


@dataclass(frozen=True)
class Arguments:
    drop: str = "none"
    top_k: int = DEFAULT_TOP_K
    frequency_threshold: int = DEFAULT_FREQUENCY_THRESHOLD


def _integer(name: str, what: str, given: exp.Expr, default: int) -> int:
    if isinstance(given, exp.Null):
        return default
    if isinstance(given, exp.Literal) and not given.is_string and given.this.isdigit():
        return int(given.this)
    raise UsageError(
        f"ML.{name}: {what} must be a non-negative integer literal or NULL, not {given.sql('bigquery')!r}"
    )


def arguments(name: str, args: list[exp.Expr]) -> Arguments:
    """The encoder's optional arguments (after the input), validated; nothing is ignored."""
    rest = list(args)
    drop = "none"
    if name == "ONE_HOT_ENCODER" and rest:
        given = rest.pop(0)
        if isinstance(given, exp.Null):
            pass
        elif isinstance(given, exp.Literal) and given.is_string and given.this.lower() in DROPS:
            drop = given.this.lower()
        else:
            raise UsageError(
                f"ML.ONE_HOT_ENCODER: drop must be one of {', '.join(repr(d) for d in DROPS)}, "
                f"not {given.sql('bigquery')}"
            )
    top_k = _integer(name, "top_k", rest[0], DEFAULT_TOP_K) if rest else DEFAULT_TOP_K
    threshold = (
        _integer(name, "frequency_threshold", rest[1], DEFAULT_FREQUENCY_THRESHOLD)
        if len(rest) > 1
        else DEFAULT_FREQUENCY_THRESHOLD
    )
    if top_k >= MAX_TOP_K:
        raise UsageError(f"ML.{name}: top_k {top_k} is too large", hint=f"use less than {MAX_TOP_K:,}")
    return Arguments(drop, top_k, threshold)


def counts(con: duckdb.DuckDBPyConnection, relation: exp.Expr, x: exp.Expr) -> list[tuple[str, int]]:
    """(category, training rows) of every non-NULL value of ``x``."""
    value = exp.cast(x.copy(), "VARCHAR")
    query = (
        exp.select(exp.alias_(value, "c"), exp.alias_(exp.func("count", exp.Star()), "n"))
        .from_(exp.Subquery(this=relation.copy(), alias=exp.TableAlias(this=ident("__raw"))))
        .where(exp.Not(this=exp.Is(this=value.copy(), expression=exp.null())))
        .group_by(value.copy())
    )
    return [(str(c), int(n)) for c, n in con.execute(sql(query)).fetchall()]


def vocabulary(seen: list[tuple[str, int]], given: Arguments) -> list[tuple[str, int]]:
    """The kept (category, count) pairs, most frequent first (ties alphabetical)."""
    kept = [(c, n) for c, n in seen if n >= given.frequency_threshold]
    return sorted(kept, key=lambda cn: (-cn[1], cn[0]))[: given.top_k]


def dropped(kept: list[tuple[str, int]], given: Arguments) -> str | None:
    """The category ``drop => 'most_frequent'`` removes (None for 'none' or an empty vocabulary)."""
    return kept[0][0] if given.drop == "most_frequent" and kept else None


def build(name: str, x: exp.Expr, categories: list[str]) -> exp.Expr:
    """The encoder's SQL over ``x`` for a fitted, alphabetical vocabulary."""
    value = exp.cast(x.copy(), "VARCHAR")
    if name == "LABEL_ENCODER":  # 0 = NULL, rare or unseen; 1.. alphabetical
        case = exp.Case()
        for i, c in enumerate(categories, start=1):
            case = case.when(exp.EQ(this=value.copy(), expression=string(c)), exp.Literal.number(i))
        return case.else_(exp.Literal.number(0)) if categories else exp.Literal.number(0)
    kept = (
        exp.In(this=value.copy(), expressions=[string(c) for c in categories]) if categories else exp.false()
    )
    return exp.If(this=kept, true=value, false=exp.null())  # one-hot by the model's encoding, rare -> NULL
