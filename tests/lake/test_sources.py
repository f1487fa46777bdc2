"""Input files: folders listed without hidden entries, paths resolved (symlinks, ``..``), duplicates dropped;
a landed file recorded by its content hash."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

import lake
from lake.sources import resolve
from lakehouse.errors import InputError
from lakehouse.settings import Settings
from tests.lake.conftest import query


def _touch(path: Path, text: str = "{}\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_folders_are_listed_sorted_without_hidden_files_or_folders(tmp_path: Path) -> None:
    for name in (
        "b.ndjson",
        "a.json",
        "sub/c.jsonl",
        ".hidden.json",
        ".git/d.json",
        "sub/.e.json",
        "notes.txt",
    ):
        _touch(tmp_path / name)
    found = [s.path.relative_to(tmp_path).as_posix() for s in resolve([tmp_path])]
    assert found == ["a.json", "b.ndjson", "sub/c.jsonl"]


def test_paths_are_resolved_and_each_file_taken_once(tmp_path: Path) -> None:
    real = _touch(tmp_path / "data" / "events.json")
    (tmp_path / "link.json").symlink_to(real)
    (tmp_path / "alias").symlink_to(tmp_path / "data")
    given = [
        real,
        tmp_path / "link.json",
        tmp_path / "alias" / "events.json",
        tmp_path / "data" / ".." / "data",
    ]
    sources = resolve(given)
    assert [(s.path, s.size, s.format) for s in sources] == [(real.resolve(), 3, "json")]


def test_a_symlinked_file_is_read_where_it_points(tmp_path: Path) -> None:
    real = _touch(tmp_path / "store" / "x.csv", "a\n1\n")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "y.csv").symlink_to(real)
    assert [s.path for s in resolve([tmp_path / "in"])] == [real.resolve()]


def test_missing_paths_name_the_path(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"no such file or directory: .*nope\.json"):
        resolve([tmp_path / "nope.json"])
    _touch(tmp_path / "file.json")
    with pytest.raises(InputError, match=r"no such file or directory: .*file\.json/inner\.json"):
        resolve([tmp_path / "file.json" / "inner.json"])


def test_a_landed_file_is_recorded_by_its_content_hash_and_skipped_when_seen_again(
    settings: Settings, tmp_path: Path
) -> None:
    # larger than the hash's read buffer, so the digest spans several reads
    data = b"id,note\n" + b"".join(b"%d,%s\n" % (i, b"x" * (i % 97)) for i in range(60_000))
    first, copy = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_bytes(data)
    copy.write_bytes(data)
    lake.ingest(settings, [first], "hashed")
    assert query(settings, "SELECT sha256, bytes FROM lake._files") == [
        (hashlib.sha256(data).hexdigest(), len(data))
    ]
    report = lake.ingest(settings, [copy], "hashed")
    assert (report.rows_landed, [f.status for f in report.files]) == (0, ["skipped"])
