"""Settings resolution: flags > LAKEHOUSE_* environment > lakehouse.toml > defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from lakehouse.errors import SettingsError
from lakehouse.settings import load_settings


def write_toml(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults(tmp_path: Path) -> None:
    s = load_settings(env={}, cwd=tmp_path)
    assert s.home == tmp_path / "data"
    assert s.lake_metadata_uri == "sqlite:" + str(tmp_path / "data" / "lake" / "metadata.sqlite")
    assert s.warehouse_file == tmp_path / "data" / "warehouse.duckdb"
    assert s.threads is None


def test_toml_then_env_then_flags(tmp_path: Path) -> None:
    write_toml(
        tmp_path / "lakehouse.toml", '[lakehouse]\nhome = "from_toml"\nthreads = 3\nmemory_limit = "1GB"\n'
    )
    s = load_settings(env={}, cwd=tmp_path)
    assert (s.home, s.threads, s.memory_limit) == (tmp_path / "from_toml", 3, "1GB")

    env = {"LAKEHOUSE_HOME": "/abs/from_env", "LAKEHOUSE_THREADS": "2"}
    s = load_settings(env=env, cwd=tmp_path)
    assert (s.home, s.threads, s.memory_limit) == (Path("/abs/from_env"), 2, "1GB")

    s = load_settings({"threads": 1, "home": None}, env=env, cwd=tmp_path)
    assert (s.home, s.threads) == (Path("/abs/from_env"), 1)


def test_config_file_from_environment(tmp_path: Path) -> None:
    cfg = write_toml(tmp_path / "other.toml", 'home = "elsewhere"\n')
    s = load_settings(env={"LAKEHOUSE_CONFIG": str(cfg)}, cwd=tmp_path)
    assert s.home == tmp_path / "elsewhere"


def test_bad_env_value_names_its_origin(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"'zero'.*'threads'.*environment variable LAKEHOUSE_THREADS"):
        load_settings(env={"LAKEHOUSE_THREADS": "zero"}, cwd=tmp_path)


def test_bad_toml_value_names_the_file(tmp_path: Path) -> None:
    cfg = write_toml(tmp_path / "lakehouse.toml", "[lakehouse]\nthreads = 0\n")
    with pytest.raises(SettingsError, match=rf"'threads' from {cfg} \(key 'threads'\)"):
        load_settings(env={}, cwd=tmp_path)


def test_unknown_key_in_toml_lists_known_settings(tmp_path: Path) -> None:
    write_toml(tmp_path / "lakehouse.toml", "[lakehouse]\nhoem = 'x'\n")
    with pytest.raises(SettingsError, match=r"unknown setting 'hoem'.*known settings: .*home"):
        load_settings(env={}, cwd=tmp_path)


def test_broken_toml(tmp_path: Path) -> None:
    write_toml(tmp_path / "lakehouse.toml", "[lakehouse\n")
    with pytest.raises(SettingsError, match="not valid TOML"):
        load_settings(env={}, cwd=tmp_path)


def test_unrelated_environment_is_ignored(tmp_path: Path) -> None:
    s = load_settings(env={"LAKEHOUSE_NOT_A_SETTING": "1", "HOME": "/root"}, cwd=tmp_path)
    assert s.home == tmp_path / "data"


def test_settings_are_frozen(tmp_path: Path) -> None:
    s = load_settings(env={}, cwd=tmp_path)
    with pytest.raises(ValueError, match="frozen"):
        s.threads = 4  # type: ignore[misc]


def test_secret_not_in_repr(tmp_path: Path) -> None:
    s = load_settings(env={"LAKEHOUSE_LAKE_ENCRYPTION_KEY": "s3cret"}, cwd=tmp_path)
    assert s.lake_encryption_key == "s3cret"
    assert "s3cret" not in repr(s)


def test_postgres_metadata_url_passes_through(tmp_path: Path) -> None:
    s = load_settings(env={"LAKEHOUSE_LAKE_METADATA": "postgres:dbname=lake host=db"}, cwd=tmp_path)
    assert s.lake_metadata_uri == "postgres:dbname=lake host=db"
