"""The project's sample data end to end: every deliberately bad record lands in quarantine at its line."""

from __future__ import annotations

from pathlib import Path

import pytest

import lake
from lake.sample import SampleReport, generate
from lakehouse.settings import Settings
from tests.lake.conftest import query

pytestmark = pytest.mark.integration
DATASETS = ("customers", "products", "orders", "events", "images")


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> SampleReport:
    return generate(tmp_path_factory.mktemp("sample") / "raw", scale=0.2)


def test_sample_lands_and_bad_records_are_quarantined(settings: Settings, sample: SampleReport) -> None:
    for dataset in DATASETS:
        report = lake.ingest(settings, [Path(sample.out_dir) / dataset], dataset)
        assert report.rows_read == report.rows_landed + report.rows_quarantined + report.rows_skipped
        assert report.rows_read == sample.rows[dataset], dataset
    quarantined = {
        (d, uri.rsplit("/", 1)[-1], line)
        for d, uri, line in query(settings, "SELECT dataset, source_uri, source_line FROM lake._quarantine")
    }
    expected = {(b.dataset, Path(b.path).name, b.line) for b in sample.bad_records}
    assert quarantined == expected
    types = dict(
        query(settings, "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'orders'")
    )
    assert types["order_time"] == "TIMESTAMP" and types["annual_income" if False else "quantity"] == "BIGINT"
    assert query(
        settings,
        "SELECT data_type FROM duckdb_columns() WHERE table_name = 'customers' AND column_name = 'annual_income'",
    ) == [("BIGINT",)]
    events = dict(
        query(settings, "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'events'")
    )
    assert events["device"].startswith("STRUCT(") and events["items"].endswith("[]") and "consent" in events


def test_images_have_object_table_columns(settings: Settings, sample: SampleReport) -> None:
    lake.ingest(settings, [Path(sample.out_dir) / "images"], "images")
    rows = query(
        settings,
        "SELECT uri, size, content_type, md5_hash, sha256, width, height, format, exif['Make'], camera_make "
        "FROM lake.images ORDER BY _source_uri",
    )
    assert rows
    for uri, size, content_type, md5, sha, width, height, fmt, make, camera in rows:
        stored = Path(uri.removeprefix("file://"))
        assert stored.exists() and stored.stat().st_size == size and stored.name == sha
        assert content_type in {"image/jpeg", "image/png"} and len(md5) == 32 and width > 0 and height > 0
        assert fmt in {"JPEG", "PNG"} and make == camera
