"""The record of extension files DuckDB checked: a file is recognised again by its status (device, inode,
size, mtime, ctime) only once that status has settled, and by its SHA-256 otherwise; a change in place with
the times put back is seen (the change time moves), and the earlier record form (a bare digest) still reads.

``check`` then ``settle`` stand for a connection's loads here (``tests/lakehouse/test_connect.py`` loads the
wheels' files with DuckDB)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from lakehouse import signatures


def _file(tmp_path: Path, content: bytes = b"extension bytes " * 1000) -> Path:
    path = tmp_path / "x.duckdb_extension"
    path.write_bytes(content)
    return path


def _no_hashing(paths: object) -> dict[str, str]:
    raise AssertionError(f"hashed {paths}")


def test_a_settled_file_is_recognised_by_its_status_without_hashing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(signatures, "SETTLED_NS", 0)  # the file counts as settled once it was hashed
    path, record = _file(tmp_path), tmp_path / "cache" / signatures.RECORD
    first = signatures.check(record, [path])
    assert not first.checked and first.digests  # never checked: DuckDB checks it
    signatures.settle(first, [str(path)])
    entry = json.loads(record.read_text(encoding="utf-8"))[str(path)]
    assert entry == {"sha256": first.digests[str(path)], "stat": list(signatures.status(path))}
    monkeypatch.setattr(signatures, "digests", _no_hashing)
    again = signatures.check(record, [path])
    assert again.checked and again.by_status


def test_a_change_in_place_with_the_times_put_back_is_checked_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(signatures, "SETTLED_NS", 0)
    path, record = _file(tmp_path), tmp_path / signatures.RECORD
    signatures.settle(signatures.check(record, [path]), [str(path)])
    before = os.stat(path)
    data = bytearray(path.read_bytes())
    data[100] ^= 1
    with path.open("r+b") as f:  # same inode, same size
        f.write(bytes(data))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # mtime put back; ctime cannot be
    after = signatures.check(record, [path])
    assert not after.by_status
    assert not after.checked  # its SHA-256 is not the recorded one either: DuckDB checks it again


def test_a_file_changed_just_now_is_recorded_by_its_digest_alone(tmp_path: Path) -> None:
    path, record = _file(tmp_path), tmp_path / signatures.RECORD
    signatures.settle(
        signatures.check(record, [path]), [str(path)]
    )  # written a moment ago: its status is not settled
    assert "stat" not in json.loads(record.read_text(encoding="utf-8"))[str(path)]
    again = signatures.check(record, [path])
    assert again.checked and not again.by_status  # recognised by SHA-256


def test_the_earlier_record_form_still_reads_and_a_damaged_one_is_ignored(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path, record = _file(tmp_path), tmp_path / signatures.RECORD
    sha = signatures.digests([path])[str(path)]
    record.write_text(json.dumps({str(path): sha}), encoding="utf-8")
    assert signatures.recorded(record) == {str(path): sha}
    assert signatures.check(record, [path]).checked
    record.write_text(json.dumps({str(path): {"stat": [1, 2, 3, 4, 5]}}), encoding="utf-8")
    assert signatures.recorded(record) == {}
    assert f"{record}: expected a JSON object of extension file path -> SHA-256; ignored" in caplog.text
