"""The policy's decision for the floor (is a new lake encrypted?) cached by the policy file's hash:
a changed file is decided afresh, a lake about to be created never trusts the cache, and a cache
entry this module did not write is a miss."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from lakehouse.connect import connect, lake_is_encrypted
from lakehouse.settings import Settings, load_settings
from lakehouse.wiring.policy import _sensitive, cache_file, with_policy_decisions

ROOT = Path(__file__).resolve().parents[3]
SENSITIVE = "roles: {analyst: {}}\nsensitive_datasets: [customers]\n"
PLAIN = "roles: {analyst: {}}\n"


def _settings(tmp_path: Path, text: str) -> Settings:
    policy = tmp_path / "policy.yml"
    policy.write_text(text, encoding="utf-8")
    return load_settings(
        {"home": tmp_path / "home", "threads": 1, "policy_file": policy}, env={}, cwd=tmp_path
    )


def _create_lake(settings: Settings) -> None:
    connect(with_policy_decisions(settings)).close()


def _decide(settings: Settings) -> bool | None:
    _sensitive.cache_clear()  # a new process, as far as the per-process memo is concerned
    return with_policy_decisions(settings).lake_encrypted


def test_a_changed_policy_file_is_decided_afresh(tmp_path: Path) -> None:
    settings = _settings(tmp_path, PLAIN)
    _create_lake(settings)
    assert _decide(settings) is False
    first = cache_file(settings, settings.policy_file.read_bytes())
    assert json.loads(first.read_text()) == {"sensitive": False}
    settings.policy_file.write_text(SENSITIVE, encoding="utf-8")
    assert _decide(settings) is True  # another hash: the old entry is not consulted
    assert cache_file(settings, settings.policy_file.read_bytes()) != first


def test_a_cache_hit_does_not_parse_the_policy(tmp_path: Path) -> None:
    settings = _settings(tmp_path, SENSITIVE)
    _create_lake(settings)
    assert _decide(settings) is True  # written now that the lake exists
    code = (
        "import sys\n"
        "from lakehouse.settings import load_settings\n"
        "from lakehouse.wiring.policy import with_policy_decisions\n"
        f"s = load_settings({{'home': {str(settings.home)!r}, 'policy_file': {str(settings.policy_file)!r}}}, env={{}})\n"
        "print(with_policy_decisions(s).lake_encrypted, 'catalog.access.policy' in sys.modules, 'yaml' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True", "False", "False"]


def test_a_forged_entry_cannot_make_a_new_lake_plain(tmp_path: Path) -> None:
    settings = _settings(tmp_path, SENSITIVE)
    forged = cache_file(settings, settings.policy_file.read_bytes())
    forged.parent.mkdir(parents=True)
    forged.write_text(json.dumps({"sensitive": False}), encoding="utf-8")
    decided = with_policy_decisions(settings)
    assert decided.lake_encrypted is True  # no lake yet: the file itself decides
    con = connect(decided)
    try:
        assert lake_is_encrypted(con)
    finally:
        con.close()


def test_a_forged_entry_for_an_existing_lake_changes_nothing_it_holds(tmp_path: Path) -> None:
    """The lake fixed its encryption when it was created; writes stay encrypted whatever the cache says."""
    settings = _settings(tmp_path, SENSITIVE)
    _create_lake(settings)
    forged = cache_file(settings, settings.policy_file.read_bytes())
    forged.parent.mkdir(parents=True)
    forged.write_text(json.dumps({"sensitive": False}), encoding="utf-8")
    decided = settings.model_copy(update={"lake_encrypted": _decide(settings)})
    con = connect(decided)
    try:
        assert lake_is_encrypted(con)
        con.execute("CREATE TABLE lake.t AS SELECT 'x' || i AS v FROM range(100) t(i)")
        con.execute("CALL ducklake_flush_inlined_data('lake')")
        loaded = con.execute(
            "SELECT count(*) FROM duckdb_extensions() WHERE loaded AND extension_name = 'httpfs'"
        )
        assert loaded.fetchone() == (1,)  # loaded from the lake's own flag, as encrypted writes need
    finally:
        con.close()


def test_an_entry_this_module_did_not_write_is_a_miss(tmp_path: Path) -> None:
    settings = _settings(tmp_path, SENSITIVE)
    _create_lake(settings)
    entry = cache_file(settings, settings.policy_file.read_bytes())
    entry.parent.mkdir(parents=True)
    for garbage in ("not json", '{"sensitive": "no"}', "[]", ""):
        entry.write_text(garbage, encoding="utf-8")
        assert _decide(settings) is True
        assert json.loads(entry.read_text()) == {"sensitive": True}  # rewritten from the file
