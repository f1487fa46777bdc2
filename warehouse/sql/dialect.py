"""sqlglot's BigQuery dialect, extended for the BigQuery ML table functions it does not parse.

sqlglot already parses ``CREATE MODEL``/``DROP MODEL`` (``exp.Create``/``exp.Drop`` with ``kind='MODEL'``,
options as properties, ``TRANSFORM`` as ``exp.TransformModelProperty``) and ``ML.PREDICT``. Every other
``ML.<F>(MODEL m [, TABLE t | (query)] [, STRUCT(..)] [, GENERATE_ARRAY(..)])`` fails there; this dialect
parses all of them, ``ML.PREDICT`` included, into one node, ``MLTableFunction``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from sqlglot import exp, parser, tokens
from sqlglot.dialects.bigquery import BigQuery
from sqlglot.helper import seq_get
from sqlglot.parsers.bigquery import BigQueryParser

#: the ML table functions this warehouse implements (the ML engine looks them up by name)
ML_TABLE_FUNCTIONS = (
    "PREDICT",
    "EVALUATE",
    "CENTROIDS",
    "TRAINING_INFO",
    "FEATURE_INFO",
    "FEATURE_IMPORTANCE",
    "WEIGHTS",
    "ROC_CURVE",
    "CONFUSION_MATRIX",
    "DETECT_ANOMALIES",
    "VALIDATE_DATA_SKEW",
    "VALIDATE_DATA_DRIFT",
    "DESCRIBE_DATA",
    "TFDV_DESCRIBE",
    "PRINCIPAL_COMPONENTS",
    "PRINCIPAL_COMPONENT_INFO",
    "TRIAL_INFO",
    "EXPLAIN_PREDICT",
    "GLOBAL_EXPLAIN",
)

#: the ML table functions whose first argument is data, not a model:
#: ``ML.<F>({TABLE t | (query)} [, {TABLE t | (query)}] [, STRUCT(..)] [, MODEL m])``
ML_DATA_FUNCTIONS = frozenset({"VALIDATE_DATA_DRIFT", "DESCRIBE_DATA", "TFDV_DESCRIBE"})


class MLTableFunction(exp.Expression, exp.Func):
    """``ML.<name>(MODEL this [, input] [, params] [, thresholds])``.

    ``input`` is a ``Table`` (from ``TABLE t``) or a ``Subquery``; ``params`` a ``Struct``;
    ``thresholds`` any other trailing expression (``GENERATE_ARRAY`` for ``ML.ROC_CURVE``).
    A data function (``ML_DATA_FUNCTIONS``) has its data first: ``input`` then ``study`` (the second
    relation of ML.VALIDATE_DATA_DRIFT), and ``this`` only when a trailing ``MODEL m`` is given.
    """

    arg_types: ClassVar[dict[str, bool]] = {
        "name": True,
        "this": False,
        "input": False,
        "study": False,
        "params": False,
        "thresholds": False,
    }

    @property
    def function(self) -> str:
        return str(self.args["name"]).upper()


def _previous_is_ml(parser_: parser.Parser) -> bool:
    """True when the function name being parsed is preceded by ``ML .`` (tokens: ML . NAME ( ...)."""
    token = seq_get(parser_._tokens, parser_._index - 4)
    return bool(token and token.text.upper() == "ML")


def _parse_ml_call(parser_: Any, name: str) -> exp.Expr:
    if name in ML_DATA_FUNCTIONS:
        return _parse_ml_data_call(parser_, name)
    parser_._match_text_seq("MODEL")
    model = parser_._parse_table_parts()
    args: dict[str, Any] = {"name": name, "this": model}
    while parser_._match(tokens.TokenType.COMMA):
        if parser_._match(tokens.TokenType.TABLE):
            args["input"] = parser_._parse_table_parts()
        elif parser_._match(tokens.TokenType.L_PAREN, advance=False):
            args["input"] = parser_._parse_table()
        elif parser_._match(tokens.TokenType.STRUCT, advance=False):
            args["params"] = parser_._parse_bitwise()
        else:
            args["thresholds"] = parser_._parse_bitwise()
    return parser_.expression(MLTableFunction(**args))


def _parse_ml_data_call(parser_: Any, name: str) -> exp.Expr:
    args: dict[str, Any] = {"name": name}
    relations: list[exp.Expr] = []
    while True:
        if parser_._match(tokens.TokenType.TABLE):
            relations.append(parser_._parse_table_parts())
        elif parser_._match(tokens.TokenType.L_PAREN, advance=False):
            relations.append(parser_._parse_table())
        elif parser_._match(tokens.TokenType.STRUCT, advance=False):
            args["params"] = parser_._parse_bitwise()
        elif parser_._match_text_seq("MODEL"):
            args["this"] = parser_._parse_table_parts()
        else:
            args["thresholds"] = parser_._parse_bitwise()
        if not parser_._match(tokens.TokenType.COMMA):
            break
    for key, relation in zip(("input", "study"), relations, strict=False):
        args[key] = relation
    return parser_.expression(MLTableFunction(**args))


def _ml_function_parser(name: str, fallback: Any = None) -> Any:
    def parse(self: Any) -> exp.Expr:
        if _previous_is_ml(self):
            return _parse_ml_call(self, name)
        if fallback is not None:
            return fallback(self)
        return exp.Anonymous(this=name, expressions=self._parse_csv(self._parse_lambda))

    return parse


class BigQueryML(BigQuery):
    """BigQuery with every ``ML.*`` table function of this warehouse parsed into ``MLTableFunction``."""

    class Parser(BigQueryParser):
        FUNCTION_PARSERS = {
            **BigQueryParser.FUNCTION_PARSERS,
            **{
                name: _ml_function_parser(name, BigQueryParser.FUNCTION_PARSERS.get(name))
                for name in ML_TABLE_FUNCTIONS
            },
        }


def parse(sql: str) -> list[exp.Expr]:
    """Parse one or more BigQuery (ML) statements (a comment after the last ``;`` is no statement)."""
    return [e for e in BigQueryML().parse(sql) if e is not None and not isinstance(e, exp.Semicolon)]
