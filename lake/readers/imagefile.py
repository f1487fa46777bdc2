"""What one image file holds: hashes, Pillow's verdict, size, EXIF — the per-file work of the image reader.

Kept apart from ``lake.readers.image`` so the process-pool workers import only Pillow (no DuckDB,
no Arrow): a worker starts in a fraction of the time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import warnings
from pathlib import Path
from typing import Any

from PIL import Image
from PIL.ImageFile import ImageFile

from lake.objects import store
from lake.readers import exif as exif_tags

#: Pillow's own limit; an image with more pixels is treated as a decompression bomb
MAX_PIXELS = 89_478_485


def fingerprint(path: str, objects_dir: str) -> tuple[str, str | None, str | None]:
    """``inspect`` as (sha256, why the file is rejected or None, the row as one JSON line or None): what
    a pool worker sends back (one string pickles several times faster than a dict of twenty values)."""
    result = inspect(path, objects_dir)
    error = result.get("error")
    return result["sha256"], error, None if error else json.dumps(result, default=_isoformat) + "\n"


def _isoformat(value: object) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def inspect(path: str, objects_dir: str) -> dict[str, Any]:
    """Everything about one image file, or ``{"sha256": …, "error": reason}`` (runs in a pool worker)."""
    with open(path, "rb") as fh:
        data = fh.read()
        stat = os.fstat(fh.fileno())
    sha = hashlib.sha256(data).hexdigest()
    if not data:
        return {"sha256": sha, "error": "empty file (0 bytes)"}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            Image.MAX_IMAGE_PIXELS = MAX_PIXELS
            with Image.open(io.BytesIO(data)) as image:
                if type(image).verify is not ImageFile.verify:  # only PNG checks anything (chunk CRCs)
                    with Image.open(io.BytesIO(data)) as probe:
                        probe.verify()  # consumes its image: a second open
                width, height, fmt, mode = image.width, image.height, image.format, image.mode
                tags, gps = exif_tags.tags(image)
                if fmt == "JPEG":
                    image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
                image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        return {"sha256": sha, "error": f"decompression bomb: {exc}"}
    except Image.UnidentifiedImageError:
        return {"sha256": sha, "error": "not an image (Pillow cannot identify the file)"}
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        return {"sha256": sha, "error": f"corrupt or truncated image: {exc}"}
    stored = store(Path(objects_dir), sha, data)
    return {
        "uri": stored.as_uri(),
        "size": len(data),
        "content_type": Image.MIME.get(fmt or "", "application/octet-stream"),
        "md5_hash": hashlib.md5(data, usedforsecurity=False).hexdigest(),  # GCS object metadata, not security
        "updated": dt.datetime.fromtimestamp(stat.st_mtime, dt.UTC),
        "generation": stat.st_mtime_ns // 1000,
        "sha256": sha,
        "width": width,
        "height": height,
        "format": fmt,
        "mode": mode,
        "exif": tags,
        "camera_make": tags.get("Make"),
        "camera_model": tags.get("Model"),
        "taken_at": exif_tags.taken_at(tags),
        "gps_lat": exif_tags.degrees(gps.get("GPSLatitude"), gps.get("GPSLatitudeRef")),
        "gps_lon": exif_tags.degrees(gps.get("GPSLongitude"), gps.get("GPSLongitudeRef")),
        "orientation": exif_tags.orientation(tags),
        "_source_uri": Path(path).as_uri(),
    }
