"""``lakehouse doctor``: check a configuration end to end and name each problem in one line.

Checks, in order (a later one is skipped when an earlier one it needs failed): the DuckDB extension wheels
the layout needs; the lake's catalog (a PostgreSQL server reachable and accepting the credentials, or a
SQLite file whose folder can be written); the data path (a local folder, or the S3 bucket reachable with
the keys); and the lake itself attached. No check prints a credential (``lakehouse.connect.scrub``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from lakehouse.connect import (
    DEFAULT_EXTENSIONS,
    attach_lake,
    connect,
    create_storage_secret,
    extension_path,
    load_extensions,
    scrub,
)
from lakehouse.errors import LakehouseError
from lakehouse.quoting import literal
from lakehouse.settings import Settings

#: words of a server's error -> the problem in a few words (first match wins)
PROBLEMS = (
    ("password authentication failed", "bad credentials"),
    ("no password supplied", "bad credentials (no password: set PGPASSWORD or ~/.pgpass)"),
    ("InvalidAccessKeyId", "bad credentials"),
    ("SignatureDoesNotMatch", "bad credentials"),
    ("403", "bad credentials or no permission"),
    ("NoSuchBucket", "missing bucket"),
    ("404", "missing bucket"),
    ("does not exist", "missing database"),
    ("Connection refused", "server unreachable"),
    ("could not connect", "server unreachable"),
    ("Could not establish connection", "server unreachable"),
    ("could not translate host", "server unreachable (unknown host)"),
    ("timeout", "server unreachable (timeout)"),
)


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


@dataclass
class DoctorReport:
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)


def problem(text: str) -> str:
    """The kind of problem an error's text names (``server unreachable``, ``bad credentials`` …)."""
    return next((kind for words, kind in PROBLEMS if words in text), "error")


def _extensions(settings: Settings) -> list[str]:
    names = list(DEFAULT_EXTENSIONS)
    if settings.lake_catalog_shared:
        names.append("postgres_scanner")
    if settings.lake_on_object_store:
        names.append("httpfs")
    return names


def _failed(name: str, exc: BaseException, settings: Settings) -> Check:
    line = scrub(exc, settings)
    return Check(name, False, f"{problem(line)}: {line}")


def _check_catalog(con: duckdb.DuckDBPyConnection, settings: Settings) -> Check:
    meta = settings.lake_metadata_uri
    if not settings.lake_catalog_shared:
        folder = settings.lake_dir if settings.lake_metadata is None else None
        return Check("catalog", True, f"embedded ({meta.partition(':')[0]}) {folder or meta}")
    dsn = meta.removeprefix("postgres:")
    try:
        con.execute(f"ATTACH {literal(dsn)} AS doctor_pg (TYPE postgres, READ_ONLY)")
        con.execute("SELECT 1 FROM doctor_pg.information_schema.tables LIMIT 1").fetchall()
        con.execute("DETACH doctor_pg")
    except duckdb.Error as exc:
        return _failed("catalog", exc, settings)
    return Check("catalog", True, f"PostgreSQL {dsn}")


def _check_storage(con: duckdb.DuckDBPyConnection, settings: Settings) -> Check:
    url = settings.lake_data_url
    if not settings.lake_on_object_store:
        return Check("storage", True, f"local folder {url}")
    try:
        create_storage_secret(con, settings)
        con.execute("SELECT count(*) FROM glob(?)", [url + "*"]).fetchall()
    except (duckdb.Error, LakehouseError) as exc:
        return _failed("storage", exc, settings)
    return Check("storage", True, f"bucket reachable: {url}")


def doctor(settings: Settings) -> DoctorReport:
    """Run every check (see the module docstring); the report says what is fine and what is not."""
    report = DoctorReport()
    missing = []
    for name in _extensions(settings):
        try:
            extension_path(name)
        except LakehouseError as exc:
            missing.append(str(exc))
    report.checks.append(
        Check(
            "extensions", not missing, "; ".join(missing) or "installed: " + ", ".join(_extensions(settings))
        )
    )
    if missing:
        return report
    con = connect(settings, lake=False)
    try:
        load_extensions(con, _extensions(settings))
        report.checks.append(_check_catalog(con, settings))
        report.checks.append(_check_storage(con, settings))
        if report.ok:
            try:
                attach_lake(con, settings)
                row = con.execute("SELECT count(*) FROM ducklake_snapshots('lake')").fetchone()
                report.checks.append(Check("lake", True, f"attached; {row[0] if row else 0} snapshots"))
            except (duckdb.Error, LakehouseError) as exc:
                report.checks.append(_failed("lake", exc, settings))
    finally:
        con.close()
    return report
