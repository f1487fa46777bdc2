"""Image ingest: object-table columns, EXIF typed tags, content-addressed store, bad files quarantined."""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import hashlib
import sys
from pathlib import Path
from typing import Any

import pytest

import lake
from lake.objects import store
from lake.readers import exif, image
from lake.readers.imagefile import fingerprint, inspect
from lakehouse.settings import Settings
from tests.lake.conftest import make_image, query


def test_exif_and_object_columns(settings: Settings, tmp_path: Path) -> None:
    make_image(tmp_path / "a.jpg")
    make_image(tmp_path / "b.png", fmt="PNG", exif=False)
    make_image(tmp_path / "c.webp", fmt="WEBP")
    make_image(tmp_path / "d.gif", fmt="GIF", exif=False)
    make_image(tmp_path / "e.tiff", fmt="TIFF")
    report = lake.ingest(settings, [tmp_path], "images")
    assert (report.rows_landed, report.rows_quarantined) == (5, 0)
    row = query(
        settings,
        "SELECT camera_make, camera_model, taken_at, round(gps_lat, 4), round(gps_lon, 4), orientation, "
        "content_type, width, height, exif['Model'] FROM lake.images WHERE format = 'JPEG'",
    )
    assert row == [
        (
            "Canon",
            "EOS 5D",
            dt.datetime(2024, 6, 1, 12, 30, 45),
            52.52,
            -13.41,
            6,
            "image/jpeg",
            64,
            48,
            "EOS 5D",
        )
    ]
    formats = sorted(f for (f,) in query(settings, "SELECT format FROM lake.images"))
    assert formats == ["GIF", "JPEG", "PNG", "TIFF", "WEBP"]


def test_objects_are_content_addressed_and_deduplicated(settings: Settings, tmp_path: Path) -> None:
    first = make_image(tmp_path / "one.jpg")
    (tmp_path / "copy.jpg").write_bytes(first.read_bytes())
    report = lake.ingest(settings, [tmp_path], "img")
    assert (report.rows_landed, report.files_skipped) == (1, 1)  # same bytes: one row, one object
    objects = [p for p in settings.objects_dir.rglob("*") if p.is_file()]
    assert len(objects) == 1 and objects[0].read_bytes() == first.read_bytes()


def test_inspect_reports_errors_without_raising(tmp_path: Path) -> None:
    (tmp_path / "x.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    result = inspect(str(tmp_path / "x.png"), str(tmp_path / "objects"))
    assert "error" in result and not (tmp_path / "objects").exists()


def test_many_images_use_the_pool(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(image, "POOL_MIN_BYTES", 0)
    for i in range(70):
        make_image(tmp_path / f"p{i:03d}.jpg", size=(16 + i, 16))
    (tmp_path / "bad.jpg").write_bytes(b"not an image")
    report = lake.ingest(settings, [tmp_path], "pool")
    assert (report.rows_landed, report.rows_quarantined) == (70, 1)
    assert query(settings, "SELECT count(DISTINCT sha256), min(width), max(width) FROM lake.pool") == [
        (70, 16, 85)
    ]


def _rows(settings: Settings, dataset: str) -> list[tuple[object, ...]]:
    """The dataset's rows in stored order, without what differs between two ingests of the same files."""
    return query(settings, f"SELECT * EXCLUDE (_batch_id, _ingested_at) FROM lake.{dataset}")


def test_pool_and_one_thread_give_the_same_rows_in_source_order(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "shop"
    folder.mkdir()
    for i in range(40):  # sizes differ, so a worker that finishes early would show up out of order
        make_image(folder / f"p{i:03d}.jpg", size=(16 + 7 * (39 - i), 16), exif=i % 3 != 0)
    make_image(folder / "p100.png", fmt="PNG")
    (folder / "p050.jpg").write_bytes(b"\xff\xd8\xff truncated")
    used: list[str] = []
    choose = image._executor

    def spy(sources: list[Any]) -> cf.Executor:
        executor = choose(sources)
        used.append(type(executor).__name__)
        return executor

    monkeypatch.setattr(image, "_executor", spy)
    # the pool's workers re-import __main__: give it a file when the runner's has none (pytest-xdist's
    # workers run `python -c`, for which the reader rightly stays on one thread)
    main = tmp_path / "main.py"
    main.write_text("", encoding="utf-8")
    monkeypatch.setattr(sys.modules["__main__"], "__file__", str(main), raising=False)
    monkeypatch.setattr(image, "POOL_MIN_BYTES", 0)
    monkeypatch.setattr(image, "CHUNK_FILES", 3)
    pooled = lake.ingest(settings, [folder], "pooled")
    monkeypatch.setattr(image, "POOL_MIN_FILES", 10_000)
    monkeypatch.setattr(image, "POOL_MIN_BYTES", 1 << 40)
    threaded = lake.ingest(settings, [folder], "threaded")
    assert used == ["ProcessPoolExecutor", "ThreadPoolExecutor"]
    for report in (pooled, threaded):
        assert (report.rows_read, report.rows_landed, report.rows_quarantined) == (42, 41, 1)
        assert [f.uri for f in report.files] == sorted(p.as_uri() for p in folder.iterdir())
    assert _rows(settings, "pooled") == _rows(settings, "threaded")
    uris = [u for (u,) in query(settings, "SELECT _source_uri FROM lake.pooled")]
    assert uris == sorted(uris) and len(uris) == 41


def test_fingerprint_of_a_rejected_file_still_has_its_hash(tmp_path: Path) -> None:
    (tmp_path / "fake.gif").write_bytes(b"GIF89a but nothing else")
    sha, error, row = fingerprint(str(tmp_path / "fake.gif"), str(tmp_path / "objects"))
    assert sha == hashlib.sha256(b"GIF89a but nothing else").hexdigest()
    assert (error, row) == ("not an image (Pillow cannot identify the file)", None)


def test_rerun_skips_by_hash_and_stores_no_second_copy(settings: Settings, tmp_path: Path) -> None:
    for i in range(3):
        make_image(tmp_path / f"a{i}.jpg", size=(20 + i, 20))
    first = lake.ingest(settings, [tmp_path], "again")
    second = lake.ingest(settings, [tmp_path], "again")
    assert (first.rows_landed, second.rows_landed, second.files_skipped, second.rows_skipped) == (3, 0, 3, 3)
    assert len([p for p in settings.objects_dir.rglob("*") if p.is_file()]) == 3
    assert query(settings, "SELECT count(*) FROM lake.again") == [(3,)]


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"DateTimeOriginal": "2024:06:01 12:30:45"}, dt.datetime(2024, 6, 1, 12, 30, 45)),
        (
            {"DateTimeOriginal": "0000:00:00 00:00:00", "DateTime": "2024:6:1 1:2:3"},
            dt.datetime(2024, 6, 1, 1, 2, 3),
        ),
        (
            {"DateTimeOriginal": "soon", "DateTimeDigitized": " 2023:01:02 03:04:05 "},
            dt.datetime(2023, 1, 2, 3, 4, 5),
        ),
        ({"DateTime": "2024-06-01 12:30:45"}, None),
        ({}, None),
    ],
)
def test_taken_at_falls_back_through_the_time_tags(
    tags: dict[str, str], expected: dt.datetime | None
) -> None:
    assert exif.taken_at(tags) == expected


def test_objects_are_stored_once_and_leave_no_temporary_files(tmp_path: Path) -> None:
    data = b"\x89PNG not really, but bytes are bytes"
    sha = hashlib.sha256(data).hexdigest()
    first = store(tmp_path, sha, data)
    (first.parent / f".tmp-{sha}-1-2").write_bytes(data[:5])  # left behind by a killed writer
    assert store(tmp_path, sha, data) == first == tmp_path / sha[:2] / sha
    assert first.read_bytes() == data
    assert sorted(p.name for p in first.parent.iterdir()) == sorted([sha, f".tmp-{sha}-1-2"])
    first.write_bytes(data[:3])  # a damaged object (wrong size) is written again
    assert store(tmp_path, sha, data).read_bytes() == data
