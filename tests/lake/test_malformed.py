"""Malformed input through the CLI: one clear message, the right exit code, every row accounted for.

Each case builds its input, runs ``lakehouse ingest … --json`` (or without ``--json`` for usage
errors) and checks: exit code, a message on stderr, rows read = landed + quarantined + skipped,
and the expected counts.
"""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image

from lakehouse.settings import Settings
from tests.conftest import CliResult
from tests.lake.conftest import FIXTURES, make_image, query, write_lines

GOOD = '{"id": 1, "name": "a"}'


@dataclass(frozen=True)
class Case:
    build: Callable[[Path], list[Path]]
    code: int
    message: str  # regex expected on stderr
    counts: tuple[int, int, int] | None = None  # read, landed, quarantined
    args: tuple[str, ...] = ()


def _png_bomb(d: Path) -> list[Path]:
    path = d / "bomb.png"
    Image.new("1", (10_000, 10_000)).save(path, "PNG")  # 100 Mpx, a few kB on disk
    return [path]


def _truncated_jpeg(d: Path) -> list[Path]:
    good = make_image(d / "whole.jpg", size=(256, 256))
    data = good.read_bytes()
    good.unlink()
    (d / "half.jpg").write_bytes(data[: len(data) // 2])
    return [d / "half.jpg"]


def _big_line(d: Path) -> list[Path]:
    blob = "x" * (20 << 20)
    return [write_lines(d / "big.ndjson", [GOOD, json.dumps({"id": 2, "name": blob})])]


def _corrupt_gzip(d: Path) -> list[Path]:
    data = gzip.compress(("\n".join([GOOD] * 2000) + "\n").encode())
    path = d / "broken.ndjson.gz"
    path.write_bytes(data[: len(data) // 2])
    return [path]


def _late_key(d: Path) -> list[Path]:
    lines = [GOOD] * 25_000 + ['{"id": 3, "name": "c", "late": {"k": 1}}']
    return [write_lines(d / "late.ndjson", list(lines))]


def _junk(name: str) -> Callable[[Path], list[Path]]:
    def build(d: Path) -> list[Path]:
        (d / name).write_bytes(bytes(range(256)) * 8)
        return [d / name]

    return build


def _lines(name: str, *lines: str | bytes) -> Callable[[Path], list[Path]]:
    return lambda d: [write_lines(d / name, list(lines))]


def _raw(name: str, data: bytes) -> Callable[[Path], list[Path]]:
    def build(d: Path) -> list[Path]:
        (d / name).write_bytes(data)
        return [d / name]

    return build


def _fixture(name: str) -> Callable[[Path], list[Path]]:
    return lambda d: [FIXTURES / name]


CASES: dict[str, Case] = {
    "truncated json line": Case(
        _lines("t.ndjson", GOOD, '{"id": 2, "na'), 0, r"1 of 2 records quarantined", (2, 1, 1)
    ),
    "invalid utf-8 in json": Case(
        _lines("u.ndjson", GOOD, b'{"id": 2, "name": "\xff\xfe"}', GOOD), 0, "quarantined", (3, 2, 1)
    ),
    "json line not an object": Case(_lines("s.ndjson", GOOD, "42", GOOD), 0, "quarantined", (3, 2, 1)),
    # the slow paths join a line map (k, line_no) and number records (ordinality): fields of those names
    "join's names as fields, bad line": Case(
        _lines("j.ndjson", '{"k": 1, "line_no": 2, "line": "a", "ordinality": 4}', '{"k": 2, "li'),
        0,
        r"1 of 2 records quarantined",
        (2, 1, 1),
    ),
    "join's names as fields, not utf-8": Case(
        _lines("j.ndjson", '{"k": 1, "line_no": 2, "line": "a"}', b'{"k": 2, "line": "\xff"}', "[1]"),
        0,
        "quarantined",
        (3, 1, 2),
    ),
    "utf-8 bom ndjson": Case(
        _raw("bom.ndjson", b"\xef\xbb\xbf" + (GOOD + "\n").encode()), 0, "committed", (1, 1, 0)
    ),
    "blank lines ndjson": Case(_lines("b.ndjson", GOOD, "", GOOD), 0, "committed", (2, 2, 0)),
    "number vs object": Case(
        _lines("m.ndjson", '{"id": 1, "v": 5}', '{"id": 2, "v": {"a": 1}}'), 0, "kept as JSON", (2, 2, 0)
    ),
    "unknown key after the sample": Case(_late_key, 0, "committed", (25_001, 25_001, 0)),
    "20 MB single line": Case(_big_line, 0, "committed", (2, 2, 0)),
    "corrupt gzip": Case(_corrupt_gzip, 1, "quarantined", (1, 0, 1)),
    "binary junk as json": Case(_junk("junk.json"), 1, "quarantined", (1, 0, 1)),
    "binary junk as csv": Case(_junk("junk.csv"), 1, "binary data", (1, 0, 1)),
    "zero-byte json": Case(_raw("empty.ndjson", b""), 0, "committed", (0, 0, 0)),
    "zero-byte csv": Case(_raw("empty.csv", b""), 0, "empty file", (0, 0, 0)),
    "header-only csv": Case(_raw("h.csv", b"a,b,c\n"), 0, "committed", (0, 0, 0)),
    "ragged csv short row": Case(
        _lines("r.csv", "a,b,c", "1,2,3", "4,5", "6,7,8"), 0, "quarantined", (3, 2, 1)
    ),
    "ragged csv long row": Case(
        _lines("r.csv", "a,b,c", "1,2,3", "4,5,6,7", "6,7,8"), 0, "quarantined", (3, 2, 1)
    ),
    "csv unparsable value": Case(
        _fixture("customers.csv"),
        0,
        "2 of 5 records quarantined",
        (5, 3, 2),
        ("--schema", "annual_income=INTEGER"),
    ),
    "csv bad value after the sample": Case(
        _raw("late.csv", b"id,n\n" + b"".join(b"%d,%d\n" % (i, i) for i in range(25_000)) + b"x,oops\n"),
        0,
        "1 of 25,001 records quarantined",
        (25_001, 25_000, 1),
    ),
    "csv duplicate headers": Case(_lines("d.csv", "id,name,name", "1,a,b"), 0, "duplicate header", (1, 1, 0)),
    "csv utf-8 bom": Case(_raw("bom.csv", b"\xef\xbb\xbfid,name\n1,a\n"), 0, "committed", (1, 1, 0)),
    "csv latin-1": Case(_fixture("latin1.csv"), 0, "read as", (2, 2, 0)),
    "csv cp-1252": Case(_fixture("cp1252.csv"), 0, "read as cp1252", (2, 2, 0)),
    "csv invalid utf-8 line": Case(
        _raw("x.csv", b"id,name\n" + "1,\u00e9\n".encode() * 3000 + b"2,\xff\xfe\n3,c\n"),
        0,
        "quarantined",
        (3002, 3001, 1),
    ),
    "corrupt image": Case(_truncated_jpeg, 1, "corrupt or truncated", (1, 0, 1)),
    "non-image with jpg extension": Case(
        _raw("fake.jpg", b"hello, not a picture\n"), 1, "not an image", (1, 0, 1)
    ),
    "decompression bomb": Case(_png_bomb, 1, "decompression bomb", (1, 0, 1)),
    "zero-byte image": Case(_raw("empty.png", b""), 1, "empty file", (1, 0, 1)),
    "path traversal dataset": Case(
        _lines("t.ndjson", GOOD), 2, "invalid dataset name", None, ("-d", "../etc")
    ),
    "quote in dataset": Case(
        _lines("t.ndjson", GOOD), 2, "invalid dataset name", None, ("-d", 'x"; DROP TABLE y; --')
    ),
    "unicode dataset": Case(
        _lines("t.ndjson", GOOD), 2, "for example 'evenements'", None, ("-d", "événements")
    ),
    "reserved dataset": Case(_lines("t.ndjson", GOOD), 2, "reserved", None, ("-d", "_files")),
    "missing file": Case(lambda d: [d / "nope.ndjson"], 1, "no such file", None),
    "mixed formats": Case(
        lambda d: [FIXTURES / "events-01.ndjson", FIXTURES / "customers.csv"], 2, "one format", None
    ),
    "unknown extension": Case(_raw("data.bin", b"abc"), 2, "cannot tell the format", None),
    "merge without key": Case(
        _lines("t.ndjson", GOOD), 2, "--key goes with --mode merge", None, ("--mode", "merge")
    ),
    "unknown type in schema": Case(
        _lines("t.ndjson", GOOD), 2, "unknown type 'NOTATYPE'", None, ("--schema", "id=NOTATYPE")
    ),
    "bad schema override": Case(_lines("t.ndjson", GOOD), 2, "bad --schema", None, ("--schema", "id")),
}


@pytest.mark.parametrize("name", list(CASES))
def test_malformed(name: str, tmp_path: Path, cli: Callable[..., CliResult], settings: Settings) -> None:
    case = CASES[name]
    data = tmp_path / "in"
    data.mkdir()
    paths = [str(p) for p in case.build(data)]
    dataset = ("-d", "t") if "-d" not in case.args else ()
    result = cli("ingest", *paths, *dataset, "--no-gate", *case.args, *(("--json",) if case.counts else ()))
    assert result.code == case.code, result.err
    assert __import__("re").search(case.message, result.err + result.out), result.err
    if case.code == 2 or case.counts is None:
        assert len([line for line in result.err.splitlines() if line.startswith("error:")]) == 1
        return
    report = result.json()
    read, landed, quarantined = case.counts
    assert (report["rows_read"], report["rows_landed"], report["rows_quarantined"]) == (
        read,
        landed,
        quarantined,
    )
    assert report["rows_read"] == report["rows_landed"] + report["rows_quarantined"] + report["rows_skipped"]
    stored = query(
        settings, "SELECT count(*) FROM lake._quarantine WHERE batch_id = ?", [report["batch_id"]]
    )[0][0]
    assert stored == (quarantined if landed or quarantined <= 1 else stored)
    if landed:
        assert query(settings, "SELECT count(*) FROM lake.t")[0][0] == landed


def test_message_is_one_line_without_traceback(tmp_path: Path, cli: Callable[..., CliResult]) -> None:
    result = cli("ingest", str(tmp_path / "missing.json"), "-d", "t")
    assert result.code == 1
    assert "Traceback" not in result.err and result.err.strip().count("\n") == 0


def test_gzip_and_zstd_inputs(tmp_path: Path, cli: Callable[..., CliResult], settings: Settings) -> None:
    import zstandard

    text = (GOOD + "\n") * 3
    (tmp_path / "a.ndjson.gz").write_bytes(gzip.compress(text.encode()))
    (tmp_path / "b.ndjson.zst").write_bytes(
        zstandard.ZstdCompressor().compress(text.replace('"a"', '"b"').encode())
    )
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb") as gz:
        gz.write(b"id,name\n1,x\n2,y\n")
    (tmp_path / "c.csv.gz").write_bytes(buf.getvalue())
    assert cli("ingest", str(tmp_path / "*.ndjson.*"), "-d", "j", "--no-gate").code == 0
    assert cli("ingest", str(tmp_path / "c.csv.gz"), "-d", "c", "--no-gate").code == 0
    assert query(settings, "SELECT count(*), count(DISTINCT name) FROM lake.j")[0] == (6, 2)
    assert query(settings, "SELECT name FROM lake.c ORDER BY id") == [("x",), ("y",)]
