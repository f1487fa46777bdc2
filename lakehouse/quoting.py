"""The one module that quotes names and values into DuckDB SQL text (identifiers, literals, option structs).

Every name or value that reaches a SQL string goes through these functions; values that DuckDB
accepts as prepared parameters are bound as parameters instead, and queries built from parts use
sqlglot expressions. What needs text: table functions' options (``read_json(…, columns = {…})``),
``COPY … TO 'path'``, ``ATTACH``/``LOAD`` paths and ``SET`` values, none of which take parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path


def ident(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: str | Path | int | float | bool | None) -> str:
    """A SQL literal for a Python value."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def struct_literal(values: Mapping[str, str]) -> str:
    """``{'name': 'TYPE', …}`` for options such as ``columns``."""
    return "{" + ", ".join(f"{literal(k)}: {literal(v)}" for k, v in values.items()) + "}"


def options(values: Mapping[str, str | int | float | bool | None]) -> str:
    """``name = literal, …`` for a table function call; None values are left out."""
    return ", ".join(f"{name} = {literal(v)}" for name, v in values.items() if v is not None)


def qualified(*parts: str) -> str:
    """``"a"."b"."c"``: a dotted name with every part quoted."""
    return ".".join(ident(part) for part in parts)


def string_list(values: list[str] | tuple[str, ...]) -> str:
    """``['a', 'b']``: a DuckDB list of string literals (file lists for the readers)."""
    return "[" + ", ".join(literal(v) for v in values) + "]"
