"""Who looks at the page, and the one read path every page uses for data: the one of ``lakehouse sql``.

The principal comes from ``lakehouse ui --user/--group/--role`` (``catalog.access.principals``, as
every command resolves it). Started with one, the page is that principal for every request. Started
without (the administrator, as ``lakehouse sql`` without flags), a visitor may narrow the page to a
user of the policy (the ``as`` cookie); nothing in the page can widen what the start gave.

Data reads go through ``read``: as a principal, ``catalog.access.run_query`` (restricted session,
rows filtered, columns masked, one audit line per read, as the CLI); as the administrator, the
warehouse opened read-only and the statement run by the warehouse's SQL front end, as ``lakehouse sql``
runs it, after refusing anything but a query (the page never writes). Reads are serialized
(``_READS``): DuckDB shares one database instance per file within a process, and two sessions opening
the warehouse at once collide on attaching the lake; the catalog pages do not wait for them.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import duckdb
import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

import warehouse
import warehouse.sql
from catalog.access import Policy, PolicyView, Principal, load_policy, run_query
from catalog.view import CatalogView
from lakehouse.errors import LakehouseError, UsageError, plain
from lakehouse.settings import Settings
from warehouse.sql.frontend import parse_statements
from warehouse.sql.principal import COMPILER

COOKIE = "lakehouse_as"
_READS = threading.Lock()  # the policy user an administrator's page is narrowed to


@dataclass(frozen=True)
class Table:
    """Rows of one read, ready to render; ``error`` is the CLI's one line when the read failed."""

    columns: list[str] = field(default_factory=list)
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    message: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class Viewer:
    """The principal of one request (None: the administrator) and the catalog view it resolves to."""

    settings: Settings
    principal: Principal | None
    fixed: bool  # chosen at start: the page cannot change it

    @property
    def label(self) -> str:
        if self.principal is None:
            return "administrator"
        return self.principal.user or self.principal.label

    def view(self) -> CatalogView | None:
        """The principal's catalog view (``catalog.access.visibility``, with the policy read once per change)."""
        if self.principal is None:
            return None
        policy = current_policy(self.settings)
        key = (id(policy), self.principal)
        if key not in _VIEWS:  # kept while the policy is unchanged: its answers are cached per table
            _VIEWS[key] = PolicyView(policy, policy.resolve(self.principal))
        return _VIEWS[key]

    def users(self) -> list[str]:
        """The policy's users a visitor may narrow the page to (none when the principal is fixed)."""
        return [] if self.fixed else sorted(current_policy(self.settings).users)

    def read(self, sql: str, *, dialect: str = "auto") -> Table:
        """``sql`` as this principal, through the path of ``lakehouse sql`` (see the module docstring)."""
        try:
            with _READS:
                return self._as_principal(sql, dialect) if self.principal else self._as_admin(sql, dialect)
        except LakehouseError as exc:
            return Table(error=plain(str(exc)))
        except (duckdb.Error, SqlglotError) as exc:  # the statement's own error, as the CLI prints it
            return Table(error=f"{type(exc).__name__}: {plain(str(exc).strip().split(chr(10))[0])}")

    def _as_principal(self, sql: str, dialect: str) -> Table:
        assert self.principal is not None
        result = run_query(self.settings, self.principal, sql, dialect=dialect, compile_ml=COMPILER)
        return Table(list(result.columns), result.rows)

    def _as_admin(self, sql: str, dialect: str) -> Table:
        parsed = sqlglot.parse(sql, read="duckdb") if dialect == "duckdb" else parse_statements(sql)
        statements = [s for s in parsed if s is not None]
        if len(statements) != 1 or not isinstance(statements[0], exp.Query):
            raise UsageError(
                "the page runs one query (SELECT, WITH, UNION, ML functions); it never writes",
                hint="run other statements with `lakehouse sql`",
            )
        con = warehouse.connect(self.settings, read_only=True)
        try:
            results = (
                warehouse.sql.run_duckdb(con, sql) if dialect == "duckdb" else warehouse.run_script(con, sql)
            )
        finally:
            con.close()
        last = results[-1]
        return Table(list(last.columns), list(last.rows), last.message)


_POLICIES: dict[tuple[str, int, int], Policy] = {}
_VIEWS: dict[tuple[int, Principal], CatalogView] = {}


def current_policy(settings: Settings) -> Policy:
    """The policy file as it is now: parsed again only when it changed (path, size, modification time)."""
    path = settings.existing("policy_file")
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _POLICIES:
        _POLICIES.clear()
        _VIEWS.clear()
        _POLICIES[key] = load_policy(settings)
    return _POLICIES[key]


def viewer_for(settings: Settings, fixed: Principal | None, cookie: str | None) -> Viewer:
    """The request's viewer: the start's principal, else the cookie's policy user, else the administrator."""
    if fixed is not None:
        return Viewer(settings, fixed, True)
    if cookie and cookie in current_policy(settings).users:
        return Viewer(settings, Principal.of(user=cookie), False)
    return Viewer(settings, None, False)
