"""Who a request runs as: the one place where user, group and role names become a ``Principal``.

Every entry point (each CLI command, the demo, later the web page) turns its flags into a principal
here, so one rule holds everywhere: nothing given means the privileged (administrator) path; a
name that is empty or blank, or that the policy does not declare, is a usage error - never a
silent fall back to privileged access.
"""

from __future__ import annotations

from collections.abc import Iterable

from catalog.access.policy import Principal
from lakehouse.errors import UsageError


def principal_from(
    user: str | None = None, groups: Iterable[str] = (), roles: Iterable[str] = ()
) -> Principal | None:
    """The principal named by ``user``/``groups``/``roles``, or None when none was given (privileged).

    ``None`` means "not given"; an empty or blank string was given and is refused.
    """
    groups, roles = tuple(groups), tuple(roles)
    if user is None and not groups and not roles:
        return None
    for flag, names in (("--user", () if user is None else (user,)), ("--group", groups), ("--role", roles)):
        for name in names:
            if not name.strip():
                raise UsageError(
                    f"{flag} is {'empty' if not name else 'blank'}: a principal needs a name",
                    hint=f"give a {flag.removeprefix('--')} named in the access policy, or leave {flag} out "
                    "to run as the administrator",
                )
    return Principal.of(user=user, groups=groups, roles=roles)
