"""JSON ingest: nesting kept, widening across files, schema evolution recorded, round trip law."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

import lake
from lake.readers.arrow_stage import ROW_GROUP_ROWS
from lake.readers.json_check import arrow_schema, check
from lakehouse.quoting import literal
from lakehouse.settings import Settings
from tests.conftest import LAYOUTS
from tests.lake.conftest import FIXTURES, query, write_lines


@pytest.fixture(params=LAYOUTS)
def lake_layout(request: pytest.FixtureRequest) -> str:
    """Every test here runs on the embedded layout and on the team layout (PostgreSQL + S3, real servers)."""
    return str(request.param)


def test_nested_stays_struct_and_list(settings: Settings) -> None:
    report = lake.ingest(settings, [FIXTURES / "events-01.ndjson"], "events")
    assert report.committed and report.rows_landed == 3
    types = dict(
        query(settings, "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'events'")
    )
    assert types["device"].startswith("STRUCT(")
    assert types["items"].startswith("STRUCT(product_id BIGINT") and types["items"].endswith("[]")
    assert "event_type" in types  # eventType normalized
    assert query(settings, "SELECT source_name FROM lake._columns WHERE column_name = 'event_type'") == [
        ("eventType",)
    ]
    lineage = query(
        settings, "SELECT _source_line, _source_uri LIKE '%events-01.ndjson' FROM lake.events ORDER BY 1"
    )
    assert lineage == [(1, True), (2, True), (3, True)]


def test_form_change_is_recorded_and_old_rows_read_null(settings: Settings) -> None:
    lake.ingest(settings, [FIXTURES / "events-01.ndjson"], "events")
    report = lake.ingest(settings, [FIXTURES / "events-02.ndjson"], "events")
    changes = {(c.column, c.change) for c in report.schema_changes}
    assert {("consent", "added"), ("campaign", "added"), ("device", "widened")} <= changes
    assert query(settings, "SELECT count(*) FROM lake.events WHERE consent IS NULL") == [(3,)]
    assert query(settings, "SELECT device.app_version FROM lake.events WHERE event_id = 4") == [("2.1",)]
    stored = query(settings, "SELECT change FROM lake._schema_changes WHERE column_name = 'consent'")
    assert stored == [("added",)]
    dropped = lake.ingest(
        settings, [write_lines(settings.home.parent / "e3.ndjson", ['{"event_id": 9}'])], "events"
    )
    assert any(c.change == "missing" and c.column == "consent" for c in dropped.schema_changes)


def test_widening_int_to_double_across_files(settings: Settings, tmp_path: Path) -> None:
    a = write_lines(tmp_path / "a.ndjson", ['{"k": 1, "v": 1}'])
    b = write_lines(tmp_path / "b.ndjson", ['{"k": 2, "v": 2.5}'])
    lake.ingest(settings, [a], "w")
    report = lake.ingest(settings, [b], "w")
    assert [(c.column, c.old_type, c.new_type) for c in report.schema_changes if c.change == "widened"] == [
        ("v", "BIGINT", "DOUBLE")
    ]
    assert query(settings, "SELECT v FROM lake.w ORDER BY k") == [(1.0,), (2.5,)]


def test_number_vs_object_kept_as_json_across_batches(settings: Settings, tmp_path: Path) -> None:
    lake.ingest(settings, [write_lines(tmp_path / "a.ndjson", ['{"k": 1, "v": 5}'])], "m")
    report = lake.ingest(
        settings, [write_lines(tmp_path / "b.ndjson", ['{"k": 2, "v": {"x": [1, 2]}}'])], "m"
    )
    assert report.rows_landed == 1
    assert any("kept as JSON" in w for w in report.warnings)
    assert [(c.column, c.change) for c in report.schema_changes] == [("v", "as_json")]
    values = [json.loads(v) for (v,) in query(settings, "SELECT v::VARCHAR FROM lake.m ORDER BY k")]
    assert values == [5, {"x": [1, 2]}]


def test_object_then_number_conflict_is_quarantined(settings: Settings, tmp_path: Path) -> None:
    lake.ingest(settings, [write_lines(tmp_path / "a.ndjson", ['{"k": 1, "v": {"x": 1}}'])], "c")
    report = lake.ingest(settings, [write_lines(tmp_path / "b.ndjson", ['{"k": 2, "v": 7}'])], "c")
    assert (report.rows_landed, report.rows_quarantined) == (0, 1)
    assert "only widens" in (report.files[0].reason or "")
    assert query(settings, "SELECT raw FROM lake._quarantine WHERE dataset = 'c'") == [('{"k":2,"v":7}',)]
    assert query(settings, "SELECT count(*) FROM lake.c") == [(1,)]


def test_top_level_array_and_record_index(settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "arr.json"
    path.write_text(json.dumps([{"a": i, "b": {"c": [i]}} for i in range(5)]))
    report = lake.ingest(settings, [path], "arr")
    assert report.rows_landed == 5
    assert query(settings, "SELECT a, _source_line FROM lake.arr ORDER BY a")[-1] == (4, 5)


def test_a_record_past_duckdbs_object_limit_lands(settings: Settings, tmp_path: Path) -> None:
    # read first with DuckDB's 16 MB object limit (which fails past ~32 MB), then with ours (256 MB)
    blob = "x" * (40 << 20)
    path = write_lines(tmp_path / "huge.ndjson", [json.dumps({"id": 1}), json.dumps({"id": 2, "blob": blob})])
    report = lake.ingest(settings, [path], "huge")
    assert (report.rows_landed, report.rows_quarantined) == (2, 0)
    assert query(settings, "SELECT id, length(blob), _source_line FROM lake.huge ORDER BY id") == [
        (1, None, 1),
        (2, 40 << 20, 2),
    ]


def test_malformed_lines_that_look_whole_are_found_too(settings: Settings, tmp_path: Path) -> None:
    # line 2 is truncated (caught by the cheap line test); line 4 starts with { and ends with },
    # so only the strict read of the cleaned copy can find it, and then every line is checked
    lines = ['{"id": 1}', '{"id": 2, "na', '{"id": 3}', '{"id": 4,, "x": 1}', '{"id": 5}']
    report = lake.ingest(settings, [write_lines(tmp_path / "bad.ndjson", lines)], "bad")
    assert (report.rows_read, report.rows_landed, report.rows_quarantined) == (5, 3, 2)
    assert query(settings, "SELECT id, _source_line FROM lake.bad ORDER BY id") == [(1, 1), (3, 3), (5, 5)]
    assert query(settings, "SELECT source_line, reason FROM lake._quarantine ORDER BY source_line") == [
        (2, "malformed JSON (truncated or invalid)"),
        (4, "malformed JSON (truncated or invalid)"),
    ]


def test_same_files_twice_add_nothing(settings: Settings) -> None:
    first = lake.ingest(settings, [FIXTURES], "events", format="json")
    again = lake.ingest(settings, [FIXTURES / "events-01.ndjson", FIXTURES / "events-02.ndjson"], "events")
    assert first.rows_landed == 5
    assert (again.rows_landed, again.rows_skipped, again.files_skipped) == (0, 5, 2)
    assert again.rows_read == again.rows_landed + again.rows_quarantined + again.rows_skipped
    assert query(settings, "SELECT count(*) FROM lake.events") == [(5,)]


# --- round trip: random nested documents come back unchanged -----------------------------------
NAMES = st.from_regex(r"[a-z](?:[a-z0-9]|_[a-z0-9]){0,5}", fullmatch=True)
SCALARS = {
    "int": st.integers(-(2**63), 2**63 - 1),
    "float": st.floats(allow_nan=False, allow_infinity=False, width=64),
    "bool": st.booleans(),
    "text": st.text(st.characters(blacklist_categories=("Cs",)), max_size=12).filter(
        lambda t: "-" not in t and ":" not in t
    ),
}
SHAPES = st.recursive(
    st.sampled_from(sorted(SCALARS)),
    lambda inner: st.one_of(
        # nested keys: any text but control characters (DuckDB cannot declare a STRUCT field with a NUL)
        st.dictionaries(
            st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=6),
            inner,
            min_size=1,
            max_size=3,
        ).map(lambda d: ("obj", d)),
        inner.map(lambda s: ("list", s)),
    ),
    max_leaves=6,
)


def _value(shape: Any) -> st.SearchStrategy[Any]:
    if isinstance(shape, str):
        return st.one_of(st.none(), SCALARS[shape])
    kind, inner = shape
    if kind == "list":
        return st.lists(_value(inner), min_size=1, max_size=3)
    return st.fixed_dictionaries({k: _value(v) for k, v in inner.items()})


@st.composite
def documents(draw: st.DrawFn) -> list[dict[str, Any]]:
    schema = draw(st.dictionaries(NAMES, SHAPES, min_size=1, max_size=4))
    record = st.fixed_dictionaries({k: _value(v) for k, v in schema.items()})
    return draw(st.lists(record, min_size=1, max_size=5))


_datasets = itertools.count()


@hsettings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@example(docs=[{"a": [None]}])  # DuckLake cannot read such a list back from inlined rows: inlining is off
@given(docs=documents())
def test_round_trip(settings: Settings, tmp_path: Path, docs: list[dict[str, Any]]) -> None:
    dataset = f"rt{next(_datasets)}"
    path = write_lines(tmp_path / f"{dataset}.ndjson", [json.dumps(d) for d in docs])
    report = lake.ingest(settings, [path], dataset)
    assert report.rows_landed == len(docs), report
    columns = ", ".join(f'"{k}" := "{k}"' for k in docs[0])
    rows = query(
        settings, f"SELECT to_json(struct_pack({columns}))::VARCHAR FROM lake.{dataset} ORDER BY _source_line"
    )
    assert [json.loads(r[0]) for r in rows] == docs


# --- nothing after the type-detection sample (20,480 records) is dropped or rounded ----------------

LATE = 24_000  # the record that differs, well past DuckDB's default detection sample


def _late_file(path: Path, late: dict[str, Any], usual: dict[str, Any] | None = None) -> Path:
    lines = [json.dumps({"k": i, **(usual or {}), **(late if i == LATE else {})}) for i in range(1, 25_001)]
    return write_lines(path, lines)


def test_a_key_first_seen_after_the_sample_lands_as_a_column(settings: Settings, tmp_path: Path) -> None:
    report = lake.ingest(settings, [_late_file(tmp_path / "late.ndjson", {"late_key": "here"})], "late")
    assert report.rows_landed == 25_000
    assert query(settings, "SELECT k FROM lake.late WHERE late_key = 'here'") == [(LATE,)]


def test_a_decimal_after_the_sample_widens_an_integer_field(settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "wide.ndjson"
    lines = [json.dumps({"k": i, "v": 1.5 if i == LATE else i}) for i in range(1, 25_001)]
    lake.ingest(settings, [write_lines(path, lines)], "wide")
    types = dict(
        query(settings, "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'wide'")
    )
    assert types["v"] == "DOUBLE"
    assert query(settings, "SELECT v FROM lake.wide WHERE k = ?", [LATE]) == [(1.5,)]


def test_a_struct_field_first_seen_after_the_sample_is_kept(settings: Settings, tmp_path: Path) -> None:
    path = _late_file(
        tmp_path / "nested.ndjson", {"device": {"os": "x", "extra": 7}}, {"device": {"os": "x"}}
    )
    lake.ingest(settings, [path], "nested")
    assert query(settings, "SELECT device.extra FROM lake.nested WHERE k = ?", [LATE]) == [(7,)]


def test_a_decimal_in_a_field_the_user_declared_integer_is_not_rounded(
    settings: Settings, tmp_path: Path
) -> None:
    path = write_lines(tmp_path / "forced.ndjson", ['{"k": 1, "v": 1}', '{"k": 2, "v": 2.5}'])
    report = lake.ingest(settings, [path], "forced", schema={"v": "BIGINT"})
    assert report.rows_landed == 0  # the file is rejected with the reason, not landed rounded
    reasons = query(settings, "SELECT reason FROM lake._quarantine WHERE batch_id = ?", [report.batch_id])
    assert len(reasons) == 1 and "declared BIGINT but holds decimals" in reasons[0][0]


# --- the sampled types are proven for every record (lake.readers.json_check) ----------------------
# Real-world-shaped events: each case changes one thing only after DuckDB's 20,480-record type sample.
# With the proof switched off each lands lossy (rounded, stringified, cut, dropped), measured.

EVENTS = 22_000
CHANGE_AT = 20_481  # the first record after the sample


def _event(i: int) -> dict[str, Any]:
    return {
        "event_id": i,
        "ts": f"2026-04-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00",
        "device": {"os": "android" if i % 3 else "ios", "app_version": f"2.{i % 7}"},
        "items": [{"sku": f"P{i % 97:03d}", "qty": 1 + i % 3}],
        "price": 10 + i % 90,
        "zip": f"{10115 + i % 50}",
        "gift": i % 5 == 0,
    }


def _events(path: Path, changes: dict[int, dict[str, Any]]) -> Path:
    lines = [json.dumps(_event(i) | changes.get(i, {})) for i in range(1, EVENTS + 1)]
    return write_lines(path, lines)


def _column_type(settings: Settings, table: str, column: str) -> str:
    rows = query(
        settings,
        "SELECT data_type FROM duckdb_columns() WHERE table_name = ? AND column_name = ?",
        [table, column],
    )
    return str(rows[0][0])


def test_a_key_first_seen_after_record_20000_lands(settings: Settings, tmp_path: Path) -> None:
    path = _events(tmp_path / "coupon.ndjson", {CHANGE_AT + 7: {"coupon": {"code": "SPRING", "percent": 15}}})
    report = lake.ingest(settings, [path], "ev")
    assert report.rows_landed == EVENTS
    assert query(settings, "SELECT event_id, coupon.code FROM lake.ev WHERE coupon IS NOT NULL") == [
        (CHANGE_AT + 7, "SPRING")
    ]


def test_int_then_float_then_string_late_is_kept_verbatim(settings: Settings, tmp_path: Path) -> None:
    changes = {CHANGE_AT: {"price": 12.75}, CHANGE_AT + 500: {"price": "on request"}}
    report = lake.ingest(settings, [_events(tmp_path / "price.ndjson", changes)], "ev")
    assert report.rows_landed == EVENTS
    assert _column_type(settings, "ev", "price") == "JSON"  # number and text meet at JSON: kept as written
    late = query(
        settings,
        "SELECT price::VARCHAR FROM lake.ev WHERE event_id IN (?, ?) ORDER BY event_id",
        [CHANGE_AT, CHANGE_AT + 500],
    )
    assert late == [("12.75",), ('"on request"',)]


def test_an_int_field_turning_float_late_is_widened_not_rounded(settings: Settings, tmp_path: Path) -> None:
    lake.ingest(settings, [_events(tmp_path / "float.ndjson", {CHANGE_AT + 1: {"price": 12.75}})], "ev")
    assert _column_type(settings, "ev", "price") == "DOUBLE"
    assert query(settings, "SELECT price FROM lake.ev WHERE event_id = ?", [CHANGE_AT + 1]) == [(12.75,)]


def test_a_nested_struct_gaining_a_field_late_keeps_it(settings: Settings, tmp_path: Path) -> None:
    late = {"device": {"os": "android", "app_version": "3.0", "screen": {"w": 1080, "h": 2400}}}
    lake.ingest(settings, [_events(tmp_path / "screen.ndjson", {CHANGE_AT + 3: late})], "ev")
    assert query(settings, "SELECT device.screen.w FROM lake.ev WHERE device.screen IS NOT NULL") == [(1080,)]


def test_a_list_element_gaining_a_field_late_keeps_it(settings: Settings, tmp_path: Path) -> None:
    late = {"items": [{"sku": "P001", "qty": 2, "discount": 0.5}]}
    lake.ingest(settings, [_events(tmp_path / "discount.ndjson", {EVENTS: late})], "ev")
    assert query(settings, "SELECT items[1].discount FROM lake.ev WHERE event_id = ?", [EVENTS]) == [(0.5,)]


def test_a_decimal_beyond_double_precision_late_is_not_cut_to_an_integer(
    settings: Settings, tmp_path: Path
) -> None:
    price = "1234.56789012345678901234567890"  # more digits than a double holds: the nearest double lands
    line = json.dumps(_event(CHANGE_AT + 9) | {"price": "PRICE"}).replace('"PRICE"', price)
    lines = [json.dumps(_event(i)) for i in range(1, EVENTS + 1)]
    lines[CHANGE_AT + 8] = line
    lake.ingest(settings, [write_lines(tmp_path / "precise.ndjson", lines)], "ev")
    assert _column_type(settings, "ev", "price") == "DOUBLE"
    assert query(settings, "SELECT price FROM lake.ev WHERE event_id = ?", [CHANGE_AT + 9]) == [
        (float(price),)
    ]


def test_a_number_in_a_text_field_late_is_not_turned_into_text(settings: Settings, tmp_path: Path) -> None:
    lake.ingest(settings, [_events(tmp_path / "zip.ndjson", {CHANGE_AT + 2: {"zip": 10117}})], "ev")
    assert _column_type(settings, "ev", "zip") == "JSON"
    assert query(settings, "SELECT zip::VARCHAR FROM lake.ev WHERE event_id = ?", [CHANGE_AT + 2]) == [
        ("10117",)
    ]


def test_a_number_in_a_boolean_field_late_is_not_read_as_true(settings: Settings, tmp_path: Path) -> None:
    lake.ingest(settings, [_events(tmp_path / "gift.ndjson", {CHANGE_AT + 4: {"gift": 2}})], "ev")
    assert _column_type(settings, "ev", "gift") == "JSON"
    assert query(settings, "SELECT gift::VARCHAR FROM lake.ev WHERE event_id = ?", [CHANGE_AT + 4]) == [
        ("2",)
    ]


def test_a_timestamp_with_an_offset_late_is_not_cut(settings: Settings, tmp_path: Path) -> None:
    late = {"ts": "2026-04-30T23:30:00+02:00"}
    lake.ingest(settings, [_events(tmp_path / "ts.ndjson", {CHANGE_AT + 5: late})], "ev")
    assert _column_type(settings, "ev", "ts") == "VARCHAR"  # two shapes: kept as written
    assert query(settings, "SELECT ts FROM lake.ev WHERE event_id = ?", [CHANGE_AT + 5]) == [(late["ts"],)]


def test_the_sampled_types_land_the_same_table_as_types_from_every_record(
    settings: Settings, tmp_path: Path
) -> None:
    """The same events as NDJSON (sampled types, proven) and as a JSON array (every record detected)."""
    records = [_event(i) for i in range(1, EVENTS + 1)]
    ndjson = write_lines(tmp_path / "fast.ndjson", [json.dumps(r) for r in records])
    array = tmp_path / "slow.json"
    array.write_text(json.dumps(records), encoding="utf-8")
    sampled = duckdb.sql(f"SELECT * FROM read_json({literal(str(ndjson))}) LIMIT 0")
    proof = arrow_schema(dict(zip(sampled.columns, sampled.types, strict=True)))
    assert proof is not None and check(str(ndjson), None, *proof) is None  # the NDJSON takes the fast path
    lake.ingest(settings, [ndjson], "fast")
    lake.ingest(settings, [array], "slow")
    types = "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index"
    assert query(settings, types, ["fast"]) == query(settings, types, ["slow"])
    rows = "SELECT * EXCLUDE (_source_uri, _batch_id, _ingested_at) FROM lake.{} ORDER BY _source_line"
    assert query(settings, rows.format("fast")) == query(settings, rows.format("slow"))


def test_text_that_is_not_utf8_after_the_sample_is_quarantined_not_landed(
    settings: Settings, tmp_path: Path
) -> None:
    """pyarrow's parse lets bytes that are not UTF-8 through inside a string; they must not reach Parquet."""
    lines: list[str | bytes] = [json.dumps({"event": i, "name": f"n{i}"}) for i in range(1, EVENTS + 1)]
    lines[CHANGE_AT] = f'{{"event": {CHANGE_AT + 1}, "name": "caf\xe9"}}'.encode("latin-1")
    report = lake.ingest(settings, [write_lines(tmp_path / "latin.ndjson", lines)], "enc")
    assert (report.rows_landed, report.rows_quarantined) == (EVENTS - 1, 1)
    reasons = query(settings, "SELECT source_line, reason FROM lake._quarantine WHERE dataset = 'enc'")
    assert reasons == [(CHANGE_AT + 1, "invalid UTF-8: the line is not valid UTF-8 text")]


def test_a_file_of_several_row_groups_keeps_each_records_line_and_values(
    settings: Settings, tmp_path: Path
) -> None:
    """More records than one staged row group: the lineage and the cast temporal leaves stay with their record."""
    n = ROW_GROUP_ROWS + 1_000
    lines = [
        json.dumps(
            {"k": i, "on_day": f"2026-01-{1 + i % 28:02d}", "seen": [f"2026-02-01T00:{i % 60:02d}:00"]}
        )
        for i in range(1, n + 1)
    ]
    report = lake.ingest(settings, [write_lines(tmp_path / "many.ndjson", lines)], "many")
    assert report.rows_landed == n and _column_type(settings, "many", "on_day") == "DATE"
    wrong = query(
        settings,
        "SELECT count(*) FROM lake.many WHERE _source_line <> k OR day(on_day) <> 1 + k % 28 "
        "OR minute(seen[1]) <> k % 60",
    )
    assert wrong == [(0,)]
