"""The project's exceptions.

One root, ``LakehouseError``; each subclass also inherits the builtin it resembles so callers can
catch either. A message names the offending value, where it was found and what would be valid,
then a hint. ``exit_code`` is what the CLI exits with (1: bad input or a failed gate, 2: usage).
"""

from __future__ import annotations


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


class GateFailed(LakehouseError):
    """A quality gate or check failed at critical severity."""


class AccessDenied(LakehouseError, PermissionError):
    """A principal asked for data the access rules do not give it."""


class MissingDependency(LakehouseError, ImportError):
    """An optional dependency is not installed."""

    exit_code = 2
