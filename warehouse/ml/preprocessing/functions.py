"""BigQuery ML preprocessing functions (``ML.STANDARD_SCALER(x) OVER ()``, ``ML.BUCKETIZE`` ...) as SQL.

Each analytic function is a row in ``ANALYTIC``: the statistics it needs (DuckDB aggregates of its input)
and how the output is built from the input and those statistics. In a plain query the statistics are
window aggregates over the function's own OVER clause; in a TRANSFORM clause they are computed once on
the training data and inlined as constants, so PREDICT/EVALUATE re-apply the training statistics.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlglot import exp

from lakehouse.errors import UsageError
from warehouse.ml.preprocessing import struct_functions
from warehouse.ml.sqlexpr import add, num, paren, string

Stats = Sequence[exp.Expr]


def _div(a: exp.Expr, b: exp.Expr) -> exp.Expr:
    return exp.Div(this=paren(a), expression=exp.func("nullif", b, num(0.0)))


def _double(x: exp.Expr) -> exp.Expr:
    return exp.cast(x, "DOUBLE")


def bins(x: exp.Expr, points: Sequence[exp.Expr]) -> exp.Expr:
    """'bin_<i>': 1 + the number of split points <= x (``ML.BUCKETIZE(2.5, [1, 2, 3])`` = 'bin_3'); NULL stays NULL."""
    count = add(
        [
            exp.If(
                this=exp.GTE(this=x.copy(), expression=p),
                true=exp.Literal.number(1),
                false=exp.Literal.number(0),
            )
            for p in points
        ]
    )
    label = exp.DPipe(
        this=string("bin_"),
        expression=exp.cast(exp.Add(this=exp.Literal.number(1), expression=paren(count)), "VARCHAR"),
    )
    return exp.If(this=exp.Is(this=x.copy(), expression=exp.null()), true=exp.null(), false=label)


def _null_stays_null(x: exp.Expr, value: exp.Expr) -> exp.Expr:
    """``value``, NULL when ``x`` is: DuckDB's greatest/least skip a NULL argument (min-max scaling
    gave 1.0 for a NULL input), BigQuery's return NULL."""
    return exp.If(this=exp.Is(this=x.copy(), expression=exp.null()), true=exp.null(), false=value)


@dataclass(frozen=True)
class Analytic:
    aggregates: Callable[[exp.Expr, list[exp.Expr]], list[exp.Expr]]  # (input, extra args) -> statistics
    build: Callable[[exp.Expr, list[exp.Expr], Stats], exp.Expr]  # (input, extra args, statistics) -> output


def _quantiles(n: exp.Expr) -> list[float]:
    count = int(n.this) if isinstance(n, exp.Literal) and not n.is_string and n.this.isdigit() else 0
    if count < 2:
        raise UsageError(f"ML.QUANTILE_BUCKETIZE: bucket count {n.sql()} must be an integer literal >= 2")
    return [i / count for i in range(1, count)]


def _imputer_stat(x: exp.Expr, args: list[exp.Expr]) -> list[exp.Expr]:
    if args and not (isinstance(args[0], exp.Literal) and args[0].is_string):
        raise UsageError(
            f"ML.IMPUTER strategy must be a string literal, not {args[0].sql('bigquery')!r}",
            hint="use 'mean', 'median' or 'most_frequent'",
        )
    strategy = args[0].name.lower() if args else "mean"
    table = {
        "mean": lambda: exp.func("avg", _double(x)),
        "median": lambda: exp.func("median", x),
        "most_frequent": lambda: exp.func("mode", x),
    }
    if strategy not in table:
        raise UsageError(
            f"ML.IMPUTER strategy {strategy!r} is not supported",
            hint="use 'mean', 'median' or 'most_frequent'",
        )
    return [table[strategy]()]


ANALYTIC: dict[str, Analytic] = {
    "STANDARD_SCALER": Analytic(
        lambda x, a: [exp.func("avg", _double(x)), exp.func("stddev_samp", _double(x))],
        lambda x, a, s: _div(exp.Sub(this=_double(x), expression=s[0]), s[1]),
    ),
    "MIN_MAX_SCALER": Analytic(
        lambda x, a: [exp.func("min", _double(x)), exp.func("max", _double(x))],
        lambda x, a, s: _null_stays_null(
            x,
            exp.func(
                "greatest",
                num(0.0),
                exp.func(
                    "least",
                    num(1.0),
                    _div(exp.Sub(this=_double(x), expression=s[0]), exp.Sub(this=s[1], expression=s[0])),
                ),
            ),
        ),
    ),
    "MAX_ABS_SCALER": Analytic(
        lambda x, a: [exp.func("max", exp.func("abs", _double(x)))],
        lambda x, a, s: _div(_double(x), s[0]),
    ),
    "ROBUST_SCALER": Analytic(
        lambda x, a: [
            exp.func("median", _double(x)),
            *[exp.func("quantile_cont", _double(x), num(q)) for q in (0.25, 0.75)],
        ],
        lambda x, a, s: _div(exp.Sub(this=_double(x), expression=s[0]), exp.Sub(this=s[2], expression=s[1])),
    ),
    "IMPUTER": Analytic(_imputer_stat, lambda x, a, s: exp.func("coalesce", x, s[0])),
    "QUANTILE_BUCKETIZE": Analytic(
        lambda x, a: [exp.func("quantile_cont", _double(x), num(q)) for q in _quantiles(a[0])],
        lambda x, a, s: bins(_double(x), s),
    ),
}


ARITY: dict[str, tuple[int, int]] = {  # (fewest, most) arguments, so no argument is silently ignored
    **{name: (1, 1) for name in ("STANDARD_SCALER", "MIN_MAX_SCALER", "MAX_ABS_SCALER", "ROBUST_SCALER")},
    "IMPUTER": (1, 2),
    "QUANTILE_BUCKETIZE": (2, 2),
    "BUCKETIZE": (2, 3),
    "ONE_HOT_ENCODER": (1, 4),
    "LABEL_ENCODER": (1, 3),
    "POLYNOMIAL_EXPAND": (1, 2),
    "FEATURE_CROSS": (1, 2),
}


def _bucketize(name: str, args: list[exp.Expr]) -> exp.Expr:
    """``ML.BUCKETIZE(x, split_points[, exclude_boundaries])``: TRUE drops the first and last split point."""
    if not isinstance(args[1], exp.Array):
        raise UsageError(
            "ML.BUCKETIZE needs split points as an array literal", hint="ML.BUCKETIZE(x, [1, 2, 3])"
        )
    points = list(args[1].expressions)
    if len(args) > 2:
        if not isinstance(args[2], exp.Boolean):
            raise UsageError(
                f"ML.BUCKETIZE: exclude_boundaries must be TRUE or FALSE, not {args[2].sql('bigquery')!r}"
            )
        if args[2].this:
            points = points[1:-1]
    return bins(args[0], points)


SCALAR: dict[str, Callable[[str, list[exp.Expr]], exp.Expr]] = {
    "BUCKETIZE": _bucketize,
    "POLYNOMIAL_EXPAND": struct_functions.expand,
    "FEATURE_CROSS": struct_functions.expand,
}


def scalar(name: str, args: list[exp.Expr]) -> exp.Expr:
    """A row-wise ML function (``ML.BUCKETIZE``, ``ML.POLYNOMIAL_EXPAND``, ``ML.FEATURE_CROSS``) as SQL."""
    if name not in SCALAR:
        raise UsageError(
            f"ML.{name} is not supported",
            hint=f"supported: {', '.join('ML.' + n for n in SCALAR)} and "
            f"{', '.join('ML.' + n for n in ANALYTIC)} OVER()",
        )
    return SCALAR[name](name, args)


def _check_arity(name: str, args: list[exp.Expr]) -> None:
    if name not in ARITY:
        return
    fewest, most = ARITY[name]
    if not fewest <= len(args) <= most:
        expected = str(fewest) if fewest == most else f"{fewest} to {most}"
        raise UsageError(f"ML.{name} takes {expected} arguments, got {len(args)}")


def ml_call(node: exp.Expr) -> tuple[str, list[exp.Expr], exp.Window | None] | None:
    """(NAME, args, window) when ``node`` is ``ML.NAME(args) [OVER (...)]``, else None."""
    window = node if isinstance(node, exp.Window) else None
    inner = node.this if window is not None else node
    if (
        isinstance(inner, exp.Dot)
        and isinstance(inner.this, exp.Identifier | exp.Column)
        and inner.this.name.upper() == "ML"
    ):
        call = inner.expression
        if isinstance(call, exp.Anonymous):
            name, args = str(call.this).upper(), list(call.expressions)
            _check_arity(name, args)
            return name, args, window
    return None


def rewrite_in_query(tree: exp.Expr) -> exp.Expr:
    """Replace ML preprocessing calls in an ordinary query: analytic ones become window aggregates."""
    for node in reversed(list(tree.find_all(exp.Window, exp.Dot))):  # innermost first
        found = ml_call(node)
        if found is None or (isinstance(node, exp.Dot) and isinstance(node.parent, exp.Window)):
            continue
        name, args, window = found
        if name in ANALYTIC:
            if window is None:
                raise UsageError(f"ML.{name} is an analytic function", hint=f"write ML.{name}(...) OVER ()")
            spec = ANALYTIC[name]
            stats = [
                exp.Window(
                    this=s, partition_by=window.args.get("partition_by"), order=window.args.get("order")
                )
                for s in spec.aggregates(args[0], args[1:])
            ]
            node.replace(paren(spec.build(args[0], args[1:], stats)))
        elif name in ("ONE_HOT_ENCODER", "LABEL_ENCODER"):
            raise UsageError(f"ML.{name} is supported only inside a TRANSFORM clause")
        else:
            node.replace(paren(scalar(name, args)))
    return tree
