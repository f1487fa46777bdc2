"""Deterministic sample raw data for a small retailer: customers, products, orders, events, images.

``generate(out_dir, scale=1.0, seed=42)`` writes, under ``out_dir``::

    customers/customers.csv          customer_id,first_name,...,annual_income,spending_score,...,loyalty_tier
    products/products.csv            product_id,sku,name,category,brand,list_price,image_file
    orders/orders-NNN.csv            order_id,customer_id,product_id,order_time,quantity,unit_price,...
    events/events-2026-MM.ndjson     nested NDJSON, January-June 2026; May as .ndjson.gz
    images/product_NNNNN.jpg|png     product pictures with EXIF, plus images/product_corrupt.jpg
    _sample.json                     the report (minus out_dir): marks the folder as a generated sample

Scale 1 is small for tests (2,000 customers, 200 products, 12,000 orders, 24,000 events, 30 images, ~9 MB);
scale 100 is about 0.9 GB (rows grow linearly, images to about 2,000). The same seed and scale give
byte-identical files. A few records and one file are bad on purpose, so that ingest has something to
quarantine; ``SampleReport.bad_records`` says where each is and what is wrong with it.
"""

from __future__ import annotations

import json
import math
import shutil
from dataclasses import asdict
from pathlib import Path

from lake.sample import customers, events, images, orders, products
from lake.sample.draw import scaled, stream
from lake.sample.report import DATASETS, BadRecord, DatasetPart, SampleFile, SampleReport
from lakehouse.errors import UsageError
from lakehouse.progress import ProgressCallback, ProgressEvent, report

__all__ = ["DATASETS", "MARKER", "BadRecord", "SampleFile", "SampleReport", "generate"]

MARKER = "_sample.json"
#: rows at scale 1 and the least any scale gets (bad records need neighbours)
BASE_ROWS = {"customers": (2_000, 20), "products": (200, 10), "orders": (12_000, 20), "events": (24_000, 60)}
#: images grow slower than rows: 30 at scale 1, about 2,000 at scale 100; never fewer than 2 (a JPEG, a PNG)
IMAGES_AT_SCALE_1, IMAGE_GROWTH, MIN_IMAGES = 30, 0.912, 2


def generate(
    out_dir: str | Path,
    scale: float = 1.0,
    seed: int = 42,
    progress: ProgressCallback | None = None,
    *,
    force: bool = False,
) -> SampleReport:
    """Write the sample into ``out_dir`` (created if missing) and describe what was written.

    A non-empty ``out_dir`` must be a previous sample (it holds ``_sample.json``), whose dataset folders are
    replaced; anything else is refused unless ``force``. Raises ``UsageError`` for a bad scale or directory.
    """
    if not (isinstance(scale, int | float) and math.isfinite(scale) and scale > 0):
        raise UsageError(
            f"scale {scale!r} is not a positive number", hint="e.g. 0.1, 1 (CI) or 100 (about 0.9 GB)"
        )
    out = Path(out_dir)
    _prepare(out, force)
    n = {name: scaled(base, scale, minimum) for name, (base, minimum) in BASE_ROWS.items()}
    n_images = max(MIN_IMAGES, round(IMAGES_AT_SCALE_1 * scale**IMAGE_GROWTH))

    parts: dict[str, DatasetPart] = {}
    report(progress, ProgressEvent("sample customers", 0, n["customers"], "rows"))
    parts["customers"], people = customers.generate(out, n["customers"], stream(seed, "customers"))
    report(progress, ProgressEvent("sample customers", n["customers"], n["customers"], "rows"))
    parts["products"], catalogue = products.generate(out, n["products"], n_images, stream(seed, "products"))
    parts["orders"] = orders.generate(out, n["orders"], people, catalogue, stream(seed, "orders"), progress)
    parts["events"] = events.generate(out, n["events"], people, catalogue, stream(seed, "events"), progress)
    parts["images"] = images.generate(out, catalogue, stream(seed, "images"), progress)

    result = SampleReport.from_parts(out, seed, float(scale), parts)
    manifest = {key: value for key, value in asdict(result).items() if key != "out_dir"}
    (out / MARKER).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return result


def _prepare(out: Path, force: bool) -> None:
    """Create ``out``, or clear the dataset folders of a previous sample in it."""
    if out.exists() and not out.is_dir():
        raise UsageError(f"output path {str(out)!r} is a file, not a directory", hint="choose a directory")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file() and not force:
        raise UsageError(
            f"output directory {str(out)!r} is not empty and does not look like a sample (no {MARKER})",
            hint="choose an empty or new directory, or pass --force to replace its dataset folders",
        )
    out.mkdir(parents=True, exist_ok=True)
    for name in DATASETS:
        shutil.rmtree(out / name, ignore_errors=True)
    (out / MARKER).unlink(missing_ok=True)
