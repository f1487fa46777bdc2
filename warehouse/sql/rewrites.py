"""BigQuery semantics that sqlglot's DuckDB output gets wrong, rewritten on the BigQuery tree.

Each rule is found by the node type it fixes (``RULES``); a rule returns the replacement node, or
``None`` to keep the node. Found by running BigQuery's documented examples (the compatibility corpus
in ``tests/fixtures/bigquery_corpus``):

- ``DATE_ADD`` / ``DATE_SUB`` / ``DATE_TRUNC`` of a DATE return a DATE (DuckDB: a TIMESTAMP);
- ``DATE_TRUNC(d, WEEK)`` starts weeks on Sunday, ``WEEK(<weekday>)`` on that day (DuckDB: Monday);
- ``EXTRACT(WEEK FROM d)`` counts Sunday-based weeks (``%U``), ``WEEK(MONDAY)`` Monday-based ones
  (``%W``), ``ISOWEEK`` ISO weeks (DuckDB knows only ISO weeks, under the name WEEK);
- ``ARRAY_AGG(x LIMIT n)`` / ``STRING_AGG(x, sep LIMIT n)``: the first ``n`` values.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

from lakehouse.errors import UsageError

#: days added before DuckDB's Monday-based week truncation, then taken off again
WEEK_START_SHIFT = {
    "MONDAY": 0,
    "SUNDAY": 1,
    "SATURDAY": 2,
    "FRIDAY": 3,
    "THURSDAY": 4,
    "WEDNESDAY": 5,
    "TUESDAY": 6,
}
#: strftime week numbers by the weekday weeks start on (BigQuery's EXTRACT(WEEK(<weekday>) ...))
WEEK_NUMBER_FORMAT = {"SUNDAY": "%U", "MONDAY": "%W"}
TIME_TYPES = (exp.DType.TIMESTAMP, exp.DType.TIMESTAMPTZ, exp.DType.DATETIME)


def _function(name: str, *args: exp.Expr) -> exp.Anonymous:
    return exp.Anonymous(this=name, expressions=list(args))


def _as_date(node: exp.Expr) -> exp.Expr:
    return exp.Cast(this=node, to=exp.DataType.build("DATE"))


def _is_time(node: exp.Expr) -> bool:
    """True when ``node`` is known to be a TIMESTAMP or DATETIME (a cast, literal or time function)."""
    if isinstance(node, exp.Cast):
        return node.to.this in TIME_TYPES
    return isinstance(node, exp.CurrentTimestamp | exp.CurrentDatetime | exp.TimestampFromParts)


def _date_add(node: exp.Expr) -> exp.Expr | None:
    """DATE_ADD / DATE_SUB take and give a DATE in BigQuery."""
    return _as_date(node.copy())


def _week_start(unit: exp.Expr | None) -> str | None:
    """The weekday a WEEK unit starts on (``WEEK`` is Sunday), or None for any other unit."""
    if isinstance(unit, exp.WeekStart):
        return unit.this.name.upper()
    if unit is not None and unit.name.upper() == "WEEK":
        return "SUNDAY"
    return None


def _date_trunc(node: exp.Expr) -> exp.Expr | None:
    value, unit = node.this, node.args.get("unit")
    weekday = _week_start(unit)
    if weekday is not None:
        shift = exp.Interval(
            this=exp.Literal.string(str(WEEK_START_SHIFT[weekday])), unit=exp.Var(this="DAY")
        )
        moved = exp.Add(this=value.copy(), expression=shift)
        truncated: exp.Expr = exp.Sub(
            this=_function("DATE_TRUNC", exp.Literal.string("week"), moved), expression=shift.copy()
        )
    elif unit is not None and unit.name.upper() == "ISOWEEK":
        truncated = _function("DATE_TRUNC", exp.Literal.string("week"), value.copy())
    else:
        if _is_time(value):
            return None
        return _as_date(node.copy())
    return truncated if _is_time(value) else _as_date(truncated)


def _extract(node: exp.Expr) -> exp.Expr | None:
    part, value = node.this, node.expression
    if part.name.upper() == "ISOWEEK":
        return _function("WEEKOFYEAR", value.copy())
    weekday = _week_start(part)
    if weekday is None:
        return None
    if weekday not in WEEK_NUMBER_FORMAT:
        raise UsageError(
            f"EXTRACT(WEEK({weekday}) ...) is not supported on the DuckDB engine",
            hint="WEEK (Sunday), WEEK(MONDAY) and ISOWEEK are",
        )
    number = _function("STRFTIME", value.copy(), exp.Literal.string(WEEK_NUMBER_FORMAT[weekday]))
    return exp.Cast(this=number, to=exp.DataType.build("BIGINT"))


def _aggregate_limit(node: exp.Expr) -> exp.Expr | None:
    """``ARRAY_AGG(x LIMIT n)`` -> the first n of ``ARRAY_AGG(x)``; STRING_AGG joins them."""
    limited = node.this
    if not isinstance(limited, exp.Limit):
        return None
    values = exp.ArrayAgg(this=limited.this.copy())
    first = _function("LIST_SLICE", values, exp.Literal.number(1), limited.expression.copy())
    if isinstance(node, exp.GroupConcat):
        separator = node.args.get("separator") or exp.Literal.string(",")
        return _function("ARRAY_TO_STRING", first, separator.copy())
    return first


RULES: dict[type[exp.Expr], Callable[[exp.Expr], exp.Expr | None]] = {
    exp.DateAdd: _date_add,
    exp.DateSub: _date_add,
    exp.DateTrunc: _date_trunc,
    exp.Extract: _extract,
    exp.ArrayAgg: _aggregate_limit,
    exp.GroupConcat: _aggregate_limit,
}


def rewrite(tree: exp.Expr) -> exp.Expr:
    """``tree`` with every rule applied, innermost first (in place; the root may be replaced)."""
    for node in sorted(tree.find_all(*RULES), key=lambda n: -n.depth):
        replaced = RULES[type(node)](node)
        if replaced is None:
            continue
        if node is tree:
            tree = replaced
        else:
            node.replace(replaced)
    return tree
