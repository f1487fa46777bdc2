"""The connection factory: offline extensions, settings applied, the lake attached, lock messages."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from lakehouse import signatures
from lakehouse.connect import attach_lake, connect, extension_path, load_extensions
from lakehouse.errors import LockedError, NotFoundError, SettingsError
from lakehouse.settings import Settings, load_settings


def test_extensions_come_from_wheels(settings: Settings) -> None:
    path = extension_path("ducklake")
    assert path.is_file() and "site-packages" in str(path)
    con = connect(settings)
    assert {"ducklake", "sqlite_scanner"} <= _loaded(con)
    assert con.execute("SELECT current_setting('autoinstall_known_extensions')").fetchone() == (False,)


def test_a_connection_without_the_lake_loads_its_extensions_only_when_it_is_attached(
    settings: Settings,
) -> None:
    """Each extension load checks the file's signature (most of a short command's time): skip it when unused."""
    connect(settings).close()  # the lake exists
    con = connect(settings, lake=False)
    assert not {"ducklake", "sqlite_scanner"} & _loaded(con)
    attach_lake(con, settings, read_only=True)
    assert {"ducklake", "sqlite_scanner"} <= _loaded(con)
    assert con.execute("SELECT count(*) FROM duckdb_databases() WHERE database_name = 'lake'").fetchone() == (
        1,
    )


def _loaded(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        r[0] for r in con.execute("SELECT extension_name FROM duckdb_extensions() WHERE loaded").fetchall()
    }


def test_extensions_load_side_by_side_once_each_and_failures_surface(settings: Settings) -> None:
    con = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    load_extensions(con, ["sqlite_scanner", "ducklake", "httpfs", "ducklake"])
    loaded = {
        r[0] for r in con.execute("SELECT extension_name FROM duckdb_extensions() WHERE loaded").fetchall()
    }
    assert {"ducklake", "sqlite_scanner", "httpfs"} <= loaded
    load_extensions(con, ["ducklake", "json"])  # already loaded (ducklake) or built in (json): no error
    with pytest.raises(duckdb.Error, match="no_such_extension"):
        load_extensions(con, ["no_such_extension", "another_missing_one"])  # the first failure wins
    with pytest.raises(ValueError, match="not an extension name: 'x; DROP'"):
        load_extensions(con, ["x; DROP"])


def test_extensions_load_without_network(settings: Settings, tmp_path: Path) -> None:
    """A subprocess with every proxy pointed at a dead port and an empty extension directory still loads them."""
    code = textwrap.dedent(
        f"""
        from lakehouse.settings import load_settings
        from lakehouse.connect import connect
        con = connect(load_settings({{"home": {str(settings.home)!r}}}), extensions=["httpfs"])
        print(con.execute("SELECT count(*) FROM duckdb_extensions() WHERE loaded AND extension_name IN ('ducklake','httpfs')").fetchone()[0])
        """
    )
    env = {
        **os.environ,
        "http_proxy": "http://127.0.0.1:9",
        "https_proxy": "http://127.0.0.1:9",
        "HOME": str(tmp_path),
    }
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "2"
    assert not (tmp_path / ".duckdb").exists()  # nothing was INSTALLed into the home directory


def test_duckdbs_progress_bar_is_off_in_a_command(home: Path) -> None:
    """DuckDB draws a progress bar on stdout for any query past 2 s (into `lakehouse sql --json` output) when
    it runs as a command does; inside pytest DuckDB already leaves it off, hence the subprocess."""
    code = textwrap.dedent(
        f"""
        from lakehouse.settings import load_settings
        from lakehouse.connect import connect
        con = connect(load_settings({{"home": {str(home)!r}}}), lake=False)
        print(con.execute("SELECT current_setting('enable_progress_bar')").fetchone()[0])
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert out.stdout.strip() == "False"


def test_settings_are_applied(home: Path) -> None:
    s = load_settings({"home": home, "threads": 1, "memory_limit": "512MB"})
    con = connect(s, lake=False)
    assert con.execute("SELECT current_setting('threads')").fetchone() == (1,)
    assert "488" in con.execute("SELECT current_setting('memory_limit')").fetchone()[0]  # 512MB = 488.2 MiB
    assert con.execute("SELECT current_setting('temp_directory')").fetchone() == (str(s.spill_dir),)


def test_lake_is_ducklake_with_sqlite_metadata(settings: Settings) -> None:
    con = connect(settings)
    con.execute("CREATE TABLE lake.t AS SELECT 42 AS answer")
    con.close()
    assert (settings.lake_dir / "metadata.sqlite").is_file()
    con = connect(settings, lake_read_only=True)
    assert con.execute("SELECT answer FROM lake.t").fetchall() == [(42,)]
    kinds = {
        r[0]
        for r in con.execute("SELECT type FROM duckdb_databases() WHERE database_name = 'lake'").fetchall()
    }
    assert kinds == {"ducklake"}
    with pytest.raises(duckdb.Error, match="read-only"):
        con.execute("INSERT INTO lake.t VALUES (1)")


def test_lake_readable_from_second_process_while_writer_holds_it(settings: Settings) -> None:
    writer = connect(settings, database=settings.warehouse_file)
    writer.execute("CREATE TABLE lake.t AS SELECT range AS i FROM range(5)")
    code = (
        "from lakehouse.settings import load_settings\nfrom lakehouse.connect import connect\n"
        f"con = connect(load_settings({{'home': {str(settings.home)!r}}}), lake_read_only=True)\n"
        "print(con.execute('SELECT count(*) FROM lake.t').fetchone()[0])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "5"
    writer.close()


def test_locked_warehouse_names_file_and_pid(settings: Settings) -> None:
    """A second process opening the warehouse file gets one line with the file and the holder's PID."""
    holder = connect(settings, database=settings.warehouse_file, lake=False)
    code = (
        "import sys\nfrom lakehouse.settings import load_settings\nfrom lakehouse.connect import connect\n"
        "from lakehouse.errors import LockedError\n"
        f"s = load_settings({{'home': {str(settings.home)!r}}})\n"
        "try:\n    connect(s, database=s.warehouse_file, lake=False)\nexcept LockedError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    line = out.stdout.strip()
    assert line.count("\n") == 0
    assert str(settings.warehouse_file) in line
    assert f"PID {os.getpid()}" in line
    holder.close()


def test_locked_error_is_oserror_subclass(settings: Settings) -> None:
    assert issubclass(LockedError, OSError)


def test_read_only_lake_that_does_not_exist_yet(settings: Settings) -> None:
    with pytest.raises(NotFoundError, match=r"there is no lake at .*metadata.sqlite yet.*lakehouse ingest"):
        connect(settings, lake_read_only=True)
    assert not (settings.lake_dir / "metadata.sqlite").exists()


def test_read_only_lake_whose_writer_died_before_initialising_it(settings: Settings) -> None:
    settings.lake_dir.mkdir(parents=True)
    sqlite3.connect(settings.lake_dir / "metadata.sqlite").close()  # an empty SQLite file, no DuckLake tables
    with pytest.raises(NotFoundError, match="is not initialised yet"):
        connect(settings, lake_read_only=True)
    con = connect(settings)  # a writer initialises it
    con.execute("CREATE TABLE lake.t AS SELECT 1 AS x")
    con.close()
    assert connect(settings, lake_read_only=True).execute("SELECT x FROM lake.t").fetchall() == [(1,)]


def _land(home: Path, rows: str) -> None:
    from lakehouse.wiring.pipeline import ingest

    source = home.parent / f"{home.name}-{abs(hash(rows))}.csv"
    source.write_text("id,name\n" + rows, encoding="utf-8")
    ingest(load_settings({"home": home, "threads": 2}), [source], "people", gate=False)


def test_a_copied_or_moved_home_keeps_working(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A home folder copied elsewhere (and the original gone) is read and written where it is now."""
    for var in [v for v in os.environ if v.startswith("LAKEHOUSE_")]:
        monkeypatch.delenv(var)
    first, moved = tmp_path / "first", tmp_path / "elsewhere" / "moved"
    _land(first, "1,ada\n2,bo\n")
    moved.parent.mkdir()
    first.rename(moved)  # nothing can be read from the old place any more
    _land(moved, "3,cy\n")
    con = connect(load_settings({"home": moved, "threads": 2}), lake_read_only=True)
    try:
        rows = con.execute("SELECT id, name FROM lake.people ORDER BY id").fetchall()
    finally:
        con.close()
    assert rows == [(1, "ada"), (2, "bo"), (3, "cy")]
    assert not first.exists()


def test_an_explicit_data_path_that_does_not_match_the_catalog(tmp_path: Path) -> None:
    """Outside the embedded layout the data path is the user's: a mismatch is one clear settings error."""
    home = tmp_path / "home"
    _land(home, "1,ada\n")
    wrong = load_settings({"home": home, "lake_data_path": tmp_path / "other"})
    with pytest.raises(
        SettingsError, match=r"keeps its files elsewhere than lake_data_path .*other"
    ) as raised:
        connect(wrong)
    assert "\n" not in str(raised.value)


def test_files_duckdb_checked_load_again_without_a_second_check_and_unsigned_stays_refused(
    settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    connect(settings).close()  # DuckDB checks the signatures; their files' digests are recorded
    wheel = signatures.digests([extension_path(n) for n in ("sqlite_scanner", "ducklake")])
    assert wheel.items() <= signatures.recorded(settings.cache_dir / signatures.RECORD).items()
    with caplog.at_level(logging.DEBUG, logger="lakehouse.connect"):
        con = connect(settings)
    assert "unchanged since DuckDB checked their signatures (by their status)" in caplog.text  # no hashing
    assert {"ducklake", "sqlite_scanner"} <= _loaded(con)
    assert con.execute("SELECT current_setting('allow_unsigned_extensions')").fetchone() == (False,)
    with pytest.raises(duckdb.InvalidInputException, match="Cannot change allow_unsigned_extensions"):
        con.execute("SET allow_unsigned_extensions = true")
    tampered = tmp_path / "tampered.duckdb_extension"  # ducklake with one bit changed: its signature fails
    data = bytearray(extension_path("ducklake").read_bytes())
    data[1000] ^= 1
    tampered.write_bytes(bytes(data))
    with pytest.raises(duckdb.IOException, match="could not be loaded because its signature"):
        con.execute(f"LOAD '{tampered}'")
    con.close()


def test_a_database_file_loads_checked_files_once_and_its_second_connection_refuses_unsigned_ones(
    settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The warehouse file too loads the files DuckDB checked without a second check; a second connection of the
    process to it, whose setting differs (DuckDB refuses that), joins it with unsigned extensions refused."""
    connect(settings).close()  # DuckDB checks the signatures; the files are recorded
    record = settings.cache_dir / signatures.RECORD
    httpfs = str(extension_path("httpfs"))
    entries = json.loads(record.read_text(encoding="utf-8"))
    entries.pop(httpfs, None)  # as if no connection had loaded httpfs yet
    record.write_text(json.dumps(entries), encoding="utf-8")
    with caplog.at_level(logging.DEBUG, logger="lakehouse.connect"):
        warehouse = connect(settings, database=settings.warehouse_file)
    assert "unchanged since DuckDB checked their signatures (by their status)" in caplog.text
    assert warehouse.execute("SELECT current_setting('allow_unsigned_extensions')").fetchone() == (False,)
    # nothing recorded of httpfs: opened on its own this would refuse unsigned files from the start
    again = connect(settings, database=settings.warehouse_file, lake=False, extensions=["httpfs"])
    assert "httpfs" in _loaded(again)  # checked by DuckDB, then recorded
    assert signatures.recorded(record)[httpfs] == signatures.digests([Path(httpfs)])[httpfs]
    assert again.execute("SELECT current_setting('allow_unsigned_extensions')").fetchone() == (False,)
    tampered = tmp_path / "tampered.duckdb_extension"
    data = bytearray(extension_path("ducklake").read_bytes())
    data[1000] ^= 1
    tampered.write_bytes(bytes(data))
    with pytest.raises(duckdb.IOException, match="could not be loaded because its signature"):
        again.execute(f"LOAD '{tampered}'")
    again.close()
    warehouse.close()


def test_a_file_unlike_the_record_is_checked_by_duckdb_again(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    path = str(extension_path("ducklake"))
    record = settings.cache_dir / signatures.RECORD
    signatures.remember(record, {path: "0" * 64})  # not this file's content
    with caplog.at_level(logging.DEBUG, logger="lakehouse.connect"):
        connect(settings).close()
    assert "unchanged since DuckDB checked" not in caplog.text
    assert signatures.recorded(record)[path] == signatures.digests([Path(path)])[path]  # checked, recorded
    record.write_text("not json", encoding="utf-8")  # a damaged record: checked again, rewritten
    with caplog.at_level(logging.DEBUG):
        connect(settings).close()
    assert f"{record}: expected a JSON object of extension file path -> SHA-256; ignored" in caplog.text
    assert signatures.recorded(record)[path] == signatures.digests([Path(path)])[path]
