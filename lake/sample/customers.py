"""customers/customers.csv: people with income and spending score drawn from well-separated segments.

Income (k$) and spending score (1-100) come from five clusters in the style of the Mall Customers data, so
k-means finds real segments. Ages are consistent with birth dates on ``REFERENCE_DATE``; everyone signed up
after turning 18 and before the first order (2026-01-01). Two rows are bad on purpose: one ragged (an extra
field) and one whose annual_income is "n/a".
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from lake.sample import vocabulary as vocab
from lake.sample.draw import REFERENCE_DATE, ascii_slug, concat, pick, pick_from, pick_index, zero_padded
from lake.sample.files import csv_bytes, open_output, sample_file
from lake.sample.report import BadRecord, DatasetPart

PATH = Path("customers/customers.csv")
COLUMNS = (
    "customer_id", "first_name", "last_name", "email", "phone", "gender", "birth_date", "age", "annual_income",
    "spending_score", "signup_date", "country", "city", "loyalty_tier",
)  # fmt: skip
SIGNUP_START = np.datetime64("2019-01-01", "D")
SIGNUP_END = np.datetime64("2025-12-31", "D")
MIN_AGE, MAX_AGE = 19, 75  # 19 so that everyone was 18 before SIGNUP_END


@dataclass(frozen=True)
class Customers:
    """What the order and event generators need: ids and how likely each customer is to buy."""

    ids: np.ndarray
    order_weight: np.ndarray  # sums to 1; higher spending score buys more


def generate(out_dir: Path, n: int, rng: np.random.Generator) -> tuple[DatasetPart, Customers]:
    frame = _frame(n, rng)
    ragged, bad_income = n // 3, n // 2  # 0-based data rows, away from the first rows readers sniff
    frame = frame.with_columns(pl.col("annual_income").cast(pl.String))
    frame[bad_income, "annual_income"] = "n/a"
    path = out_dir / PATH
    with open_output(path) as out:
        out.write(csv_bytes(frame[:ragged], header=True))
        out.write(csv_bytes(frame[ragged : ragged + 1], header=False).rstrip(b"\n") + b",VIP\n")
        out.write(csv_bytes(frame[ragged + 1 :], header=False))
    bad = [
        BadRecord(
            "customers",
            PATH.as_posix(),
            ragged + 2,
            f"ragged row: {len(COLUMNS) + 1} fields, header has {len(COLUMNS)}",
        ),
        BadRecord(
            "customers", PATH.as_posix(), bad_income + 2, 'annual_income is "n/a", not an integer (k$)'
        ),
    ]
    score = frame["spending_score"].to_numpy().astype(float)
    customers = Customers(ids=frame["customer_id"].to_numpy(), order_weight=score / score.sum())
    return DatasetPart([sample_file(out_dir, path, "customers", n)], bad), customers


def _frame(n: int, rng: np.random.Generator) -> pl.DataFrame:
    segment = np.array(list(vocab.SEGMENTS.values()))[
        pick_index(rng, [s[0] for s in vocab.SEGMENTS.values()], n)
    ]
    income = np.clip(rng.normal(segment[:, 1], segment[:, 2]), 15, 140).round().astype(np.int64)
    score = np.clip(rng.normal(segment[:, 3], segment[:, 4]), 1, 100).round().astype(np.int64)
    age = np.clip(rng.normal(segment[:, 5], segment[:, 6]), MIN_AGE, MAX_AGE).round().astype(np.int64)
    birth = _birth_dates(rng, age)
    earliest = np.maximum(SIGNUP_START, birth + np.timedelta64(6575, "D"))  # 18 years
    days = (SIGNUP_END - earliest).astype(np.int64)
    signup = earliest + (rng.random(n) * (days + 1)).astype("timedelta64[D]")

    gender = pick(rng, {g: w for g, (_, w) in vocab.GENDERS.items()}, n)
    first = np.empty(n, dtype=object)
    first_slug = np.empty(n, dtype=object)
    for name, (names, _) in vocab.GENDERS.items():
        mask = gender == name
        index = rng.integers(0, len(names), size=int(mask.sum()))
        first[mask], first_slug[mask] = np.array(names)[index], ascii_slug(names)[index]
    last_index = rng.integers(0, len(vocab.LAST_NAMES), size=n)
    last = np.array(vocab.LAST_NAMES)[last_index]
    ids = np.arange(1, n + 1, dtype=np.int64)
    domain = pick_from(rng, vocab.EMAIL_DOMAINS, n)
    email = concat(
        first_slug.astype(str), ".", ascii_slug(vocab.LAST_NAMES)[last_index], ids.astype(str), "@", domain
    )
    country, city, phone = _places(rng, n)
    tier_names, bounds = zip(*vocab.LOYALTY_TIERS, strict=True)
    noisy_score = np.clip(score + rng.normal(0, 6, n), 1, 100)
    tier = np.array(tier_names)[np.searchsorted(np.array(bounds), noisy_score, side="right")]
    columns = {
        "customer_id": ids, "first_name": first.astype(str), "last_name": last, "email": email, "phone": phone,
        "gender": gender, "birth_date": birth.astype(str), "age": age, "annual_income": income,
        "spending_score": score, "signup_date": signup.astype(str), "country": country, "city": city,
        "loyalty_tier": tier,
    }  # fmt: skip
    return pl.DataFrame({name: columns[name] for name in COLUMNS})


def _birth_dates(rng: np.random.Generator, age: np.ndarray) -> np.ndarray:
    """A birth date that makes ``age`` exact on REFERENCE_DATE (born after the (age+1)th anniversary)."""
    year_start = REFERENCE_DATE.astype("datetime64[Y]")
    years = year_start.astype(np.int64) + 1970
    month_day = REFERENCE_DATE - year_start.astype("datetime64[D]")

    def anniversary(years_ago: np.ndarray) -> np.ndarray:
        return (years - years_ago - 1970).astype("datetime64[Y]").astype("datetime64[D]") + month_day

    latest, earliest = anniversary(age), anniversary(age + 1) + np.timedelta64(1, "D")
    span = (latest - earliest).astype(np.int64) + 1
    return earliest + (rng.random(len(age)) * span).astype("timedelta64[D]")


def _places(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    country = pick(rng, {c: spec[0] for c, spec in vocab.COUNTRIES.items()}, n)
    city = np.empty(n, dtype=object)
    phone = np.empty(n, dtype=object)
    for name, (_, cities, phone_format, width) in vocab.COUNTRIES.items():
        mask = country == name
        count = int(mask.sum())
        prefix, suffix = phone_format.split("{n}")
        city[mask] = pick_from(rng, cities, count)
        phone[mask] = concat(prefix, zero_padded(rng.integers(0, 10**width, size=count), width), suffix)
    return country, city.astype(str), phone.astype(str)
