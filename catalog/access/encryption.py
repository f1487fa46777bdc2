"""Encryption at rest: the lake's Parquet files (DuckLake ``ENCRYPTED``) and the warehouse file.

- Lake: DuckLake encrypts every data file with its own key, kept in the lake's metadata catalog,
  so the Parquet files alone (a copied data folder, an object-store bucket) are unreadable. DuckLake
  decides this per lake when it is created: the floor's ``lake_encrypted`` setting, which the
  wiring (``lakehouse.wiring.policy``) sets from this policy (any ``sensitive`` dataset); an
  existing unencrypted lake cannot be switched.
- Relation files (``store``) of sensitive datasets are DuckDB files encrypted with the configured
  key, or with a one-query random key when none is configured.
- Warehouse: a DuckDB database file encrypted with ``settings.lake_encryption_key`` - the key
  itself (``LAKEHOUSE_LAKE_ENCRYPTION_KEY``) or ``file:PATH`` naming a key file. Opening it without
  the key, or with a wrong one, fails with a clear ``AccessDenied``.

Writing encrypted files needs the ``httpfs`` extension loaded (DuckDB's writable crypto module); the
connection factory loads it for an encrypted lake and whenever a key is configured.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
from sqlglot import exp

from lakehouse.connect import load_extensions, translate_lock_error
from lakehouse.errors import AccessDenied, SettingsError
from lakehouse.settings import Settings

KEY_FILE_PREFIX = "file:"


def encryption_key(settings: Settings) -> str | None:
    """The warehouse key from the setting, or from the key file it names (never logged)."""
    value = settings.lake_encryption_key
    if not value:
        return None
    if not value.startswith(KEY_FILE_PREFIX):
        return value
    path = Path(value[len(KEY_FILE_PREFIX) :]).expanduser()
    try:
        key = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise SettingsError(
            f"cannot read the encryption key file {path}: {exc.strerror}",
            hint="LAKEHOUSE_LAKE_ENCRYPTION_KEY=file:PATH must name a readable file holding the key",
        ) from exc
    if not key:
        raise SettingsError(f"the encryption key file {path} is empty")
    return key


def attach_database(
    con: duckdb.DuckDBPyConnection, settings: Settings, path: Path, *, alias: str, read_only: bool
) -> None:
    """ATTACH a DuckDB file (the warehouse), with the encryption key when one is configured."""
    key = encryption_key(settings)
    options = ["READ_ONLY"] if read_only else []
    if key is not None:
        if not read_only:
            load_extensions(con, ["httpfs"])
        options.append(f"ENCRYPTION_KEY {exp.Literal.string(key).sql('duckdb')}")
    suffix = f" ({', '.join(options)})" if options else ""
    try:
        con.execute(
            f"ATTACH {exp.Literal.string(str(path)).sql('duckdb')} AS {exp.to_identifier(alias).sql()}{suffix}"
        )
    except duckdb.Error as exc:
        raise translate_encryption_error(exc, path) or translate_lock_error(exc, path) or exc from exc


def encrypt_database(settings: Settings, source: Path, target: Path) -> None:
    """Copy the DuckDB file ``source`` into a new file ``target`` encrypted with the configured key."""
    if encryption_key(settings) is None:
        raise SettingsError(
            "no encryption key is configured", hint="set LAKEHOUSE_LAKE_ENCRYPTION_KEY to a key or file:PATH"
        )
    con = duckdb.connect(
        ":memory:", config={"autoload_known_extensions": False, "autoinstall_known_extensions": False}
    )
    try:
        con.execute(f"ATTACH {exp.Literal.string(str(source)).sql('duckdb')} AS _plain (READ_ONLY)")
        attach_database(con, settings, target, alias="_encrypted", read_only=False)
        con.execute("COPY FROM DATABASE _plain TO _encrypted")
    finally:
        con.close()


def translate_encryption_error(exc: duckdb.Error, path: Path | str) -> AccessDenied | None:
    text = str(exc)
    if "without a key" in text:
        return AccessDenied(
            f"{path} is encrypted and no key is configured",
            hint="set LAKEHOUSE_LAKE_ENCRYPTION_KEY to the key or to file:PATH of a key file",
        )
    if "Wrong encryption key" in text:
        return AccessDenied(
            f"the configured key does not decrypt {path}",
            hint="check LAKEHOUSE_LAKE_ENCRYPTION_KEY (or the key file it names)",
        )
    if "Failed to set encryption" in text:
        return AccessDenied(
            f"the lake at {path} was created unencrypted; DuckLake cannot encrypt an existing lake",
            hint="create a new lake with the sensitive datasets listed in the policy and re-ingest",
        )
    if "encrypted" in text.lower() and "parquet" in text.lower():
        return AccessDenied(
            f"{path} is an encrypted lake file; read it through the lake (its keys live in the lake metadata)"
        )
    return None
