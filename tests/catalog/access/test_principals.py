"""One rule for who a command runs as: no flag = privileged; empty, blank or unknown = usage error (exit 2).

Every command that reads as a principal is run with each bad name through the real CLI entry point
(``lakehouse.cli.main``): it must exit 2 with one error line and print no data. Before this rule,
``lakehouse sql --user ""`` ran privileged and printed raw emails.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from catalog.access.policy import Principal, UnknownPrincipal
from catalog.access.principals import principal_from
from lakehouse.cli import main
from lakehouse.errors import UsageError
from lakehouse.settings import Settings

#: (command, the arguments before the principal flags)
COMMANDS = {
    "sql": ["sql", "SELECT email FROM lake.customers LIMIT 3", "--format", "json"],
    "catalog search": ["catalog", "search", "email", "--json"],
    "catalog show": ["catalog", "show", "lake.customers", "--json"],
    "access check": ["access", "check", "lake.customers", "--json"],
}

BAD = [
    (["--user", ""], r"--user is empty"),
    (["--user", " "], r"--user is blank"),
    (["--user", "\t"], r"--user is blank"),
    (["--group", ""], r"--group is empty"),
    (["--role", " "], r"--role is blank"),
    (["--role", "analyst", "--role", ""], r"--role is empty"),
    (["--user", "nobody"], r"unknown user 'nobody'"),
    (["--user", "Ana"], r"unknown user 'Ana'.*did you mean 'ana'"),
    (["--group", "admins"], r"unknown group 'admins'"),
    (["--role", "root"], r"unknown role 'root'"),
]


def run(home: Path, args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        main(["--home", str(home), "--threads", "2", *args])
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize(("flags", "message"), BAD, ids=[" ".join(f) or "empty" for f, _ in BAD])
def test_bad_principal_is_a_usage_error_everywhere(
    lake_home: Path, command: str, flags: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(lake_home, [*COMMANDS[command], *flags], capsys)
    assert code == 2, (out, err)
    assert out == ""  # no rows, no hits, no dataset
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "\x1b" not in err, err
    assert re.search(message, lines[0]), lines[0]


def test_no_principal_flag_is_the_privileged_path(
    lake_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(lake_home, COMMANDS["sql"], capsys)
    assert code == 0 and "@" in out  # the administrator reads raw emails


def test_a_known_principal_still_works(lake_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(lake_home, [*COMMANDS["sql"], "--user", "ana"], capsys)
    assert code == 0, err
    assert "XXXXX" in out  # analysts see the last four characters of an email


def test_principal_from() -> None:
    assert principal_from() is None
    assert principal_from(None, (), ()) is None
    assert principal_from("ana") == Principal.of(user="ana")
    assert principal_from(groups=["analytics"], roles=["analyst"]) == Principal.of(
        groups=["analytics"], roles=["analyst"]
    )
    with pytest.raises(UsageError, match=r"--user is empty"):
        principal_from("")
    with pytest.raises(UsageError, match=r"--group is blank"):
        principal_from(groups=["analytics", "  "])


def test_unknown_principal_is_not_found_and_exit_2(lake: Settings) -> None:
    from catalog.access import load_policy

    with pytest.raises(UnknownPrincipal, match=r"unknown user 'eve'") as raised:
        load_policy(lake).resolve(Principal.of(user="eve"))
    assert raised.value.exit_code == 2 and isinstance(raised.value, KeyError)
