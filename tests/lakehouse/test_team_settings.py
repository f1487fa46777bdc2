"""Settings of the team layout: a PostgreSQL catalog, data on S3-compatible storage, credentials from the
environment only and never shown (no servers needed; ``test_team_layout.py`` runs against real ones)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from lakehouse.connect import load_extensions, s3_secret_sql
from lakehouse.errors import SettingsError
from lakehouse.settings import load_settings

TEAM = {
    "LAKEHOUSE_LAKE_METADATA": "postgres:dbname=lake host=127.0.0.1 port=5432 user=lake",
    "LAKEHOUSE_LAKE_DATA_PATH": "s3://bucket/team/lake",
    "LAKEHOUSE_S3_ENDPOINT": "http://127.0.0.1:9000",
    "LAKEHOUSE_S3_URL_STYLE": "path",
}


def test_an_s3_data_path_stays_a_url(tmp_path: Path) -> None:
    s = load_settings(env=TEAM, cwd=tmp_path)
    assert s.lake_on_object_store and s.lake_catalog_shared
    assert s.lake_data_url == "s3://bucket/team/lake/"
    assert s.objects_url == "s3://bucket/team/objects/"
    with pytest.raises(SettingsError, match=r"on object storage \(s3://bucket/team/lake\), not in a local"):
        _ = s.lake_data_dir


def test_a_local_data_path_is_still_a_folder(tmp_path: Path) -> None:
    s = load_settings(env={"LAKEHOUSE_LAKE_DATA_PATH": "lakefiles"}, cwd=tmp_path)
    assert not s.lake_on_object_store and not s.lake_catalog_shared
    assert s.lake_data_dir == tmp_path / "lakefiles"
    assert s.lake_data_url == f"{tmp_path / 'lakefiles'}/"


def test_unknown_storage_scheme_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"unknown storage ftp://; use a folder or one of: s3, gs, gcs"):
        load_settings(env={"LAKEHOUSE_LAKE_DATA_PATH": "ftp://host/lake"}, cwd=tmp_path)


def test_s3_keys_come_from_the_aws_variables_unless_lakehouse_ones_are_set(tmp_path: Path) -> None:
    aws = {"AWS_ACCESS_KEY_ID": "aws-id", "AWS_SECRET_ACCESS_KEY": "aws-secret", "AWS_REGION": "eu-west-1"}
    s = load_settings(env={**TEAM, **aws}, cwd=tmp_path)
    assert s.s3_key_id is not None and s.s3_key_id.get_secret_value() == "aws-id"
    assert s.s3_region == "eu-west-1"
    s = load_settings(env={**TEAM, **aws, "LAKEHOUSE_S3_SECRET": "own-secret"}, cwd=tmp_path)
    assert s.s3_secret is not None and s.s3_secret.get_secret_value() == "own-secret"
    assert "own-secret" not in repr(s) and "aws-id" not in repr(s)


def test_an_s3_secret_in_lakehouse_toml_is_refused_without_showing_it(tmp_path: Path) -> None:
    (tmp_path / "lakehouse.toml").write_text('[lakehouse]\ns3_secret = "toml-Secret-123"\n')
    with pytest.raises(
        SettingsError, match=r"s3_secret is a secret and is read from the environment only"
    ) as err:
        load_settings(env={}, cwd=tmp_path)
    assert "toml-Secret-123" not in str(err.value)


def test_an_s3_secret_flag_is_refused(tmp_path: Path) -> None:
    with pytest.raises(
        SettingsError, match=r"s3_key_id is a secret .* not from command-line option --s3-key-id"
    ):
        load_settings({"s3_key_id": "flag-key"}, env={}, cwd=tmp_path)


@pytest.mark.parametrize(
    "meta",
    ["postgres:dbname=lake host=db password=Hunter2pw", "postgres:postgresql://lake:Hunter2pw@db/lake"],
)
def test_a_password_in_the_catalog_connection_string_is_refused_without_showing_it(
    tmp_path: Path, meta: str
) -> None:
    with pytest.raises(SettingsError, match=r"holds a password; remove it and set PGPASSWORD") as err:
        load_settings(env={"LAKEHOUSE_LAKE_METADATA": meta}, cwd=tmp_path)
    assert "Hunter2pw" not in str(err.value)


def test_the_storage_secret_is_valid_duckdb_sql(tmp_path: Path) -> None:
    s = load_settings(
        env={**TEAM, "LAKEHOUSE_S3_KEY_ID": "id'x", "LAKEHOUSE_S3_SECRET": "se'cret"}, cwd=tmp_path
    )
    sql = s3_secret_sql(s)
    assert "ENDPOINT '127.0.0.1:9000'" in sql and "USE_SSL false" in sql and "SCOPE 's3://bucket'" in sql
    con = duckdb.connect()
    load_extensions(con, ["httpfs"])
    con.execute(sql)
    (info,) = con.execute("SELECT secret_string FROM duckdb_secrets()").fetchone() or ("",)
    assert "key_id=id'x" in info and "se'cret" not in info and "url_style=path" in info
