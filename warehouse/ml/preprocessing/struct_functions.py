"""``ML.POLYNOMIAL_EXPAND`` and ``ML.FEATURE_CROSS``: STRUCT in, STRUCT of derived features out.

Both are row-wise (no statistics), so the same SQL serves ordinary queries and the TRANSFORM clause.
Field names are the input field names joined by ``_``, like BigQuery ML:

- ``ML.POLYNOMIAL_EXPAND(STRUCT(2 AS f1, 3 AS f2))`` = ``{f1: 2, f1_f1: 4, f1_f2: 6, f2: 3, f2_f2: 9}``
  (every product of up to ``degree`` inputs, 1 <= degree <= 4, default 2, original features included);
- ``ML.FEATURE_CROSS(STRUCT('a' AS f1, 'b' AS f2, 'c' AS f3))`` = ``{f1_f2: 'a_b', f1_f3: 'a_c',
  f2_f3: 'b_c'}`` (every cross of 2 to ``degree`` distinct inputs, 2 <= degree <= 4, default 2; a NULL
  input makes the cross NULL).

Polynomial values are DOUBLE (numeric features), cross values VARCHAR (categorical features).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import combinations, combinations_with_replacement

from sqlglot import exp

from lakehouse.errors import UsageError
from warehouse.ml.sqlexpr import paren, string, struct

MAX_INPUTS = 10


@dataclass(frozen=True)
class _Spec:
    degrees: tuple[int, int]  # valid degree range
    terms: Callable[[int, int], list[tuple[int, ...]]]  # (input count, degree) -> index tuples, in order
    value: Callable[[list[exp.Expr]], exp.Expr]  # the term's factors -> its value


def _polynomial_terms(n: int, degree: int) -> list[tuple[int, ...]]:
    return sorted(t for d in range(1, degree + 1) for t in combinations_with_replacement(range(n), d))


def _cross_terms(n: int, degree: int) -> list[tuple[int, ...]]:
    return sorted(t for d in range(2, degree + 1) for t in combinations(range(n), d))


def _product(factors: list[exp.Expr]) -> exp.Expr:
    total: exp.Expr = exp.cast(factors[0], "DOUBLE")
    for factor in factors[1:]:
        total = exp.Mul(this=paren(total), expression=exp.cast(factor, "DOUBLE"))
    return total


def _cross(factors: list[exp.Expr]) -> exp.Expr:
    total: exp.Expr = exp.cast(factors[0], "VARCHAR")
    for factor in factors[1:]:
        total = exp.DPipe(
            this=exp.DPipe(this=total, expression=string("_")), expression=exp.cast(factor, "VARCHAR")
        )
    return total


SPECS: dict[str, _Spec] = {
    "POLYNOMIAL_EXPAND": _Spec((1, 4), _polynomial_terms, _product),
    "FEATURE_CROSS": _Spec((2, 4), _cross_terms, _cross),
}


def _fields(name: str, argument: exp.Expr) -> list[tuple[str, exp.Expr]]:
    """(field name, value) of a STRUCT argument; every field must be named, once."""
    if not isinstance(argument, exp.Struct):
        raise UsageError(
            f"ML.{name} takes a STRUCT of features, not {argument.sql('bigquery')!r}",
            hint=f"ML.{name}(STRUCT(a, b))",
        )
    fields: list[tuple[str, exp.Expr]] = []
    for item in argument.expressions:
        if isinstance(item, exp.PropertyEQ):
            fields.append((item.this.name, item.expression))
        elif isinstance(item, exp.Alias):
            fields.append((item.alias, item.this))
        elif isinstance(item, exp.Column):
            fields.append((item.name, item))
        else:
            raise UsageError(
                f"ML.{name}: STRUCT field {item.sql('bigquery')!r} has no name", hint="write expr AS name"
            )
    names = [n.lower() for n, _ in fields]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise UsageError(f"ML.{name}: duplicate STRUCT field {duplicates[0]!r}", hint="name each field once")
    if not 1 <= len(fields) <= MAX_INPUTS:
        raise UsageError(f"ML.{name} takes 1 to {MAX_INPUTS} features, got {len(fields)}")
    return fields


def _degree(name: str, args: list[exp.Expr]) -> int:
    low, high = SPECS[name].degrees
    if len(args) < 2:
        return 2
    given = args[1]
    if not (isinstance(given, exp.Literal) and not given.is_string and given.this.isdigit()):
        raise UsageError(f"ML.{name}: degree must be an integer literal, not {given.sql('bigquery')!r}")
    degree = int(given.this)
    if not low <= degree <= high:
        raise UsageError(f"ML.{name}: degree {degree} is out of range", hint=f"use {low} to {high}")
    return degree


def expand(name: str, args: list[exp.Expr]) -> exp.Struct:
    """The STRUCT expression of ``ML.<name>(STRUCT(...)[, degree])``."""
    spec = SPECS[name]
    fields = _fields(name, args[0])
    degree = _degree(name, args)
    return struct(
        (
            "_".join(fields[i][0] for i in term),
            spec.value([fields[i][1].copy() for i in term]),
        )
        for term in spec.terms(len(fields), degree)
    )
