"""Settings resolution: flags > LAKEHOUSE_* environment > lakehouse.toml > defaults."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lakehouse.errors import SettingsError
from lakehouse.project_files import PROJECT_FILES, ProjectFileMissing
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


# --- project files: found through settings, defaulting to the layout of the lakehouse.toml's folder -----------


def test_project_files_default_to_the_current_directory_layout(tmp_path: Path) -> None:
    s = load_settings(env={}, cwd=tmp_path)
    assert s.dbt_project_dir == tmp_path / "dbt_project"
    assert s.quality_suites_dir == tmp_path / "quality" / "expectations"
    assert s.policy_file == tmp_path / "catalog" / "policy.yml"
    assert s.metadata_file == tmp_path / "catalog" / "metadata.yml"
    assert all(s.is_default(name) for name in PROJECT_FILES)


def test_relative_paths_in_lakehouse_toml_are_relative_to_its_folder(tmp_path: Path) -> None:
    project, elsewhere = tmp_path / "project", tmp_path / "elsewhere"
    project.mkdir()
    elsewhere.mkdir()
    cfg = write_toml(project / "lakehouse.toml", '[lakehouse]\nhome = "store"\npolicy_file = "rules/p.yml"\n')
    env = {"LAKEHOUSE_CONFIG": str(cfg), "LAKEHOUSE_METADATA_FILE": "meta.yml"}
    s = load_settings({"quality_suites_dir": "checks"}, env=env, cwd=elsewhere)
    assert s.home == project / "store"  # lakehouse.toml: relative to its folder
    assert s.policy_file == project / "rules" / "p.yml"
    assert (
        s.metadata_file == elsewhere / "meta.yml"
    )  # environment and flags: relative to the current directory
    assert s.quality_suites_dir == elsewhere / "checks"
    assert s.dbt_project_dir == project / "dbt_project"  # defaults: the layout of the toml's folder


def test_a_named_config_file_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(
        SettingsError,
        match=r"nowhere\.toml does not exist \(named by environment variable LAKEHOUSE_CONFIG\)",
    ):
        load_settings(env={"LAKEHOUSE_CONFIG": str(tmp_path / "nowhere.toml")}, cwd=tmp_path)


def test_nothing_is_checked_at_start_up(tmp_path: Path) -> None:
    s = load_settings({"dbt_project_dir": "nope", "policy_file": "nope.yml"}, env={}, cwd=tmp_path)
    assert not s.dbt_project_dir.exists() and not s.policy_file.exists()


def test_a_missing_project_file_names_the_setting_every_place_and_the_fix(tmp_path: Path) -> None:
    s = load_settings(env={}, cwd=tmp_path)
    with pytest.raises(ProjectFileMissing) as raised:
        s.existing("policy_file")
    text = str(raised.value)
    assert text.startswith(
        f"access policy file {tmp_path}/catalog/policy.yml does not exist (setting policy_file, from the default"
    )
    places = f"--policy-file, LAKEHOUSE_POLICY_FILE, {tmp_path}/lakehouse.toml (no such file), the default {tmp_path}/catalog/policy.yml"
    assert f"looked at: {places}" in text
    assert "name yours with policy_file in lakehouse.toml, LAKEHOUSE_POLICY_FILE or --policy-file" in text


def test_a_missing_project_file_says_which_place_named_it(tmp_path: Path) -> None:
    cfg = write_toml(tmp_path / "lakehouse.toml", '[lakehouse]\ndbt_project_dir = "warehouse_project"\n')
    (tmp_path / "warehouse_project").mkdir()
    s = load_settings(env={}, cwd=tmp_path)
    with pytest.raises(
        ProjectFileMissing,
        match=rf"dbt project {tmp_path}/warehouse_project has no dbt_project.yml \(setting dbt_project_dir, "
        rf"from {cfg} \(key 'dbt_project_dir'\)\).*looked at: --dbt-project-dir, LAKEHOUSE_DBT_PROJECT_DIR, "
        rf"{cfg} \[lakehouse\] dbt_project_dir",
    ):
        s.existing("dbt_project_dir")


def test_project_file_flags_on_the_command_line(tmp_path: Path, cli: Any) -> None:
    result = cli("--policy-file", str(tmp_path / "nowhere.yml"), "access", "check", "--user", "ana", "lake.x")
    assert result.code == 2
    assert "access policy file" in result.err and "from command-line option --policy-file" in result.err


# --- the BigQuery settings ------------------------------------------------------------------------------------


def test_bigquery_settings_resolve_like_every_setting(tmp_path: Path) -> None:
    write_toml(
        tmp_path / "lakehouse.toml",
        '[lakehouse]\nthreads = 2\n[lakehouse.bigquery]\nproject = "from-toml"\nlocation = "EU"\nkeyfile = "key.json"\n',
    )
    s = load_settings(env={}, cwd=tmp_path)
    assert (s.bigquery.project, s.bigquery.location, s.bigquery.dataset) == ("from-toml", "EU", "lakehouse")
    assert s.bigquery.keyfile == tmp_path / "key.json"  # a path in lakehouse.toml: relative to its folder
    env = {"LAKEHOUSE_BQ_PROJECT": "from-env", "LAKEHOUSE_BQ_LAKE_DATASET": "raw"}
    s = load_settings(env=env, cwd=tmp_path)
    assert (s.bigquery.project, s.bigquery.location, s.bigquery.lake_dataset) == ("from-env", "EU", "raw")
    assert s.origin("bigquery.project") == "environment variable LAKEHOUSE_BQ_PROJECT"
    s = load_settings({"bigquery": {"project": "from-flag"}}, env=env, cwd=tmp_path)
    assert s.bigquery.project == "from-flag"
    assert s.looked_at("bigquery.project") == (
        f"LAKEHOUSE_BQ_PROJECT, {tmp_path}/lakehouse.toml [lakehouse.bigquery] project, no default"
    )


def test_bad_bigquery_value_names_its_origin(tmp_path: Path) -> None:
    with pytest.raises(
        SettingsError,
        match=r"bad value 'password' for setting 'bigquery.method' from environment variable LAKEHOUSE_BQ_METHOD",
    ):
        load_settings(env={"LAKEHOUSE_BQ_METHOD": "password"}, cwd=tmp_path)


def test_unknown_bigquery_key_in_toml(tmp_path: Path) -> None:
    write_toml(tmp_path / "lakehouse.toml", '[lakehouse.bigquery]\nprojct = "x"\n')
    with pytest.raises(
        SettingsError, match=r"unknown setting 'bigquery.projct'.*known settings: .*bigquery.project"
    ):
        load_settings(env={}, cwd=tmp_path)


def test_bigquery_secrets_never_in_repr_or_errors(tmp_path: Path) -> None:
    secret = "ya29.SECRET-token"
    s = load_settings(
        env={"LAKEHOUSE_BQ_TOKEN": secret, "LAKEHOUSE_BQ_KEYFILE": "/keys/sa.json"}, cwd=tmp_path
    )
    assert s.bigquery.token_value() == secret
    for text in (repr(s), str(s), repr(s.bigquery)):
        assert secret not in text and "sa.json" not in text
    write_toml(tmp_path / "lakehouse.toml", "[lakehouse.bigquery]\ntoken = 5\n")
    with pytest.raises(
        SettingsError, match=r"bad value \(a secret, not shown\) for setting 'bigquery.token'"
    ):
        load_settings(env={}, cwd=tmp_path)


def test_an_empty_environment_variable_is_unset(tmp_path: Path) -> None:
    s = load_settings(
        env={"LAKEHOUSE_BQ_KEYFILE": "", "LAKEHOUSE_BQ_PROJECT": "", "LAKEHOUSE_THREADS": ""}, cwd=tmp_path
    )
    assert (s.bigquery.keyfile, s.bigquery.project, s.threads) == (None, None, None)
