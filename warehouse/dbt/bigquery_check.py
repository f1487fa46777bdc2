"""Offline check that SQL compiled for the BigQuery target is BigQuery SQL.

sqlglot's BigQuery parser alone is not enough: it accepts ``read_parquet(...)``, ``x::int`` and
``count(*) FILTER (WHERE ...)`` because its grammar is shared with other dialects. So on top of "parses with
read='bigquery'" this check rejects, from the tokens and the tree:

- DuckDB-only functions (a declarative table below), and functions sqlglot does not know at all unless they
  are BigQuery functions sqlglot merely lacks (``KNOWN_BIGQUERY_FUNCTIONS``);
- DuckDB-only syntax: ``::`` casts, ``->``/``->>`` JSON arrows, ``{...}`` struct literals, FILTER clauses, ILIKE;
- DuckDB-only type names as cast targets (``cast(x as double)``, ``varchar``, ``hugeint`` ...).

``check_manifest`` also reports ``model``-materialization configs the BigQuery target refuses
(``promote_if_better``), so they show up before a run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokens import Token, TokenType

DIALECT = "bigquery"

#: DuckDB functions BigQuery does not have (name -> the BigQuery way), checked on the tokens as written
DUCKDB_ONLY_FUNCTIONS: dict[str, str] = {
    "read_parquet": "load the data and query a table", "parquet_scan": "query a table",
    "read_csv": "query a table", "read_csv_auto": "query a table", "read_json": "query a table",
    "read_json_auto": "query a table", "read_ndjson": "query a table", "read_blob": "an object table",
    "len": "ARRAY_LENGTH or LENGTH", "list_value": "an ARRAY literal", "list_transform": "UNNEST in a subquery",
    "list_filter": "UNNEST in a subquery", "list_aggregate": "UNNEST in a subquery",
    "list_extract": "array[OFFSET(i)]", "list_contains": "IN UNNEST(array)", "list_has": "IN UNNEST(array)",
    "array_extract": "array[OFFSET(i)]", "struct_pack": "STRUCT(...)", "struct_extract": "struct.field",
    "strftime": "FORMAT_TIMESTAMP", "strptime": "PARSE_TIMESTAMP", "epoch": "UNIX_SECONDS",
    "epoch_ms": "UNIX_MILLIS / TIMESTAMP_MILLIS", "epoch_us": "UNIX_MICROS", "make_date": "DATE(y, m, d)",
    "make_timestamp": "TIMESTAMP(DATETIME(...))", "date_part": "EXTRACT", "datepart": "EXTRACT",
    "datediff": "DATE_DIFF / TIMESTAMP_DIFF (note the argument order)", "time_bucket": "TIMESTAMP_TRUNC",
    "count_if": "COUNTIF", "median": "APPROX_QUANTILES", "quantile_cont": "APPROX_QUANTILES",
    "quantile_disc": "APPROX_QUANTILES", "approx_quantile": "APPROX_QUANTILES", "mode": "APPROX_TOP_COUNT",
    "arg_max": "MAX_BY", "arg_min": "MIN_BY", "histogram": "GROUP BY", "list": "ARRAY_AGG",
    "string_split": "SPLIT", "str_split": "SPLIT", "split_part": "SPLIT(...)[SAFE_OFFSET(i)]",
    "regexp_matches": "REGEXP_CONTAINS", "regexp_full_match": "REGEXP_CONTAINS with ^...$",
    "parse_filename": "REGEXP_EXTRACT", "parse_path": "SPLIT", "getvariable": "a query parameter",
    "current_setting": "nothing", "generate_series": "GENERATE_ARRAY", "range": "GENERATE_ARRAY",
    "typeof": "nothing", "try_cast": "SAFE_CAST", "hash": "FARM_FINGERPRINT", "flatten": "ARRAY_CONCAT",
    "list_distinct": "ARRAY(SELECT DISTINCT ...)", "unnest_struct": "struct.*",
}  # fmt: skip
#: BigQuery functions sqlglot 30 parses as Anonymous (unknown) that are fine on BigQuery
KNOWN_BIGQUERY_FUNCTIONS = frozenset({
    "safe_divide", "countif", "farm_fingerprint", "format_timestamp", "parse_timestamp", "timestamp_seconds",
    "unix_seconds", "unix_millis", "unix_micros", "approx_quantiles", "approx_top_count", "generate_array",
    "array_concat", "regexp_contains", "regexp_extract", "datetime_diff", "timestamp_diff", "date_diff",
    "safe_cast", "st_geogpoint", "st_distance", "json_value", "json_query", "to_json_string", "logical_or",
    "logical_and", "bit_count", "byte_length", "net.host", "session_user", "current_datetime",
})  # fmt: skip
#: DuckDB type names BigQuery rejects as a cast target
DUCKDB_ONLY_TYPES = frozenset({
    "varchar", "text", "double", "real", "float4", "float8", "float", "hugeint", "uhugeint", "ubigint",
    "uinteger", "usmallint", "utinyint", "int1", "int2", "int4", "int8", "timestamptz", "blob", "uuid", "list",
    "map", "union", "varint", "bit", "bitstring",
})  # fmt: skip
#: DuckDB-only syntax, by token
DUCKDB_ONLY_TOKENS = {
    TokenType.DCOLON: "'::' cast (use CAST(x AS type))",
    TokenType.ARROW: "'->' JSON/lambda arrow",
    TokenType.DARROW: "'->>' JSON arrow",
    TokenType.L_BRACE: "'{...}' struct literal (use STRUCT(...))",
}
#: DuckDB-only syntax, by parsed node
DUCKDB_ONLY_NODES: dict[type[exp.Expr], str] = {
    exp.Filter: "aggregate FILTER (WHERE ...) clause (use COUNTIF / IF inside the aggregate)",
    exp.ILike: "ILIKE (use LOWER(x) LIKE ...)",
}


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason a statement is not BigQuery SQL."""

    node: str  # model or test the SQL belongs to
    message: str

    def __str__(self) -> str:
        return f"{self.node}: {self.message}"


def check_bigquery_sql(sql: str, node: str = "<sql>") -> list[Problem]:
    """Problems that keep ``sql`` from running on BigQuery (empty when it looks like BigQuery SQL)."""
    try:
        tokens = sqlglot.Dialect.get_or_raise(DIALECT).tokenize(sql)
        trees = sqlglot.parse(sql, read=DIALECT)
    except (ParseError, TokenError) as exc:
        first = str(exc).splitlines()[0]
        return [Problem(node, f"does not parse as BigQuery SQL: {first}")]
    problems = [Problem(node, message) for message in _token_problems(tokens)]
    for tree in trees:
        if tree is not None:
            problems.extend(Problem(node, message) for message in _tree_problems(tree))
    return problems


def _token_problems(tokens: list[Token]) -> list[str]:
    out = []
    for i, token in enumerate(tokens):
        word = token.text.lower()
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        before = tokens[i - 1] if i > 0 else None
        if token.token_type in DUCKDB_ONLY_TOKENS:
            out.append(f"line {token.line}: DuckDB-only syntax {DUCKDB_ONLY_TOKENS[token.token_type]}")
        elif (
            following is not None
            and following.token_type == TokenType.L_PAREN
            and word in DUCKDB_ONLY_FUNCTIONS
        ):
            if before is None or before.token_type != TokenType.DOT:
                out.append(
                    f"line {token.line}: DuckDB-only function {token.text}() (BigQuery: {DUCKDB_ONLY_FUNCTIONS[word]})"
                )
        elif (
            word in DUCKDB_ONLY_TYPES
            and token.token_type not in (TokenType.IDENTIFIER, TokenType.STRING)
            and before is not None
            and before.token_type == TokenType.ALIAS
            and following is not None
            and following.token_type in (TokenType.R_PAREN, TokenType.L_PAREN)
        ):
            out.append(f"line {token.line}: DuckDB-only type {token.text.upper()} in a cast")
    return out


def _tree_problems(tree: exp.Expr) -> list[str]:
    out = []
    for node_type, message in DUCKDB_ONLY_NODES.items():
        if tree.find(node_type) is not None:
            out.append(f"DuckDB-only syntax: {message}")
    for call in tree.find_all(exp.Anonymous):
        name = str(call.name).lower()
        if name not in KNOWN_BIGQUERY_FUNCTIONS and name not in DUCKDB_ONLY_FUNCTIONS:
            out.append(
                f"unknown function {call.name}() (neither sqlglot nor the list of BigQuery functions knows it)"
            )
    return out


def check_manifest(manifest: Path) -> list[Problem]:
    """Check every compiled model and test in a dbt ``manifest.json`` (after ``dbt compile --target bigquery``)."""
    data = json.loads(manifest.read_text(encoding="utf-8"))
    problems: list[Problem] = []
    for unique_id, node in sorted(data.get("nodes", {}).items()):
        sql = node.get("compiled_code")
        if node.get("resource_type") in ("model", "test", "snapshot") and sql:
            problems.extend(check_bigquery_sql(sql, unique_id))
        problems.extend(Problem(unique_id, message) for message in _config_problems(node.get("config") or {}))
    return problems


#: configs of the ``model`` materialization that only the DuckDB target honours (the BigQuery one refuses them)
DUCKDB_ONLY_CONFIGS: dict[str, str] = {
    "promote_if_better": "promote_if_better is DuckDB-only (set it for DuckDB only: "
    "promote_if_better=({...} if target.type == 'duckdb' else none))",
}


def _config_problems(config: dict[str, object]) -> list[str]:
    if config.get("materialized") != "model":
        return []
    meta = config.get("meta")
    found = dict(meta) if isinstance(meta, dict) else {}
    found.update(config)
    return [message for name, message in DUCKDB_ONLY_CONFIGS.items() if found.get(name) is not None]


def compiled_nodes(manifest: Path) -> int:
    """How many nodes of the manifest carry compiled SQL (to tell 'checked nothing' from 'all fine')."""
    data = json.loads(manifest.read_text(encoding="utf-8"))
    return sum(1 for node in data.get("nodes", {}).values() if node.get("compiled_code"))
