"""Encryption at rest: encrypted lake files (DuckLake ENCRYPTED), an encrypted warehouse file, and
encrypted relation files for sensitive datasets. Files are checked byte by byte for plaintext."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from catalog.access import Principal, run_query
from catalog.access.encryption import (
    attach_database,
    encrypt_database,
    encryption_key,
    translate_encryption_error,
)
from lakehouse.connect import connect, lake_is_encrypted, load_extensions
from lakehouse.errors import AccessDenied, SettingsError
from lakehouse.settings import Settings, load_settings
from lakehouse.wiring.policy import with_policy_decisions
from tests.catalog.access.conftest import SAMPLE_POLICY, make_settings

MARKER = b"plaintext-marker"


def _no_plaintext(folder: Path, pattern: str) -> list[Path]:
    files = [p for p in folder.rglob(pattern) if p.is_file()]
    assert files, f"no {pattern} files under {folder}"
    return [p for p in files if MARKER in p.read_bytes()]


def test_sensitive_datasets_make_an_encrypted_lake(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "home")  # the sample policy marks customers sensitive
    assert settings.lake_encrypted is True
    con = connect(settings)
    meta, data = Path(settings.lake_metadata_uri.removeprefix("sqlite:")), settings.lake_data_dir
    assert lake_is_encrypted(con)
    con.execute(
        "CREATE TABLE lake.customers AS SELECT 'plaintext-marker-' || i AS email FROM range(500) t(i)"
    )
    con.execute("CALL ducklake_flush_inlined_data('lake')")
    con.close()
    assert _no_plaintext(data, "*.parquet") == []
    control = tmp_path / "control.parquet"
    duckdb.sql(f"COPY (SELECT 'plaintext-marker-' || i AS email FROM range(500) t(i)) TO '{control}'")
    assert MARKER in control.read_bytes()  # the same data unencrypted shows the marker
    parquet = next(data.rglob("*.parquet"))
    with pytest.raises(duckdb.Error) as raised:
        duckdb.sql(f"SELECT * FROM '{parquet}'").fetchall()
    clear = translate_encryption_error(raised.value, parquet)
    assert clear is not None and "encrypted lake file" in str(clear)
    reader = duckdb.connect()
    load_extensions(reader, ["sqlite_scanner", "ducklake"])
    reader.execute(f"ATTACH 'ducklake:sqlite:{meta}' AS lake (READ_ONLY)")
    assert reader.sql("SELECT count(*) FROM lake.customers").fetchone() == (500,)


def test_no_sensitive_datasets_no_lake_encryption(tmp_path: Path) -> None:
    policy = tmp_path / "p.yml"
    policy.write_text("roles: {a: {}}\n", encoding="utf-8")
    settings = make_settings(tmp_path / "home", policy)
    assert settings.lake_encrypted is False
    con = connect(settings)
    try:
        assert not lake_is_encrypted(con)
    finally:
        con.close()


def test_a_missing_policy_file_is_said_out_loud(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Before, a missing policy quietly made a new lake unencrypted; now the decision names the file."""
    with caplog.at_level("WARNING"):
        settings = make_settings(tmp_path / "home", tmp_path / "nowhere.yml")
    assert settings.lake_encrypted is False
    assert (
        "no access policy at" in caplog.text and "nowhere.yml" in caplog.text and "unencrypted" in caplog.text
    )


def test_an_explicit_setting_wins_over_the_policy(tmp_path: Path) -> None:
    overrides = {"home": tmp_path / "home", "lake_encrypted": False, "policy_file": SAMPLE_POLICY}
    explicit = load_settings(overrides, env={}, cwd=tmp_path)
    assert with_policy_decisions(explicit).lake_encrypted is False  # the sample policy would say True


@pytest.fixture
def plain_warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "plain.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE dim_customers AS SELECT 'plaintext-marker-' || i AS email FROM range(3) t(i)")
    con.close()
    assert MARKER in path.read_bytes()  # the control: unencrypted, the marker is visible
    return path


def _keyed(settings: Settings, key: str | None) -> Settings:
    return settings.model_copy(update={"lake_encryption_key": key})


def test_encrypted_warehouse_has_no_plaintext_and_needs_the_key(
    tmp_path: Path, plain_warehouse: Path
) -> None:
    settings = _keyed(make_settings(tmp_path), "correct horse battery staple")
    target = tmp_path / "warehouse.duckdb"
    encrypt_database(settings, plain_warehouse, target)
    assert MARKER not in target.read_bytes()
    con = duckdb.connect()
    attach_database(con, settings, target, alias="wh", read_only=True)
    assert con.sql("SELECT count(*) FROM wh.dim_customers").fetchone() == (3,)
    with pytest.raises(AccessDenied, match=r"warehouse.duckdb is encrypted and no key is configured"):
        attach_database(duckdb.connect(), _keyed(settings, None), target, alias="wh", read_only=True)
    with pytest.raises(AccessDenied, match=r"the configured key does not decrypt .*warehouse.duckdb"):
        attach_database(duckdb.connect(), _keyed(settings, "wrong"), target, alias="wh", read_only=True)


def test_key_from_a_key_file(tmp_path: Path) -> None:
    key_file = tmp_path / "lake.key"
    key_file.write_text("from-a-file\n", encoding="utf-8")
    assert encryption_key(_keyed(make_settings(tmp_path), f"file:{key_file}")) == "from-a-file"
    with pytest.raises(SettingsError, match=r"cannot read the encryption key file .*missing.key"):
        encryption_key(_keyed(make_settings(tmp_path), f"file:{tmp_path / 'missing.key'}"))


def test_relation_files_of_sensitive_datasets_are_encrypted(lake: Settings) -> None:
    settings = _keyed(lake, "relation-key")
    engineer = Principal.of(user="erin")  # sees raw emails: the relation file holds them
    store = lake.home / "access" / "relations"
    before = set(store.glob("lake__customers-*.duckdb"))
    assert run_query(
        settings, engineer, "SELECT count(*) FROM lake.customers WHERE email LIKE '%secret%'"
    ).rows == [(5,)]
    files = set(store.glob("lake__customers-*.duckdb")) - before
    assert files and all(b"secret@example" not in f.read_bytes() for f in files)
    leaked = run_query(settings, engineer, "SELECT * FROM duckdb_databases()")
    assert "relation-key" not in repr(leaked.arrow.to_pylist())


def test_an_existing_lake_keeps_its_own_mode(tmp_path: Path) -> None:
    plain = make_settings(tmp_path / "home").model_copy(update={"lake_encrypted": False})
    connect(plain).close()  # creates the (unencrypted) lake catalog
    con = connect(make_settings(tmp_path / "home"))  # the policy would encrypt a new lake, not this one
    try:
        assert not lake_is_encrypted(con)
    finally:
        con.close()
