"""Land the generated sample in the lake, for warehouse tests and timing.

With ``lake.ingest`` installed, it is used (the real path). Without it, a stand-in lands the same tables,
columns and lineage columns: DuckDB readers with explicit types, rows that do not parse left out (ingest
quarantines them), images read with Pillow.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
from PIL import ExifTags, Image

from lakehouse.connect import connect
from lakehouse.settings import Settings

SAMPLE_SQL = Path(__file__).resolve().parent.parent / "fixtures" / "warehouse" / "sample_lake.sql"


DATASETS = ("customers", "products", "orders", "events", "images")


def land_sample(settings: Settings, sample_dir: Path) -> None:
    import lake

    ingest = getattr(lake, "ingest", None)
    if ingest is None:
        stand_in(settings, sample_dir)
        return
    for dataset in DATASETS:
        ingest(settings, [sample_dir / dataset], dataset)


def stand_in(settings: Settings, sample_dir: Path) -> None:
    """The sample's files as lake tables without lake.ingest."""
    con = connect(settings)
    try:
        con.execute("SET VARIABLE sample_dir = $1", [str(sample_dir)])
        con.execute(SAMPLE_SQL.read_text(encoding="utf-8"))
        images = pa.Table.from_pylist(
            [_image_row(p) for p in sorted((sample_dir / "images").iterdir()) if _is_image(p)]
        )
        con.register("image_rows", images)
        con.execute(
            "CREATE OR REPLACE TABLE lake.images AS SELECT * REPLACE (CAST(exif AS JSON) AS exif,"
            " CAST(taken_at AS TIMESTAMP) AS taken_at) FROM image_rows"
        )
    finally:
        con.close()


def _is_image(path: Path) -> bool:
    try:
        with Image.open(path) as image:
            image.load()
        return True
    except OSError:
        return False


def _image_row(path: Path) -> dict[str, Any]:
    data = path.read_bytes()
    with Image.open(io.BytesIO(data)) as image:
        exif = image.getexif()
        tags = {ExifTags.TAGS.get(k, str(k)): str(v) for k, v in exif.items()}
        sub = exif.get_ifd(ExifTags.IFD.Exif)
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        taken = sub.get(ExifTags.Base.DateTimeOriginal)
        sha = hashlib.sha256(data).hexdigest()
        return {
            "uri": f"objects/{sha[:2]}/{sha}",
            "size": len(data),
            "content_type": Image.MIME.get(image.format or "", "application/octet-stream"),
            "md5_hash": hashlib.md5(data).hexdigest(),
            "sha256": sha,
            "width": image.width,
            "height": image.height,
            "format": image.format,
            "mode": image.mode,
            "exif": json.dumps(tags),
            "camera_make": tags.get("Make"),
            "camera_model": tags.get("Model"),
            "taken_at": taken.replace(":", "-", 2) if taken else None,
            "gps_lat": _degrees(gps.get(2), gps.get(1)),
            "gps_lon": _degrees(gps.get(4), gps.get(3)),
            "orientation": exif.get(274),
            "_source_uri": str(path),
            "_source_line": 0,
            "_batch_id": "sample-images",
            "_ingested_at": "2026-07-01 00:00:00+00",
        }


def _degrees(value: Any, ref: Any) -> float | None:
    if not value:
        return None
    degrees = float(value[0]) + float(value[1]) / 60 + float(value[2]) / 3600
    return -degrees if ref in ("S", "W") else degrees
