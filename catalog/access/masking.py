"""BigQuery's dynamic data masking rules, as a declarative table with DuckDB SQL templates.

Each rule maps a column's type family to a DuckDB expression over the placeholder ``__value__``;
outputs equal BigQuery's documented ones (``SHA256`` is the base64 of the digest, ``EMAIL_MASK``
keeps the domain, ``FIRST_FOUR_CHARACTERS`` / ``LAST_FOUR_CHARACTERS`` fall back to SHA256 for
values of four characters or fewer, ``DATE_YEAR_MASK`` truncates to January 1 in UTC ...).
A rule applied to a type it has no template for is a policy error, never a silent pass-through.

``PRECEDENCE`` is BigQuery's masking rule hierarchy: when several rules apply to one principal the
first in this order wins. Custom routines (``routine:NAME``) rank first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import sqlglot
from sqlglot import exp

from lakehouse.errors import UsageError

PLACEHOLDER = "__value__"
SALT = "__salt__"

_SHA = f"to_base64(unhex(sha256({PLACEHOLDER})))"
_BYTES_SHA = f"unhex(sha256({PLACEHOLDER}))"


@dataclass(frozen=True)
class MaskingRule:
    name: str  # BigQuery's predefinedExpression enum value
    description: str
    templates: Mapping[str, str]  # type family -> DuckDB expression over __value__ (and __salt__)


#: DuckDB type -> type family, first matching pattern wins
TYPE_FAMILIES: tuple[tuple[str, str], ...] = (
    (r".*\[\d*\]$|^LIST.*|^ARRAY.*", "array"),
    (r"^STRUCT.*|^MAP.*|^UNION.*", "struct"),
    (r"^VARCHAR.*|^TEXT$|^STRING$|^CHAR.*", "string"),
    (r"^BLOB$|^BYTEA$|^VARBINARY$", "bytes"),
    (r"^(U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?|INT\d+|UHUGEINT)$", "integer"),
    (r"^(FLOAT|DOUBLE|REAL|FLOAT\d)$", "float"),
    (r"^DECIMAL.*|^NUMERIC.*", "numeric"),
    (r"^BOOL(EAN)?$", "boolean"),
    (r"^DATE$", "date"),
    (r"^TIMESTAMP WITH TIME ZONE$|^TIMESTAMPTZ$", "timestamp_tz"),
    (r"^TIMESTAMP.*|^DATETIME$", "timestamp"),
    (r"^TIME$", "time"),
    (r"^JSON$", "json"),
)

_DEFAULTS = {
    "string": "''",
    "bytes": "''::BLOB",
    "integer": "0",
    "float": "0.0",
    "numeric": "0",
    "boolean": "FALSE",
    "date": "DATE '1970-01-01'",
    "timestamp": "TIMESTAMP '1970-01-01 00:00:00'",
    "timestamp_tz": "TIMESTAMPTZ '1970-01-01 00:00:00+00'",
    "time": "TIME '00:00:00'",
    "array": "[]",
    "json": "'null'::JSON",
    "struct": "NULL",  # BigQuery: NOT_APPLICABLE (tags sit on leaf fields); nothing is revealed
}
_ALL = tuple(_DEFAULTS)

MASKING_RULES: dict[str, MaskingRule] = {
    rule.name: rule
    for rule in (
        MaskingRule(
            "RANDOM_HASH",
            "salted SHA-256 with a new salt per query (joins across queries do not match)",
            {
                "string": f"to_base64(unhex(sha256({SALT} || {PLACEHOLDER})))",
                "bytes": f"unhex(sha256({SALT}::BLOB || {PLACEHOLDER}))",
            },
        ),
        MaskingRule("SHA256", "base64 of the SHA-256 digest", {"string": _SHA, "bytes": _BYTES_SHA}),
        MaskingRule(
            "EMAIL_MASK",
            "user name replaced by XXXXX; an invalid email is hashed (SHA256)",
            {
                "string": f"CASE WHEN regexp_full_match({PLACEHOLDER}, '[^@\\s]+@[^@\\s]+\\.[^@\\s]+') "
                f"THEN 'XXXXX' || substr({PLACEHOLDER}, strpos({PLACEHOLDER}, '@')) ELSE {_SHA} END"
            },
        ),
        MaskingRule(
            "LAST_FOUR_CHARACTERS",
            "XXXXX then the last four characters; four or fewer are hashed (SHA256)",
            {
                "string": f"CASE WHEN length({PLACEHOLDER}) > 4 THEN 'XXXXX' || right({PLACEHOLDER}, 4) ELSE {_SHA} END"
            },
        ),
        MaskingRule(
            "FIRST_FOUR_CHARACTERS",
            "the first four characters then XXXXX; four or fewer are hashed (SHA256)",
            {
                "string": f"CASE WHEN length({PLACEHOLDER}) > 4 THEN left({PLACEHOLDER}, 4) || 'XXXXX' ELSE {_SHA} END"
            },
        ),
        MaskingRule(
            "DATE_YEAR_MASK",
            "January 1 of the value's year (UTC)",
            {
                "date": f"CAST(date_trunc('year', {PLACEHOLDER}) AS DATE)",
                "timestamp": f"date_trunc('year', {PLACEHOLDER})",
                "timestamp_tz": f"timezone('UTC', date_trunc('year', timezone('UTC', {PLACEHOLDER})))",
            },
        ),
        MaskingRule(
            "DEFAULT_MASKING_VALUE", "the type's default value ('', 0, FALSE, 1970-01-01 ...)", _DEFAULTS
        ),
        MaskingRule("ALWAYS_NULL", "NULL", dict.fromkeys(_ALL, "NULL")),
    )
}

#: strongest-to-reveal first; a principal covered by several masked reads gets the first one
PRECEDENCE: tuple[str, ...] = ("routine", *MASKING_RULES)


def type_family(duck_type: str) -> str:
    upper = duck_type.strip().upper()
    for pattern, family in TYPE_FAMILIES:
        if re.match(pattern, upper):
            return family
    return "other"


def strongest(rules: Iterable[str]) -> str:
    """The rule that wins under BigQuery's hierarchy (``routine:NAME`` beats every predefined rule)."""
    return min(rules, key=lambda r: PRECEDENCE.index("routine" if r.startswith("routine:") else r))


def mask_expression(
    rule: str,
    value: exp.Expr,
    duck_type: str,
    *,
    salt: str = "",
    routines: Mapping[str, str] | None = None,
    where: str = "",
) -> exp.Expr:
    """A DuckDB expression that masks ``value`` (a column of ``duck_type``) with ``rule``.

    ``routines`` maps a routine name to its body: one BigQuery SQL expression over ``value``.
    """
    if rule.startswith("routine:"):
        name = rule.removeprefix("routine:")
        body = (routines or {}).get(name)
        if body is None:
            raise UsageError(f"unknown masking routine {name!r} for {where}")
        template = sqlglot.parse_one(body, read="bigquery")
        return _substitute(template, {"value": value})
    family = type_family(duck_type)
    spec = MASKING_RULES[rule]
    if family not in spec.templates:
        raise UsageError(
            f"masking rule {rule} does not apply to {where} of type {duck_type}",
            hint=f"{rule} masks {', '.join(sorted(spec.templates))} columns; choose another rule for this column",
        )
    masked = _substitute(
        sqlglot.parse_one(spec.templates[family], read="duckdb"),
        {PLACEHOLDER: value, SALT: exp.Literal.string(salt)},
    )
    if rule in ("DEFAULT_MASKING_VALUE", "ALWAYS_NULL"):
        return _cast(masked, duck_type)
    return masked


def _substitute(template: exp.Expr, values: Mapping[str, exp.Expr]) -> exp.Expr:
    def replace(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Column) and not node.table and node.name in values:
            return values[node.name].copy()
        return node

    return template.transform(replace)


def _cast(value: exp.Expr, duck_type: str) -> exp.Expr:
    try:
        target = exp.DataType.build(duck_type, dialect="duckdb")
    except (sqlglot.errors.ParseError, ValueError):
        return value
    return exp.cast(value, target)
