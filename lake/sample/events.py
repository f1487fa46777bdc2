"""events/events-2026-MM.ndjson: web and app events as nested NDJSON, one file per month (January-June 2026).

Each line: event_id, event_type, event_time, customer_id (null for anonymous visitors), session_id,
device{type, os, app_version (null on the web)}, page{url, referrer (nullable)}, items[{product_id, quantity,
price}] (empty for page_view and search). From ``FORM_CHANGED`` on, two new top-level fields appear:
consent{marketing, analytics} and campaign (string or null). May is gzip-compressed (``.ndjson.gz``).
One line in February is cut in half (invalid JSON) on purpose.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa

from lake.sample import vocabulary as vocab
from lake.sample.customers import Customers
from lake.sample.draw import concat, index_of, iso_utc, pick, pick_from, sorted_times, uuids, zero_padded
from lake.sample.files import ndjson_bytes, open_output, sample_file
from lake.sample.products import Products
from lake.sample.report import BadRecord, DatasetPart
from lakehouse.progress import ProgressCallback, ProgressEvent, report

MONTHS = ("2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06")
MONTH_WEIGHTS = (0.14, 0.15, 0.16, 0.17, 0.18, 0.20)  # the shop grows
FORM_CHANGED = "2026-04"  # consent and campaign appear from this month on
GZIP_MONTH = "2026-05"
TRUNCATED_MONTH = "2026-02"
CHUNK_ROWS = 100_000
ANONYMOUS_SHARE = 0.3
EVENTS_PER_SESSION = 5
NO_REFERRER_SHARE = 0.3
CONSENT_SHARE = {"marketing": 0.45, "analytics": 0.7}  # per session, from April
CAMPAIGN_SHARE = 0.4  # sessions that arrive through a campaign (utm_* parameters; ``campaign`` from April)
#: event type -> (how many items it carries: low, high inclusive; page path)
EVENT_SHAPE = {
    "page_view": (0, 0, "/p/"),
    "search": (0, 0, "/search?q="),
    "add_to_cart": (1, 1, "/cart"),
    "purchase": (1, 3, "/checkout/complete"),
}


def generate(
    out_dir: Path,
    n: int,
    customers: Customers,
    products: Products,
    rng: np.random.Generator,
    progress: ProgressCallback | None = None,
) -> DatasetPart:
    per_month = np.floor(np.array(MONTH_WEIGHTS) / sum(MONTH_WEIGHTS) * n).astype(np.int64)
    per_month[-1] += n - per_month.sum()
    files, bad, done = [], [], 0
    for month, rows in zip(MONTHS, per_month.tolist(), strict=True):
        suffix = ".ndjson.gz" if month == GZIP_MONTH else ".ndjson"
        path = out_dir / "events" / f"events-{month}{suffix}"
        bounds = list(range(0, rows, CHUNK_ROWS)) + [rows]
        with open_output(path) as out:
            for start, stop in zip(bounds, bounds[1:], strict=False):
                data = ndjson_bytes(_frame(rng, month, start, stop, rows, customers, products))
                if month == TRUNCATED_MONTH and start == 0:
                    data, line = _truncate_line(data, (stop - start) // 2)
                    problem = "truncated JSON: the line stops half-way through the object"
                    bad.append(BadRecord("events", path.relative_to(out_dir).as_posix(), line, problem))
                out.write(data)
                done += stop - start
                report(progress, ProgressEvent("sample events", done, n, "rows", path.name))
        files.append(sample_file(out_dir, path, "events", rows))
    return DatasetPart(files, bad)


def _window(month: str, start: int, stop: int, rows: int) -> tuple[np.datetime64, np.datetime64]:
    """The slice of ``month`` that rows ``start:stop`` of its ``rows`` events fall in (times stay sorted)."""
    first = np.datetime64(f"{month}-01T00:00:00", "s")
    seconds = ((np.datetime64(month, "M") + 1).astype("datetime64[s]") - first) / np.timedelta64(1, "s")
    return first + np.timedelta64(round(seconds * start / rows), "s"), first + np.timedelta64(
        round(seconds * stop / rows), "s"
    )


def _truncate_line(data: bytes, index: int) -> tuple[bytes, int]:
    """Cut line ``index`` (0-based) in half, keeping its newline; returns the data and the 1-based line."""
    lines = data.split(b"\n")
    lines[index] = lines[index][: len(lines[index]) // 2]
    return b"\n".join(lines), index + 1


def _frame(
    rng: np.random.Generator,
    month: str,
    start: int,
    stop: int,
    rows: int,
    customers: Customers,
    products: Products,
) -> pl.DataFrame:
    """Events ``start:stop`` of the ``rows`` in ``month``."""
    n = stop - start
    tag = month.replace("-", "")
    session_base = start // EVENTS_PER_SESSION
    n_sessions = max(1, n // EVENTS_PER_SESSION)
    session = np.sort(rng.integers(0, n_sessions, size=n))  # a session's events are close together in time
    anonymous = rng.random(n_sessions) < ANONYMOUS_SHARE
    session_customer = rng.choice(customers.ids, size=n_sessions, p=customers.order_weight)
    session_campaign = np.where(
        rng.random(n_sessions) < CAMPAIGN_SHARE, pick_from(rng, vocab.CAMPAIGNS, n_sessions), ""
    )
    campaign = session_campaign[session]
    event_type = pick(rng, vocab.EVENT_TYPES, n)
    columns: dict[str, pa.Array] = {
        "event_id": pa.array(uuids(rng, n)),
        "event_type": pa.array(event_type),
        "event_time": pa.array(iso_utc(sorted_times(rng, n, *_window(month, start, stop, rows)))),
        "customer_id": pa.array(session_customer[session], mask=anonymous[session]),
        "session_id": pa.array(concat(f"sess-{tag}-", zero_padded(session_base + session, 8))),
        "device": _devices(rng, n_sessions).take(pa.array(session)),
        "page": _pages(rng, event_type, campaign, products),
        "items": _items(rng, event_type, products),
    }
    if month >= FORM_CHANGED:
        consent = [pa.array((rng.random(n_sessions) < share)[session]) for share in CONSENT_SHARE.values()]
        columns["consent"] = pa.StructArray.from_arrays(consent, names=list(CONSENT_SHARE))
        columns["campaign"] = pa.array(campaign, mask=campaign == "")
    frame = pl.from_arrow(pa.table(columns))
    assert isinstance(frame, pl.DataFrame)
    return frame


def _devices(rng: np.random.Generator, n: int) -> pa.StructArray:
    kind = pick(rng, {name: spec[0] for name, spec in vocab.DEVICES.items()}, n)
    os_name = np.empty(n, dtype=object)
    version = np.full(n, "", dtype=object)
    for name, (_, systems, versions) in vocab.DEVICES.items():
        mask = kind == name
        os_name[mask] = pick_from(rng, systems, int(mask.sum()))
        if versions:
            version[mask] = pick_from(rng, versions, int(mask.sum()))
    app_version = pa.array(version.astype(str), mask=kind == "web")
    return pa.StructArray.from_arrays(
        [pa.array(kind), pa.array(os_name.astype(str)), app_version], names=["type", "os", "app_version"]
    )


def _pages(
    rng: np.random.Generator, event_type: np.ndarray, campaign: np.ndarray, products: Products
) -> pa.StructArray:
    """The page's URL (landing pages of a campaign carry utm_* parameters) and where the visitor came from."""
    n = len(event_type)
    detail = np.where(event_type == "page_view", zero_padded(rng.choice(products.ids, size=n), 5), "")
    terms = np.strings.replace(pick_from(rng, vocab.SEARCH_TERMS, n), " ", "+")
    detail = np.where(event_type == "search", terms, detail)
    path = np.array([spec[2] for spec in EVENT_SHAPE.values()])[index_of(event_type, list(EVENT_SHAPE))]
    source = np.array(list(vocab.UTM_SOURCES))[rng.integers(0, len(vocab.UTM_SOURCES), size=n)]
    medium = np.array(list(vocab.UTM_SOURCES.values()))[index_of(source, list(vocab.UTM_SOURCES))]
    utm = concat("?utm_source=", source, "&utm_medium=", medium, "&utm_campaign=", campaign)
    utm = np.where((campaign != "") & (event_type == "page_view"), utm, "")
    url = concat(vocab.SHOP_URL, path, detail, utm)
    referrer = pa.array(pick_from(rng, vocab.REFERRERS, n), mask=rng.random(n) < NO_REFERRER_SHARE)
    return pa.StructArray.from_arrays([pa.array(url), referrer], names=["url", "referrer"])


def _items(rng: np.random.Generator, event_type: np.ndarray, products: Products) -> pa.ListArray:
    shape = np.array([(low, high) for low, high, _ in EVENT_SHAPE.values()])[
        index_of(event_type, list(EVENT_SHAPE))
    ]
    count = rng.integers(shape[:, 0], shape[:, 1] + 1)
    offsets = np.concatenate([[0], np.cumsum(count)]).astype(np.int32)
    product = rng.integers(0, len(products.ids), size=int(offsets[-1]))
    items = pa.StructArray.from_arrays(
        [
            pa.array(products.ids[product]),
            pa.array(rng.integers(1, 4, size=len(product))),
            pa.array(products.prices[product]),
        ],
        names=["product_id", "quantity", "price"],
    )
    return pa.ListArray.from_arrays(pa.array(offsets), items)
