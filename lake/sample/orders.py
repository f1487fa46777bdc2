"""orders/orders-NNN.csv: order lines over the first half of 2026, split into files of at most 250,000 rows.

Orders reference existing customers (weighted by spending score) and products (at their list price).
One row is bad on purpose: its order_time is "2026-13-45T00:00:00Z" (no such month or day).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import polars as pl

from lake.sample import vocabulary as vocab
from lake.sample.customers import Customers
from lake.sample.draw import PERIOD_END, PERIOD_START, iso_utc, pick, sorted_times
from lake.sample.files import csv_bytes, open_output, sample_file
from lake.sample.products import Products
from lake.sample.report import BadRecord, DatasetPart
from lakehouse.progress import ProgressCallback, ProgressEvent, report

COLUMNS = (
    "order_id",
    "customer_id",
    "product_id",
    "order_time",
    "quantity",
    "unit_price",
    "discount",
    "status",
    "channel",
)
ROWS_PER_FILE = 250_000
MIN_FILES = 2  # so that multi-file ingest is exercised at every scale
BAD_ORDER_TIME = "2026-13-45T00:00:00Z"
DISCOUNT_SHARE = 0.3  # share of orders with a discount; discounts are 0.05-0.30


def generate(
    out_dir: Path,
    n: int,
    customers: Customers,
    products: Products,
    rng: np.random.Generator,
    progress: ProgressCallback | None = None,
) -> DatasetPart:
    n_files = max(MIN_FILES, math.ceil(n / ROWS_PER_FILE))
    bounds = np.linspace(0, n, n_files + 1).round().astype(np.int64)
    time_bounds = PERIOD_START + (np.linspace(0, 1, n_files + 1) * (PERIOD_END - PERIOD_START)).astype(
        "timedelta64[s]"
    )
    files, bad = [], []
    for index in range(n_files):
        start, stop = int(bounds[index]), int(bounds[index + 1])
        frame = _frame(rng, start, stop, time_bounds[index], time_bounds[index + 1], customers, products)
        path = out_dir / "orders" / f"orders-{index + 1:03d}.csv"
        if index == 0:
            row = (stop - start) // 2
            frame[row, "order_time"] = BAD_ORDER_TIME
            problem = f'order_time "{BAD_ORDER_TIME}" is not a valid timestamp (month 13, day 45)'
            bad.append(BadRecord("orders", path.relative_to(out_dir).as_posix(), row + 2, problem))
        with open_output(path) as out:
            out.write(csv_bytes(frame, header=True))
        files.append(sample_file(out_dir, path, "orders", stop - start))
        report(progress, ProgressEvent("sample orders", stop, n, "rows", path.name))
    return DatasetPart(files, bad)


def _frame(
    rng: np.random.Generator,
    start: int,
    stop: int,
    first: np.datetime64,
    last: np.datetime64,
    customers: Customers,
    products: Products,
) -> pl.DataFrame:
    n = stop - start
    product = rng.integers(0, len(products.ids), size=n)
    discounted = rng.random(n) < DISCOUNT_SHARE
    discount = np.where(discounted, rng.integers(5, 31, size=n) / 100, 0.0)
    return pl.DataFrame(
        {
            "order_id": np.arange(start + 1, stop + 1, dtype=np.int64),
            "customer_id": rng.choice(customers.ids, size=n, p=customers.order_weight),
            "product_id": products.ids[product],
            "order_time": iso_utc(sorted_times(rng, n, first, last)),
            "quantity": 1 + np.minimum(rng.geometric(0.6, size=n) - 1, 5),
            "unit_price": products.prices[product],
            "discount": discount,
            "status": pick(rng, vocab.ORDER_STATUS, n),
            "channel": pick(rng, vocab.ORDER_CHANNEL, n),
        }
    )
