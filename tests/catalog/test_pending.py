"""Pending updates (catalog.pending, catalog.overlay): durable and searchable before the index catches up."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from catalog import index, pending, store
from catalog.compile import compile_node
from catalog.model import ColumnRecord, DatasetRecord
from catalog.overlay import FIELD_NORMS, Stats, quantized_length, score
from catalog.query import parse
from catalog.search import search
from catalog.show import show
from catalog.write import update
from lakehouse.settings import load_settings
from tests.catalog.conftest import StaticView, fixture_records
from tests.catalog.test_ranking import CASES

QUERIES = [c["query"] for c in CASES] + [
    "segmnt",
    "customers -layer=raw",
    "-raw",
    "updated>2020-01-01 orders",
    "customer emial loyalty",  # free words: MOST, a typo, a partial word
    "cust spending type=table",
]


def _copy(fixture_catalog: Path, tmp_path: Path) -> Path:
    catalog_dir = tmp_path / "catalog"
    shutil.copytree(fixture_catalog, catalog_dir)
    return catalog_dir


def _build(catalog_dir: Path, records: list[DatasetRecord]) -> Path:
    con = store.connect(catalog_dir)
    store.replace_all(con, records, [], [])
    con.close()
    index.replace_all(catalog_dir, records)
    return catalog_dir


def _update(catalog_dir: Path, records: list[DatasetRecord], removed: tuple[str, ...] = ()) -> None:
    con = store.connect(catalog_dir)
    try:
        with store.writer_lock(catalog_dir):
            update(con, catalog_dir, records, [], [], via=(), removed=removed)
    finally:
        con.close()


def _ranked(catalog_dir: Path, query: str) -> list[tuple[str, int, str | None]]:
    """Hits in rank order; exact ties (same tier, score and name length) in name order."""
    hits = search(catalog_dir, query, limit=50).hits
    ordered = sorted(
        hits, key=lambda h: (-h.tier, -h.score, len(h.name.rsplit(".", 1)[-1]), h.name, h.column)
    )
    return [(h.name, h.tier, h.column) for h in ordered]


def _pending_count(catalog_dir: Path) -> int:
    con = store.connect(catalog_dir)
    try:
        return pending.count(con)
    finally:
        con.close()


def _changed() -> tuple[list[DatasetRecord], DatasetRecord]:
    """The fixture with lake.orders changed (description, a new column) and a new dataset."""
    records = fixture_records()
    orders = next(r for r in records if r.name == "lake.orders")
    column = ColumnRecord("coupon_code", "VARCHAR", len(orders.columns) + 1, "voucher used at checkout")
    orders = dataclasses.replace(
        orders, description="Orders with vouchers, placed on the web", columns=(*orders.columns, column)
    )
    added = DatasetRecord(
        "main.fct_vouchers", "table", "mart", "fixture", "Voucher redemptions per order and customer",
        "sales", ("finance",), (ColumnRecord("voucher_id", "BIGINT", 1), ColumnRecord("order_id", "BIGINT", 2)),
        row_count=5, updated_at=orders.updated_at, quality=orders.quality,
    )  # fmt: skip
    return [orders if r.name == "lake.orders" else r for r in records] + [added], added


def test_field_length_quantization_matches_tantivy() -> None:
    assert FIELD_NORMS[:42] == [*range(41), 42] and FIELD_NORMS[49:51] == [60, 64] and len(FIELD_NORMS) == 256
    assert [quantized_length(n) for n in (40, 41, 43, 59, 61, 1000)] == [40, 40, 42, 56, 60, 984]


@pytest.mark.parametrize("query", QUERIES)
def test_overlay_scores_every_document_as_tantivy_does(fixture_catalog: Path, query: str) -> None:
    """The Python scorer agrees with tantivy on which documents match and on their scores."""
    root = parse(query).searched
    searcher = index.open_index(fixture_catalog).searcher()  # type: ignore[union-attr]
    expected = {
        searcher.doc(addr)["id"][0]: value for value, addr in searcher.search(compile_node(root), 100).hits
    }
    stats = Stats(searcher)
    got = {}
    for record in fixture_records():
        value = score(root, index.fields(record), stats)
        if value is not None:
            got[record.name.lower()] = value
    assert got.keys() == expected.keys()
    for name, value in expected.items():
        assert got[name] == pytest.approx(value, rel=1e-5), name


def test_a_pending_update_ranks_as_after_a_full_refresh(fixture_catalog: Path, tmp_path: Path) -> None:
    records, added = _changed()
    catalog_dir = _copy(fixture_catalog, tmp_path)
    meta = (index.index_dir(catalog_dir) / "meta.json").read_bytes()
    _update(catalog_dir, [r for r in records if r.name in ("lake.orders", added.name)])
    assert _pending_count(catalog_dir) == 2
    assert (index.index_dir(catalog_dir) / "meta.json").read_bytes() == meta, "no index commit on update"
    rebuilt = _build(tmp_path / "rebuilt", records)
    for query in [
        *QUERIES,
        "voucher",
        "vouchers",
        "coupon_code",
        "column:coupon*",
        "fct_vouchers",
        "type=column",
    ]:
        assert _ranked(catalog_dir, query) == _ranked(rebuilt, query), query
    assert search(catalog_dir, "coupon_code").hits[0].name == "lake.orders"
    assert search(catalog_dir, "fct_vouchers").hits[0].tier == 2


def test_show_sees_a_pending_update_at_once(fixture_catalog: Path, tmp_path: Path) -> None:
    records, added = _changed()
    catalog_dir = _copy(fixture_catalog, tmp_path)
    _update(catalog_dir, [added])
    settings = load_settings({"home": tmp_path})
    assert settings.catalog_dir == catalog_dir
    assert [c.name for c in show(settings, "fct_vouchers").dataset.columns] == ["voucher_id", "order_id"]


def test_removed_and_renamed_datasets_disappear(fixture_catalog: Path, tmp_path: Path) -> None:
    catalog_dir = _copy(fixture_catalog, tmp_path)
    orders = next(r for r in fixture_records() if r.name == "lake.orders")
    assert search(catalog_dir, "payments").hits[0].name == "lake.payments"
    _update(
        catalog_dir,
        [dataclasses.replace(orders, name="lake.purchases")],
        removed=("lake.orders", "lake.payments"),
    )
    for query in ("orders", "lake.orders", "payments", "type=table", "type=column order_id"):
        names = {h.name for h in search(catalog_dir, query, limit=100).hits}
        assert not names & {"lake.orders", "lake.payments"}, query
    assert search(catalog_dir, "purchases").hits[0].name == "lake.purchases"
    assert search(catalog_dir, "name=lake.orders").total == 0


def test_a_crash_before_or_during_the_fold_loses_nothing(fixture_catalog: Path, tmp_path: Path) -> None:
    """Pending rows are the durable record: a fold that committed the index but died before forgetting
    them is harmless (searched once, not twice) and the next writer folds them again."""
    records, added = _changed()
    catalog_dir = _copy(fixture_catalog, tmp_path)
    _update(catalog_dir, [added])
    con = store.connect(catalog_dir)
    index.apply(catalog_dir, pending.read(con).documents.items())  # the fold's commit; "crash" before forget
    assert _pending_count(catalog_dir) == 1
    assert [h.name for h in search(catalog_dir, "vouchers", limit=50).hits].count(added.name) == 1
    with store.writer_lock(catalog_dir):
        assert pending.fold(con, catalog_dir) == 1
    con.close()
    assert _pending_count(catalog_dir) == 0
    assert search(catalog_dir, "fct_vouchers").hits[0].name == added.name


def test_writers_fold_in_batches(fixture_catalog: Path, tmp_path: Path) -> None:
    catalog_dir = _copy(fixture_catalog, tmp_path)
    orders = next(r for r in fixture_records() if r.name == "lake.orders")
    for i in range(pending.FOLD_AT + 1):
        _update(catalog_dir, [dataclasses.replace(orders, name=f"lake.orders_{i}")])
    assert _pending_count(catalog_dir) == 0
    searcher = index.open_index(catalog_dir).searcher()  # type: ignore[union-attr]
    assert searcher.num_docs == len(fixture_records()) + pending.FOLD_AT + 1


def test_a_full_refresh_forgets_pending_changes(fixture_catalog: Path, tmp_path: Path) -> None:
    records, added = _changed()
    catalog_dir = _copy(fixture_catalog, tmp_path)
    _update(catalog_dir, [added])
    con = store.connect(catalog_dir)
    with store.writer_lock(catalog_dir):
        last = pending.rebase(con, records)
        store.replace_all(con, records, [], [])
        index.replace_all(catalog_dir, records)
        pending.forget(con, last)
    con.close()
    assert _pending_count(catalog_dir) == 0
    assert search(catalog_dir, "fct_vouchers").hits[0].name == added.name


UPDATER = """
import dataclasses, sys, time
from pathlib import Path
from catalog import store
from catalog.write import update
from tests.catalog.conftest import fixture_records
catalog_dir, count = Path(sys.argv[1]), int(sys.argv[2])
orders = next(r for r in fixture_records() if r.name == "lake.orders")
con = store.connect(catalog_dir)
for i in range(count):
    changed = [dataclasses.replace(orders, row_count=i), dataclasses.replace(orders, name=f"lake.extra_{i}")]
    with store.writer_lock(catalog_dir):
        update(con, catalog_dir, changed, [], [], via=())
    time.sleep(0.005)
"""


@pytest.mark.slow
def test_search_while_another_process_updates_and_folds(fixture_catalog: Path, tmp_path: Path) -> None:
    """Every search sees each dataset exactly once, and never loses one, while updates fold in batches."""
    catalog_dir = _copy(fixture_catalog, tmp_path)
    root = Path(__file__).resolve().parents[2]
    count = 2 * pending.FOLD_AT + 10
    child = subprocess.Popen([sys.executable, "-c", UPDATER, str(catalog_dir), str(count)],
                             env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"}, cwd=root,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    seen, searches, finished = 0, 0, False
    while not (finished and searches >= 20):  # the last search starts after the updater has exited
        finished = child.poll() is not None
        names = [h.name for h in search(catalog_dir, "orders", limit=200).hits]
        assert names.count("lake.orders") == 1
        extra = search(catalog_dir, "extra*", limit=200)
        assert len({h.name for h in extra.hits}) == len(extra.hits) == extra.total >= seen
        seen, searches = extra.total, searches + 1
    _, err = child.communicate()
    assert child.returncode == 0, err
    assert seen == count and _pending_count(catalog_dir) <= pending.FOLD_AT
    assert search(catalog_dir, "name=lake.orders").hits[0].rows == count - 1


def test_access_rules_apply_to_pending_datasets(fixture_catalog: Path, tmp_path: Path) -> None:
    records, added = _changed()
    catalog_dir = _copy(fixture_catalog, tmp_path)
    _update(catalog_dir, [r for r in records if r.name in ("lake.orders", added.name)])

    view = StaticView(frozenset({added.name}), frozenset({("lake.orders", "coupon_code")}))

    assert added.name in {h.name for h in search(catalog_dir, "vouchers", limit=50).hits}
    assert added.name not in {h.name for h in search(catalog_dir, "vouchers", limit=50, view=view).hits}
    assert "lake.orders" not in {h.name for h in search(catalog_dir, "coupon_code", view=view).hits}
    assert search(catalog_dir, "lake.orders", view=view).hits[0].name == "lake.orders"
