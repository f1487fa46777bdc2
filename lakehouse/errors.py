"""The project's exceptions.

One root, ``LakehouseError``; each subclass also inherits the builtin it resembles so callers can
catch either. A message names the offending value, where it was found and what would be valid,
then a hint. ``exit_code`` is what the CLI exits with (1: bad input or a failed gate, 2: usage).
"""

from __future__ import annotations

import re


class LakehouseError(Exception):
    """Root of every error this project raises on purpose."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class SettingsError(LakehouseError, ValueError):
    """A setting is missing or has a bad value; the message names where it was read from."""

    exit_code = 2


class UsageError(LakehouseError, ValueError):
    """The command or call was used wrongly (bad flag combination, unknown name)."""

    exit_code = 2


class InputError(LakehouseError, ValueError):
    """Input data is bad: a file, line or record that cannot be read as expected."""


class NotFoundError(LakehouseError, KeyError):
    """A named table, dataset, model or column does not exist."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return LakehouseError.__str__(self)


class LockedError(LakehouseError, OSError):
    """A database file is held by another process."""


class StorageError(LakehouseError, OSError):
    """The lake's catalog server or object storage cannot be reached, or refuses the credentials."""


class GateFailed(LakehouseError):
    """A quality gate or check failed at critical severity."""


class AccessDenied(LakehouseError, PermissionError):
    """A principal asked for data the access rules do not give it."""


class MissingDependency(LakehouseError, ImportError):
    """An optional dependency is not installed."""

    exit_code = 2


#: a terminal escape sequence (CSI ... final byte); sqlglot underlines the offending token with them
_ANSI_ESCAPE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")


#: sqlglot writes the token it choked on as its repr: ``<Token token_type: ..., text: WHERE, line: ...>``
_TOKEN = re.compile(r"<Token token_type: TokenType\.(\w+), text: (.*?), line: \d+.*?>")


def _token_text(match: re.Match[str]) -> str:
    return "the end of the query" if match[1] == "SENTINEL" else repr(match[2])


def plain(text: str) -> str:
    """``text`` without terminal escape codes, on one line (lines joined by a space)."""
    lines = (line.strip() for line in _ANSI_ESCAPE.sub("", text).splitlines())
    return " ".join(line for line in lines if line)


def parse_error_message(exc: Exception, what: str = "the query") -> str:
    """One line for a sqlglot ``ParseError``: ``cannot parse the query at line L, column C: description``.

    Duck-typed (``exc.errors``, a list of dicts with line, col, description) so the floor needs no
    sqlglot import; any other exception gives its first line, escape codes removed.
    """
    errors = getattr(exc, "errors", None) or [{}]
    first = errors[0] if isinstance(errors[0], dict) else {}
    description = first.get("description") or _ANSI_ESCAPE.sub("", str(exc)).strip().split("\n")[0]
    description = _TOKEN.sub(_token_text, description)
    where = f" at line {first['line']}, column {first['col']}" if first.get("line") else ""
    return plain(f"cannot parse {what}{where}: {description}")
