"""The demo's choice of project files: the user's where the settings find them, a copy of the sample otherwise."""

from __future__ import annotations

from pathlib import Path

from lakehouse.project_files import PROJECT_FILES
from lakehouse.settings import load_settings
from lakehouse.wiring.sample_project import bundled, with_sample_project


def test_an_empty_folder_gets_a_copy_of_the_whole_sample(tmp_path: Path) -> None:
    settings, used = with_sample_project(load_settings(env={}, cwd=tmp_path))
    root = tmp_path / "data" / "sample_project"
    assert used is not None and used.root == root and used.settings == tuple(PROJECT_FILES)
    assert settings.dbt_project_dir == root / "dbt_project"
    assert settings.policy_file == root / "catalog" / "policy.yml"
    assert settings.origin("policy_file").startswith("the sample project bundled with lakehouse-toolkit")
    for name in PROJECT_FILES:
        assert settings.existing(name)  # every file is there now
    copied = {p.relative_to(root / "dbt_project") for p in (root / "dbt_project").rglob("*") if p.is_file()}
    assert Path("dbt_project.yml") in copied and Path("models/docs.md") in copied
    assert not any(p.parts[0] in ("target", "logs") or p.name == "__init__.py" for p in copied)
    assert used.describe().startswith(f"using the sample project in {root} (dbt project, expectation suites")


def test_files_the_settings_name_or_the_folder_has_are_the_users(tmp_path: Path) -> None:
    own_suites = tmp_path / "quality" / "expectations"  # at the default place: the user's
    own_suites.mkdir(parents=True)
    own_policy = tmp_path / "rules.yml"  # named by a setting, and missing: still the user's (an error later)
    settings, used = with_sample_project(load_settings({"policy_file": own_policy}, env={}, cwd=tmp_path))
    assert used is not None and used.settings == ("dbt_project_dir", "metadata_file")
    assert settings.quality_suites_dir == own_suites and settings.policy_file == own_policy
    assert not (used.root / "catalog" / "policy.yml").exists()


def test_a_rerun_refreshes_the_copy_and_keeps_dbt_output(tmp_path: Path) -> None:
    settings, used = with_sample_project(load_settings(env={}, cwd=tmp_path))
    assert used is not None
    project = settings.dbt_project_dir
    (project / "target").mkdir()
    (project / "target" / "manifest.json").write_text("{}", encoding="utf-8")
    (project / "models" / "stale.sql").write_text("select 1", encoding="utf-8")
    (project / "dbt_project.yml").write_text("edited", encoding="utf-8")
    with_sample_project(load_settings(env={}, cwd=tmp_path))
    assert (project / "target" / "manifest.json").is_file()
    assert not (project / "models" / "stale.sql").exists()
    source = bundled()["dbt_project_dir"] / "dbt_project.yml"
    assert (project / "dbt_project.yml").read_text(encoding="utf-8") == source.read_text(encoding="utf-8")


def test_this_repository_layout_needs_no_sample() -> None:
    sample = bundled()
    root = sample["dbt_project_dir"].parent  # in a checkout: the repository, whose layout is the default
    settings, used = with_sample_project(load_settings(env={}, cwd=root))
    assert used is None and settings.dbt_project_dir == sample["dbt_project_dir"]
