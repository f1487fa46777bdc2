"""lake.sample: layout and columns, determinism, the deliberately bad records, scaling, and the CLI."""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from lake.sample import MARKER, SampleReport, generate
from lakehouse.cli import cli, main
from lakehouse.errors import UsageError

CUSTOMER_COLUMNS = [
    "customer_id", "first_name", "last_name", "email", "phone", "gender", "birth_date", "age", "annual_income",
    "spending_score", "signup_date", "country", "city", "loyalty_tier",
]  # fmt: skip
PRODUCT_COLUMNS = ["product_id", "sku", "name", "category", "brand", "list_price", "image_file"]
ORDER_COLUMNS = [
    "order_id", "customer_id", "product_id", "order_time", "quantity", "unit_price", "discount", "status",
    "channel",
]  # fmt: skip
EVENT_FIELDS = [
    "event_id",
    "event_type",
    "event_time",
    "customer_id",
    "session_id",
    "device",
    "page",
    "items",
]
SMALL = 0.2


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> SampleReport:
    return generate(tmp_path_factory.mktemp("sample") / "out", scale=SMALL, seed=7)


def digests(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def read_csv(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def event_lines(path: Path) -> list[str]:
    data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    return data.decode("utf-8").splitlines()


def test_layout_matches_the_contract(sample: SampleReport) -> None:
    paths = {f.path for f in sample.files}
    assert {
        "customers/customers.csv",
        "products/products.csv",
        "orders/orders-001.csv",
        "orders/orders-002.csv",
    } <= paths
    months = [f"events/events-2026-0{m}.ndjson" for m in (1, 2, 3, 4, 6)] + [
        "events/events-2026-05.ndjson.gz"
    ]
    assert set(months) <= paths
    images = sorted(p for p in paths if p.startswith("images/"))
    assert any(p.endswith(".jpg") for p in images) and any(p.endswith(".png") for p in images)
    assert "images/product_corrupt.jpg" in images
    on_disk = {p.relative_to(sample.out_dir).as_posix() for p in sample.out_dir.rglob("*") if p.is_file()}
    assert on_disk == paths | {MARKER}
    assert sample.bytes == sum((sample.out_dir / p).stat().st_size for p in paths)


def test_csv_columns_and_references(sample: SampleReport) -> None:
    customers = read_csv(sample.out_dir / "customers/customers.csv")
    products = read_csv(sample.out_dir / "products/products.csv")
    orders = [
        row for f in ("orders-001.csv", "orders-002.csv") for row in read_csv(sample.out_dir / "orders" / f)
    ]
    assert customers[0] == CUSTOMER_COLUMNS and products[0] == PRODUCT_COLUMNS and orders[0] == ORDER_COLUMNS
    assert len(customers) - 1 == sample.rows["customers"]
    customer_ids = {row[0] for row in customers[1:]}
    product_ids = {row[0] for row in products[1:]}
    body = [row for row in orders if row != ORDER_COLUMNS]
    assert len(body) == sample.rows["orders"]
    assert {row[1] for row in body} <= customer_ids and {row[2] for row in body} <= product_ids
    assert {row[7] for row in body} <= {"placed", "shipped", "delivered", "cancelled", "returned"}
    assert {row[8] for row in body} <= {"web", "app", "store"}
    assert all(0 <= float(row[6]) <= 0.3 for row in body)
    images = {row[6] for row in products[1:] if row[6]}
    assert {f"images/{name}" for name in images} == {
        f.path for f in sample.files if f.dataset == "images"
    } - {"images/product_corrupt.jpg"}


def test_customer_values_are_consistent(sample: SampleReport) -> None:
    rows = [
        dict(zip(CUSTOMER_COLUMNS, row, strict=False))
        for row in read_csv(sample.out_dir / "customers/customers.csv")[1:]
    ]
    good = [row for row in rows if row["annual_income"] != "n/a"]
    assert all(1 <= int(row["spending_score"]) <= 100 for row in good)
    assert {row["loyalty_tier"] for row in good} <= {"bronze", "silver", "gold", "platinum"}
    for row in good:  # age is exact on the reference date 2026-07-01
        year, month, day = (int(part) for part in row["birth_date"].split("-"))
        assert int(row["age"]) == 2026 - year - ((month, day) > (7, 1))
        assert row["signup_date"] <= "2025-12-31" and row["phone"].startswith("+") and "@" in row["email"]


def test_events_are_nested_and_the_form_changes_in_april(sample: SampleReport) -> None:
    for f in (f for f in sample.files if f.dataset == "events"):
        lines = event_lines(sample.out_dir / f.path)
        assert len(lines) == f.rows
        records = [json.loads(line) for line in lines if _is_json(line)]
        april_on = f.path >= "events/events-2026-04"
        for record in records:
            assert list(record)[:8] == EVENT_FIELDS
            assert ("consent" in record and "campaign" in record) == april_on
            assert (record["device"]["app_version"] is None) == (record["device"]["type"] == "web")
            assert (record["items"] == []) == (record["event_type"] in ("page_view", "search"))
        anonymous = sum(record["customer_id"] is None for record in records) / len(records)
        assert 0.15 < anonymous < 0.45


def _is_json(line: str) -> bool:
    try:
        json.loads(line)
    except json.JSONDecodeError:
        return False
    return True


def test_bad_records_are_where_the_report_says(sample: SampleReport) -> None:
    bad = {(b.dataset, b.path): b for b in sample.bad_records}
    assert len(sample.bad_records) == 5
    customers = (sample.out_dir / "customers/customers.csv").read_text(encoding="utf-8").splitlines()
    ragged, income = (b for b in sample.bad_records if b.dataset == "customers")
    assert ragged.line and len(next(csv.reader([customers[ragged.line - 1]]))) == len(CUSTOMER_COLUMNS) + 1
    assert "ragged" in ragged.problem
    assert (
        income.line and next(csv.reader([customers[income.line - 1]]))[8] == "n/a" and "n/a" in income.problem
    )
    widths = {len(row) for i, row in enumerate(csv.reader(customers), 1) if i != ragged.line}
    assert widths == {len(CUSTOMER_COLUMNS)}

    order = bad["orders", "orders/orders-001.csv"]
    lines = (sample.out_dir / order.path).read_text(encoding="utf-8").splitlines()
    assert order.line and "2026-13-45T00:00:00Z" in lines[order.line - 1] and "2026-13-45" in order.problem
    assert sum("2026-13-45" in line for line in lines) == 1

    event = bad["events", "events/events-2026-02.ndjson"]
    lines = event_lines(sample.out_dir / event.path)
    assert event.line and not _is_json(lines[event.line - 1]) and "truncated" in event.problem
    assert (
        sum(
            not _is_json(line)
            for f in sample.files
            if f.dataset == "events"
            for line in event_lines(sample.out_dir / f.path)
        )
        == 1
    )

    image = bad["images", "images/product_corrupt.jpg"]
    assert image.line is None and "corrupt" in image.problem
    with pytest.raises(OSError, match="(?i)truncated|cannot identify"):
        Image.open(sample.out_dir / image.path).load()
    assert sample.good_rows("customers") == sample.rows["customers"] - 2


def test_images_carry_exif(sample: SampleReport) -> None:
    pictures = [
        sample.out_dir / f.path for f in sample.files if f.dataset == "images" and "corrupt" not in f.path
    ]
    with_gps = 0
    for path in pictures:
        with Image.open(path) as picture:
            exif = picture.getexif()
            assert picture.format == ("PNG" if path.suffix == ".png" else "JPEG")
            assert all(64 <= side <= 256 for side in picture.size)
            assert exif[0x010F] and exif[0x0110] and exif[0x0112] in (1, 3, 6, 8)
            assert exif.get_ifd(0x8769)[0x9003].startswith("2025:")
            gps = exif.get_ifd(0x8825)
            if gps:
                with_gps += 1
                assert gps[1] in ("N", "S") and gps[3] in ("E", "W") and len(gps[2]) == 3
    assert 0 < with_gps < len(pictures)


def test_same_seed_gives_identical_files_and_another_seed_different_ones(
    tmp_path: Path, sample: SampleReport
) -> None:
    again = generate(tmp_path / "again", scale=SMALL, seed=7)
    assert digests(again.out_dir) == digests(sample.out_dir)
    other = digests(generate(tmp_path / "other", scale=SMALL, seed=8).out_dir)
    shared = other.keys() & digests(sample.out_dir).keys() - {"images/product_corrupt.jpg"}  # a header only
    assert "customers/customers.csv" in shared
    assert all(other[path] != digest for path, digest in digests(sample.out_dir).items() if path in shared)


def test_scale_changes_row_counts(tmp_path: Path, sample: SampleReport) -> None:
    smaller = generate(tmp_path / "small", scale=SMALL / 2, seed=7)
    for dataset in ("customers", "products", "orders", "events"):
        assert smaller.rows[dataset] == pytest.approx(sample.rows[dataset] / 2, rel=0.02)
    assert smaller.rows["images"] < sample.rows["images"]


def test_regenerating_replaces_a_previous_sample(tmp_path: Path) -> None:
    out = tmp_path / "out"
    generate(out, scale=0.1)
    (out / "orders" / "orders-999.csv").write_text("stale\n")
    (out / "notes.txt").write_text("mine\n")
    generate(out, scale=0.1)
    assert not (out / "orders" / "orders-999.csv").exists() and (out / "notes.txt").read_text() == "mine\n"


def test_refuses_a_directory_that_is_not_a_sample(tmp_path: Path) -> None:
    (tmp_path / "precious.txt").write_text("keep me\n")
    with pytest.raises(UsageError, match="is not empty and does not look like a sample"):
        generate(tmp_path, scale=0.1)
    generate(tmp_path, scale=0.1, force=True)
    assert (tmp_path / "precious.txt").read_text() == "keep me\n" and (tmp_path / MARKER).is_file()


@pytest.mark.parametrize("scale", [0, -1, float("nan"), float("inf")])
def test_rejects_a_bad_scale(tmp_path: Path, scale: float) -> None:
    with pytest.raises(UsageError, match="is not a positive number"):
        generate(tmp_path / "out", scale=scale)


def test_cli_json_report(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["sample", "--out", str(tmp_path / "out"), "--scale", "0.1", "--seed", "3", "--json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["seed"] == 3 and report["scale"] == 0.1
    assert set(report["rows"]) == {"customers", "products", "orders", "events", "images"}
    assert {bad["dataset"] for bad in report["bad_records"]} == {"customers", "orders", "events", "images"}
    manifest = json.loads((tmp_path / "out" / MARKER).read_text())
    assert manifest == {key: value for key, value in report.items() if key != "out_dir"}


def test_cli_refuses_a_non_sample_directory_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "precious.txt").write_text("keep me\n")
    with pytest.raises(SystemExit, match="^2$"):
        main(["sample", "--out", str(tmp_path)])
    assert "does not look like a sample" in capsys.readouterr().err
