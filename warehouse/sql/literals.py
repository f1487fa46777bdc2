"""A SELECT of literals only (``SELECT 1``, ``SELECT 'ok', TRUE, NULL``): the same statement in BigQuery
and in DuckDB, reading nothing, so it runs as DuckDB SQL without sqlglot (``results.run_duckdb``).

The grammar is deliberately small: decimal integers, single-quoted strings of letters, digits, spaces and
underscores, ``TRUE``, ``FALSE`` and ``NULL``, separated by commas, one optional ``;``. No alias, comment,
operator other than a leading minus, escape, function or name: each of those can mean something
different in the two dialects. tests/warehouse/sql/test_literals.py proves that every statement the
grammar accepts gives the same columns and rows as the BigQuery front end's translation. No access rule
can apply to such a statement (it reads no table); a principal's statement never comes here.
"""

from __future__ import annotations

import re

_LITERAL = r"(?:-?[0-9]{1,18}|'[A-Za-z0-9 _]*'|TRUE|FALSE|NULL)"
_SELECT = re.compile(rf"\s*SELECT\s+{_LITERAL}(?:\s*,\s*{_LITERAL})*\s*;?\s*", re.IGNORECASE | re.ASCII)


def literal_select(text: str) -> bool:
    """Whether ``text`` is one SELECT of literals only (the same statement in BigQuery and DuckDB)."""
    return _SELECT.fullmatch(text) is not None
