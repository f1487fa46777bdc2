"""images/product_NNNNN.jpg|png: simple generated product pictures with EXIF, plus one corrupt file.

Each picture is a coloured shape with the product id on it, 64-256 px a side. EXIF carries Make, Model,
Orientation and DateTimeOriginal; about half also carry GPS latitude/longitude (with N/S, E/W refs). PNGs carry
EXIF in an eXIf chunk. ``product_corrupt.jpg`` holds only the first bytes of a JPEG (no frame header), so no
image reader can open it.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from lake.sample import vocabulary as vocab
from lake.sample.draw import PERIOD_START
from lake.sample.files import sample_file
from lake.sample.products import Products
from lake.sample.report import BadRecord, DatasetPart
from lakehouse.progress import ProgressCallback, ProgressEvent, report

CORRUPT_NAME = "product_corrupt.jpg"
CORRUPT_BYTES = 120  # inside the quantisation tables, before the SOF frame header
JPEG_QUALITY = 85
ORIENTATIONS = (1, 1, 1, 1, 3, 6, 8)  # mostly upright
#: EXIF tags (https://exiftool.org/TagNames/EXIF.html)
MAKE, MODEL, ORIENTATION, EXIF_IFD, GPS_IFD, DATETIME_ORIGINAL = (
    0x010F,
    0x0110,
    0x0112,
    0x8769,
    0x8825,
    0x9003,
)
GPS_LAT_REF, GPS_LAT, GPS_LON_REF, GPS_LON = 1, 2, 3, 4
SHAPES = ("ellipse", "rectangle", "triangle")


def generate(
    out_dir: Path, products: Products, rng: np.random.Generator, progress: ProgressCallback | None = None
) -> DatasetPart:
    folder = out_dir / "images"
    folder.mkdir(parents=True, exist_ok=True)
    n = len(products.image_ids)
    size = rng.integers(64, 257, size=(n, 2))
    colours = rng.integers(0, 256, size=(n, 2, 3))
    shape = rng.integers(0, len(SHAPES), size=n)
    camera = rng.integers(0, len(vocab.CAMERAS), size=n)
    orientation = np.array(ORIENTATIONS)[rng.integers(0, len(ORIENTATIONS), size=n)]
    taken = PERIOD_START - rng.integers(1, 365 * 24 * 3600, size=n).astype("timedelta64[s]")
    has_gps = rng.random(n) < 0.5
    studio = np.array(vocab.STUDIOS)[rng.integers(0, len(vocab.STUDIOS), size=n)] + rng.normal(
        0, 0.01, (n, 2)
    )
    files = []
    for i, (product_id, name) in enumerate(
        zip(products.image_ids.tolist(), products.image_files.tolist(), strict=True)
    ):
        picture = _picture(int(size[i, 0]), int(size[i, 1]), colours[i], SHAPES[shape[i]], product_id)
        exif = _exif(
            vocab.CAMERAS[camera[i]], int(orientation[i]), taken[i], studio[i] if has_gps[i] else None
        )
        path = folder / name
        if name.endswith(".png"):
            picture.save(path, format="PNG", exif=exif)
        else:
            picture.save(path, format="JPEG", quality=JPEG_QUALITY, exif=exif)
        files.append(sample_file(out_dir, path, "images", 1))
        report(progress, ProgressEvent("sample images", i + 1, n + 1, "files", name))
    corrupt = folder / CORRUPT_NAME
    corrupt.write_bytes(_truncated_jpeg(rng))
    files.append(sample_file(out_dir, corrupt, "images", 1))
    problem = f"corrupt JPEG: only the first {CORRUPT_BYTES} bytes, no frame header; no reader can open it"
    return DatasetPart(files, [BadRecord("images", files[-1].path, None, problem)])


def _picture(width: int, height: int, colours: np.ndarray, shape: str, product_id: int) -> Image.Image:
    background, foreground = (tuple(int(c) for c in colour) for colour in colours)
    picture = Image.new("RGB", (width, height), background)
    draw = ImageDraw.Draw(picture)
    box = (width // 8, height // 8, width * 7 // 8, height * 7 // 8)
    if shape == "ellipse":
        draw.ellipse(box, fill=foreground)
    elif shape == "rectangle":
        draw.rectangle(box, fill=foreground)
    else:
        draw.polygon([(box[0], box[3]), (width // 2, box[1]), (box[2], box[3])], fill=foreground)
    draw.text((4, 4), f"#{product_id}", fill=(255, 255, 255))
    return picture


def _exif(
    camera: tuple[str, str], orientation: int, taken: np.datetime64, gps: np.ndarray | None
) -> Image.Exif:
    exif = Image.Exif()
    exif[MAKE], exif[MODEL], exif[ORIENTATION] = camera[0], camera[1], orientation
    exif.get_ifd(EXIF_IFD)[DATETIME_ORIGINAL] = str(taken).replace("-", ":").replace("T", " ")
    if gps is not None:
        lat, lon = float(gps[0]), float(gps[1])
        exif.get_ifd(GPS_IFD).update(
            {
                GPS_LAT_REF: "N" if lat >= 0 else "S",
                GPS_LAT: _dms(lat),
                GPS_LON_REF: "E" if lon >= 0 else "W",
                GPS_LON: _dms(lon),
            }
        )
    return exif


def _dms(degrees: float) -> tuple[float, float, float]:
    """Decimal degrees -> (degrees, minutes, seconds), as EXIF stores them."""
    value = abs(degrees)
    whole, minutes = int(value), int(value * 60) % 60
    return float(whole), float(minutes), round((value * 3600) % 60, 2)


def _truncated_jpeg(rng: np.random.Generator) -> bytes:
    buffer = io.BytesIO()
    colour = tuple(int(c) for c in rng.integers(0, 256, size=3))
    Image.new("RGB", (128, 128), colour).save(buffer, format="JPEG", quality=JPEG_QUALITY)
    return buffer.getvalue()[:CORRUPT_BYTES]
