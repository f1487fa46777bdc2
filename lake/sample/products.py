"""products/products.csv: a small catalogue; ``image_file`` names the product's picture under images/.

Only some products have a picture (about 30 at scale 1, about 2,000 at scale 100); the others leave
``image_file`` empty. Pictures are JPEG or PNG, named ``product_NNNNN.jpg|png`` after the product id.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from lake.sample import vocabulary as vocab
from lake.sample.draw import concat, pick, pick_from, zero_padded
from lake.sample.files import csv_bytes, open_output, sample_file
from lake.sample.report import DatasetPart

PATH = Path("products/products.csv")
COLUMNS = ("product_id", "sku", "name", "category", "brand", "list_price", "image_file")
PNG_SHARE = 0.35


@dataclass(frozen=True)
class Products:
    """What orders, events and images need from the catalogue."""

    ids: np.ndarray
    prices: np.ndarray  # list price per product, aligned with ids
    categories: np.ndarray
    image_ids: np.ndarray  # products that have a picture
    image_files: np.ndarray  # their file names, aligned with image_ids


def generate(out_dir: Path, n: int, n_images: int, rng: np.random.Generator) -> tuple[DatasetPart, Products]:
    ids = np.arange(1, n + 1, dtype=np.int64)
    category = pick(rng, {name: spec[1] for name, spec in vocab.CATEGORIES.items()}, n)
    noun = np.empty(n, dtype=object)
    code = np.empty(n, dtype=object)
    median = np.empty(n, dtype=float)
    for name, (prefix, _, typical_price, nouns) in vocab.CATEGORIES.items():
        mask = category == name
        noun[mask], code[mask], median[mask] = pick_from(rng, nouns, int(mask.sum())), prefix, typical_price
    adjective = pick_from(rng, vocab.ADJECTIVES, n)
    price = np.maximum(np.floor(median * rng.lognormal(0.0, 0.35, n)), 1.0) + 0.99

    with_image = np.sort(rng.choice(n, size=min(n_images, n), replace=False))
    extension = np.where(rng.random(len(with_image)) < PNG_SHARE, ".png", ".jpg")
    image_files = concat("product_", zero_padded(ids[with_image], 5), extension)
    image_file = np.full(n, None, dtype=object)
    image_file[with_image] = image_files

    frame = pl.DataFrame(
        {
            "product_id": ids,
            "sku": concat(code.astype(str), "-", zero_padded(ids, 5)),
            "name": concat(adjective, " ", noun.astype(str)),
            "category": category,
            "brand": pick_from(rng, vocab.BRANDS, n),
            "list_price": price,
            "image_file": pl.Series(image_file.tolist(), dtype=pl.String),
        }
    )
    path = out_dir / PATH
    with open_output(path) as out:
        out.write(csv_bytes(frame, header=True))
    products = Products(ids, price, category, ids[with_image], image_files)
    return DatasetPart([sample_file(out_dir, path, "products", n)]), products
