"""The ``--user``/``--group``/``--role`` flags every command that reads as a principal shares.

The flags are parsed here and turned into a principal by ``catalog.access.principals`` (the one
place that decides: nothing given = privileged, empty/blank/unknown = usage error).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from catalog.access import Principal

_OPTIONS = [
    click.option("--user", help="as this user (from the policy file), with the user's groups and roles"),
    click.option("--group", "groups", multiple=True, help="as a member of this group (repeatable)"),
    click.option("--role", "roles", multiple=True, help="as this role (repeatable)"),
]


def principal_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--user``, ``--group`` and ``--role`` (arguments ``user``, ``groups``, ``roles``)."""
    for option in reversed(_OPTIONS):
        func = option(func)
    return func


def principal_of(user: str | None, groups: tuple[str, ...], roles: tuple[str, ...]) -> Principal | None:
    """The principal the flags name, or None for the privileged path (no flag given).

    ``catalog.access.principals`` decides; with no flag at all the answer is None there too, and the
    catalog (policy, sqlglot) is not imported for it (start-up time of every privileged command).
    """
    if user is None and not groups and not roles:
        return None
    from catalog.access.principals import principal_from

    return principal_from(user, groups, roles)
