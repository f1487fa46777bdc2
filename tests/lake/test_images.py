"""Image ingest: object-table columns, EXIF typed tags, content-addressed store, bad files quarantined."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import lake
from lake.readers import image
from lake.readers.imagefile import inspect
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
