"""The one DuckDB connection factory every part of the project uses.

It loads extensions from the installed ``duckdb-extension-*`` wheels (never the network), applies
settings (threads, memory limit, spill directory), and attaches the lake (DuckLake, SQLite metadata
by default) as ``lake``. A database file held by another process becomes a ``LockedError`` naming
the file and the holder's PID.

The team layout: a ``postgres:`` catalog loads ``postgres_scanner`` (libpq reads the password from
``PGPASSWORD``/``~/.pgpass``), and data on object storage loads ``httpfs`` and creates a temporary
DuckDB secret from the S3 settings (``s3_secret_sql``; in memory only, never persisted). A failure to
reach either becomes a ``StorageError`` whose one line never holds a credential (``scrub``).
"""

from __future__ import annotations

import concurrent.futures as cf
import importlib
import importlib.resources
import logging
import os
import re
from collections.abc import Iterable
from pathlib import Path

import duckdb

from lakehouse import signatures
from lakehouse.errors import LockedError, MissingDependency, NotFoundError, SettingsError, StorageError
from lakehouse.quoting import ident, literal, qualified
from lakehouse.settings import Settings

log = logging.getLogger(__name__)

#: extensions loaded into every connection, in order (ducklake needs sqlite_scanner for its catalog)
DEFAULT_EXTENSIONS: tuple[str, ...] = ("sqlite_scanner", "ducklake")
#: extensions shipped by a wheel we depend on or may depend on; built-ins (json, parquet, icu) need nothing
WHEEL_EXTENSIONS = {
    "ducklake",
    "sqlite_scanner",
    "httpfs",
    "fts",
    "iceberg",
    "delta",
    "spatial",
    "avro",
    "postgres_scanner",
}

#: the DuckDB secret the lake's object-storage credentials live in (temporary: this connection only)
S3_SECRET_NAME = "lakehouse_lake_storage"  # noqa: S105 - a name, not a credential
#: secret type per URL scheme of ``lake_data_path``
SECRET_TYPES = {"s3": "s3", "gs": "gcs", "gcs": "gcs"}

_LOCK_RE = re.compile(r'Could not set lock on file "(?P<file>[^"]+)".*?PID (?P<pid>\d+)', re.S)


def extension_path(name: str) -> Path:
    """Path of the ``.duckdb_extension`` file shipped by the ``duckdb-extension-<name>`` wheel."""
    try:
        module = importlib.import_module(f"duckdb_extension_{name}")
    except ImportError as exc:
        raise MissingDependency(
            f"DuckDB extension {name!r} is not installed",
            hint=f"pip install 'duckdb-extension-{name}=={duckdb.__version__}'",
        ) from exc
    root = Path(str(importlib.resources.files(module)))
    path = root / "extensions" / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"
    if not path.exists():
        candidates = sorted(root.glob(f"extensions/*/{name}.duckdb_extension"))
        if not candidates:
            raise MissingDependency(
                f"the wheel for DuckDB extension {name!r} holds no extension file under {root}"
            )
        path = candidates[-1]
    return path


def load_extensions(con: duckdb.DuckDBPyConnection, names: Iterable[str]) -> list[str]:
    """Load extensions into ``con`` straight from the wheel files (no INSTALL, no network).

    Loading a wheel's extension checks its signature, which hashes the whole file (~30 MB, ~0.15 s);
    DuckDB does that without holding the GIL, so several files are loaded side by side, each on its
    own cursor of the connection (the extensions land in the one database instance all cursors share).
    Returns the names it loaded (those not loaded already).
    """
    loaded = {
        row[0]
        for row in con.execute("SELECT extension_name FROM duckdb_extensions() WHERE loaded").fetchall()
    }
    wanted = [name for name in dict.fromkeys(names) if name not in loaded]
    statements = [
        f"LOAD {literal(str(extension_path(name)))}"
        if name in WHEEL_EXTENSIONS
        else f"LOAD {_extension_name(name)}"
        for name in wanted
    ]
    if len(statements) < 2:
        for statement in statements:
            con.execute(statement)
        return wanted
    with cf.ThreadPoolExecutor(len(statements), thread_name_prefix="duckdb-load") as pool:
        loading = [pool.submit(_execute_on_cursor, con, statement) for statement in statements]
        for future in loading:
            future.result()  # the first failure is raised
    return wanted


def _execute_on_cursor(con: duckdb.DuckDBPyConnection, statement: str) -> None:
    cursor = con.cursor()
    try:
        cursor.execute(statement)
    finally:
        cursor.close()


def _extension_name(name: str) -> str:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise ValueError(f"not an extension name: {name!r}")
    return name


def translate_lock_error(exc: duckdb.Error, path: Path | str) -> LockedError | None:
    """Turn DuckDB's 'Could not set lock on file' into one clear line, or None for other errors."""
    text = str(exc)
    if "Could not set lock" not in text:
        return None
    match = _LOCK_RE.search(text)
    pid = match.group("pid") if match else "unknown"
    file = match.group("file") if match else str(path)
    return LockedError(
        f"{file} is locked by another process (PID {pid})",
        hint="wait for it to finish or stop it; readers of the lake use its SQLite catalog and are not blocked",
    )


def connect(
    settings: Settings,
    *,
    database: str | Path | None = None,
    read_only: bool = False,
    lake: bool = True,
    lake_read_only: bool = False,
    extensions: Iterable[str] = (),
) -> duckdb.DuckDBPyConnection:
    """Open a configured DuckDB connection.

    ``database`` is a DuckDB file (default: in-memory; pass ``settings.warehouse_file`` for the
    warehouse). With ``lake`` the DuckLake lake is attached as ``lake``, created on first use; without
    it the lake's extensions are not loaded either (their signature checks are most of a connection's
    cost), and ``attach_lake`` loads them if the lake is attached later.
    """
    names = [*(DEFAULT_EXTENSIONS if lake else ()), *extensions]  # attach_lake loads them when needed
    if (settings.lake_encryption_key and not read_only) or (
        lake and settings.lake_encrypted and not lake_read_only
    ):  # DuckDB writes encrypted files only with httpfs loaded (side by side here); reads need no httpfs
        names.append("httpfs")
    # files DuckDB checked before, unchanged since, load without a second signature check (``signatures``)
    wheel = {str(extension_path(n)): n for n in dict.fromkeys(names) if n in WHEEL_EXTENSIONS}
    found = signatures.check(settings.cache_dir / signatures.RECORD, [Path(p) for p in wheel])
    checked = found.checked
    config: dict[str, str | bool | int | float | list[str]] = {
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "allow_unsigned_extensions": checked,  # turned off below, before the connection is handed out
    }
    if settings.threads:
        config["threads"] = settings.threads
    if settings.memory_limit:
        config["memory_limit"] = settings.memory_limit
    target = str(database) if database is not None else ":memory:"
    if database is not None:
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    try:
        con, joined = _open(target, read_only, config)
    except duckdb.Error as exc:
        locked = translate_lock_error(exc, target)
        if locked:
            raise locked from exc
        raise
    try:
        if joined:  # before any LOAD of this connection: DuckDB checks each file it loads from here on
            con.execute("SET allow_unsigned_extensions = false")
            checked = False
        settings.spill_dir.mkdir(parents=True, exist_ok=True)
        con.execute(f"SET temp_directory = {literal(str(settings.spill_dir))}")
        # DuckDB draws its own progress bar on stdout for a query past 2 s: the library never prints, and a
        # bar inside `lakehouse sql --json` output breaks the JSON (commands report progress themselves)
        con.execute("SET enable_progress_bar = false")
        loaded = load_extensions(con, names)
        if checked:
            con.execute("SET allow_unsigned_extensions = false")  # DuckDB refuses to turn it on again
            log.debug(
                "extension files unchanged since DuckDB checked their signatures (by their %s): %s",
                "status" if found.by_status else "SHA-256",
                ", ".join(found.statuses),
            )
        # what DuckDB checked now (or a file's status, once settled) is recorded: the files this connection
        # loaded, not those an earlier connection of the same database file had loaded
        signatures.settle(found, [p for p, n in wheel.items() if n in loaded])
        if lake:
            attach_lake(con, settings, read_only=lake_read_only)
    except BaseException:
        con.close()
        raise
    return con


def _open(
    target: str, read_only: bool, config: dict[str, str | bool | int | float | list[str]]
) -> tuple[duckdb.DuckDBPyConnection, bool]:
    """A connection to ``target``, and whether it joined a database this process holds open already with the
    other ``allow_unsigned_extensions``: DuckDB refuses a second connection to a file whose settings differ
    from the first's. ``connect`` turned that setting off on the database before handing out its first
    connection (and DuckDB refuses to turn it on again), so joining it allows no unsigned extension."""
    try:
        return duckdb.connect(target, read_only=read_only, config=config), False
    except duckdb.ConnectionException as exc:
        if target == ":memory:" or "different configuration" not in str(exc):
            raise
        other = {**config, "allow_unsigned_extensions": not config["allow_unsigned_extensions"]}
        try:
            return duckdb.connect(target, read_only=read_only, config=other), True
        except duckdb.ConnectionException:
            raise exc from None  # another setting differs (threads, memory limit): DuckDB's own message


def lake_exists(settings: Settings) -> bool:
    """False before the first write has created the lake's SQLite catalog (a read-only attach would fail)."""
    meta = settings.lake_metadata_uri
    return not meta.startswith("sqlite:") or Path(meta.removeprefix("sqlite:")).exists()


def attach_lake(
    con: duckdb.DuckDBPyConnection, settings: Settings, *, read_only: bool = False, alias: str = "lake"
) -> None:
    """Attach the DuckLake lake as ``alias`` (creating its folders and catalog on first use)."""
    load_extensions(con, DEFAULT_EXTENSIONS)  # nothing to do when ``connect`` loaded them already
    meta = settings.lake_metadata_uri
    if meta.startswith("sqlite:"):
        path = Path(meta[len("sqlite:") :])
        if read_only and not path.exists():
            raise NotFoundError(
                f"there is no lake at {path} yet",
                hint="land some files first: lakehouse ingest PATH --dataset NAME",
            )
        path.parent.mkdir(parents=True, exist_ok=True)
    elif meta.startswith("postgres:"):
        load_extensions(con, ["postgres_scanner"])
    if settings.lake_on_object_store:
        create_storage_secret(con, settings)
    else:
        settings.lake_data_dir.mkdir(parents=True, exist_ok=True)
    options = [f"DATA_PATH {literal(settings.lake_data_url)}"]
    if settings.lake_moves_with_home:  # a copied or moved home: its files are where the home is now
        options.append("OVERRIDE_DATA_PATH true")
    if read_only:
        options.append("READ_ONLY")
    elif settings.lake_encrypted and not _existing_sqlite_lake(meta):
        options.append("ENCRYPTED")  # DuckLake fixes this when the lake is created
    sql = f"ATTACH {literal('ducklake:' + meta)} AS {ident(alias)} ({', '.join(options)})"
    try:
        con.execute(sql)
    except duckdb.Error as exc:
        locked = translate_lock_error(exc, meta)
        if locked:
            raise locked from exc
        if not meta.startswith("sqlite:") and _is_connection_failure(exc):
            raise StorageError(
                f"cannot open the lake's catalog {meta}: {scrub(exc, settings)}",
                hint="check that the server runs and that PGPASSWORD or ~/.pgpass holds the right password "
                "(`lakehouse doctor` checks every part)",
            ) from exc
        if "does not match existing data path" in str(exc):
            raise SettingsError(
                f"the lake catalog {meta} keeps its files elsewhere than lake_data_path "
                f"{settings.lake_data_dir}: {str(exc).splitlines()[0]}",
                hint="set lake_data_path (LAKEHOUSE_LAKE_DATA_PATH) to the folder the catalog names, "
                "or to where those files were moved",
            ) from exc
        if read_only and "creating a new DuckLake is explicitly disabled" in str(exc):
            raise NotFoundError(  # the catalog file exists but a writer died before initialising it
                f"the lake at {meta} is not initialised yet",
                hint="land some files first: lakehouse ingest PATH --dataset NAME",
            ) from exc
        raise
    if not read_only and lake_is_encrypted(con, alias):
        load_extensions(con, ["httpfs"])  # DuckDB writes encrypted Parquet only with httpfs loaded
    log.debug("attached lake %s (data %s)", meta, settings.lake_data_url)


def lake_is_encrypted(con: duckdb.DuckDBPyConnection, alias: str = "lake") -> bool:
    """Whether the attached lake encrypts its data files (recorded by DuckLake when it was created)."""
    metadata = qualified(f"__ducklake_metadata_{alias}", "ducklake_metadata")
    row = con.execute(f"SELECT value FROM {metadata} WHERE key = 'encrypted'").fetchone()  # noqa: S608 - quoted name
    return row is not None and str(row[0]).lower() == "true"


def _existing_sqlite_lake(meta: str) -> bool:
    """An existing SQLite catalog keeps the mode it was created with (DuckLake refuses to switch it)."""
    return meta.startswith("sqlite:") and Path(meta.removeprefix("sqlite:")).exists()


#: words of DuckDB/libpq errors that mean the catalog server could not be used
_CONNECTION_FAILURES = (
    "connection",
    "Connection",
    "password",
    "authentication",
    "could not translate host",
    "Unable to connect",
    "role ",
    "database ",
)


def _is_connection_failure(exc: duckdb.Error) -> bool:
    return any(word in str(exc) for word in _CONNECTION_FAILURES)


def _secret_values(settings: Settings) -> list[str]:
    secrets = [settings.s3_key_id, settings.s3_secret, settings.s3_session_token]
    values = [s.get_secret_value() for s in secrets if s is not None]
    values += [v for v in (os.environ.get("PGPASSWORD"), settings.lake_encryption_key) if v]
    return values


def scrub(exc: BaseException | str, settings: Settings) -> str:
    """The first line of an error with every credential the settings know replaced by ``***``."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    text = lines[0] if lines else type(exc).__name__
    for value in sorted(_secret_values(settings), key=len, reverse=True):
        text = text.replace(value, "***")
    return text


def storage_endpoint(settings: Settings) -> tuple[str | None, bool | None]:
    """``s3_endpoint`` as DuckDB's ENDPOINT (host:port, no scheme) and USE_SSL (from the scheme when given)."""
    endpoint = settings.s3_endpoint
    if endpoint is None:
        return None, settings.s3_use_ssl
    scheme, sep, rest = endpoint.partition("://")
    if not sep:
        return endpoint.rstrip("/"), settings.s3_use_ssl
    use_ssl = settings.s3_use_ssl if settings.s3_use_ssl is not None else scheme == "https"
    return rest.rstrip("/"), use_ssl


def s3_secret_sql(settings: Settings) -> str:
    """``CREATE OR REPLACE TEMPORARY SECRET`` for the lake's bucket from the S3 settings (values quoted)."""
    scheme, _, rest = settings.lake_data_url.partition("://")
    endpoint, use_ssl = storage_endpoint(settings)
    key_id, secret, token = settings.s3_key_id, settings.s3_secret, settings.s3_session_token
    options: dict[str, str | None] = {
        "KEY_ID": key_id.get_secret_value() if key_id else None,
        "SECRET": secret.get_secret_value() if secret else None,
        "SESSION_TOKEN": token.get_secret_value() if token else None,
        "ENDPOINT": endpoint,
        "REGION": settings.s3_region,
        "URL_STYLE": settings.s3_url_style,
        "SCOPE": f"{scheme}://{rest.split('/')[0]}",
    }
    body = [f"TYPE {SECRET_TYPES[scheme]}"]
    body += [f"{name} {literal(value)}" for name, value in options.items() if value is not None]
    if use_ssl is not None:
        body.append(f"USE_SSL {str(use_ssl).lower()}")
    return f"CREATE OR REPLACE TEMPORARY SECRET {ident(S3_SECRET_NAME)} ({', '.join(body)})"


def create_storage_secret(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """Load httpfs and give ``con`` the credentials of the lake's bucket (a temporary, in-memory secret)."""
    load_extensions(con, ["httpfs"])
    try:
        con.execute(s3_secret_sql(settings))
    except duckdb.Error as exc:
        raise SettingsError(
            f"cannot use the S3 settings for {settings.lake_data_url}: {scrub(exc, settings)}",
            hint="check s3_endpoint, s3_region, s3_url_style and s3_use_ssl",
        ) from exc
