"""The one-parse JSON path (pyarrow's proven batches written by DuckDB) lands exactly what the path
with types detected from every record lands.

The same records go in twice: as NDJSON (the one-parse path, when the sampled types are proven) and
as a top-level JSON array (always the path that detects types from every record and reads with
DuckDB's own parser). Types and values (lineage included) must be equal. The records are public data
shipped in an installed PyPI package (vega_datasets, BSD-3-Clause) and edge files written here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest
import vega_datasets

import lake
from lake.readers.json_check import arrow_schema, check
from lake.types import storable
from lakehouse.quoting import literal
from lakehouse.settings import Settings
from tests.lake.conftest import query, write_lines

VEGA = Path(vega_datasets.__file__).parent / "_data"
PUBLIC = ["cars.json", "ohlc.json", "crimea.json", "driving.json", "barley.json", "burtin.json", "wheat.json"]
SAMPLE = 20_480


def _edge_record(i: int) -> dict[str, Any]:
    """Values whose text a second parser could read differently: unicode, escapes, big and small
    numbers, nulls at every level, nested lists of structs, dates, timestamps and times."""
    return {
        "id": i,
        "big": [9223372036854775807, -9223372036854775808, 0][i % 3],
        "ratio": [0.1, -0.0, 1.7976931348623157e308, 5e-324, 12345678901234567890123.0, None][i % 6],
        "text": ["café ☕ 😀", 'tab\tnew\nline "q" \\', "\u0000nul", "", None, "naïve \u2028"][i % 6],
        "flag": [True, False, None][i % 3],
        "day": f"20{i % 30:02d}-{1 + i % 12:02d}-{1 + i % 28:02d}",
        "at": f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:{i % 59:02d}.{i % 1000:03d}Z",
        "clock": f"{i % 24:02d}:{i % 60:02d}:{(i * 7) % 60:02d}",
        "user": None if i % 11 == 0 else {"name": f"u{i}", "address": {"zip": None if i % 4 else f"{i:05d}"}},
        "items": [
            {"sku": f"P{j}", "qty": j, "seen": [f"2026-01-{1 + j:02d}"], "tags": None if j % 2 else ["a"]}
            for j in range(i % 4)
        ],
        "grid": [[i, i + 1], [], None][i % 3],
    }


def _both_ways(directory: Path, name: str, records: list[dict[str, Any]]) -> tuple[Path, Path]:
    ndjson = write_lines(
        directory / f"{name}.ndjson", [json.dumps(r, ensure_ascii=i % 2 == 0) for i, r in enumerate(records)]
    )
    array = directory / f"{name}_all.json"
    array.write_text(json.dumps(records), encoding="utf-8")
    return ndjson, array


def _proven(path: Path) -> bool:
    sampled = duckdb.sql(
        f"SELECT * FROM read_json({literal(str(path))}, sample_size = {SAMPLE}, map_inference_threshold = -1) LIMIT 0"
    )
    types = {c: duckdb.sqltype(storable(str(t))) for c, t in zip(sampled.columns, sampled.types, strict=True)}
    proof = arrow_schema(types)
    return proof is not None and check(str(path), None, *proof) is None


def _assert_same_table(settings: Settings, ndjson: Path, array: Path, dataset: str) -> None:
    fast = lake.ingest(settings, [ndjson], f"{dataset}_fast")
    slow = lake.ingest(settings, [array], f"{dataset}_slow")
    assert fast.rows_landed == slow.rows_landed > 0
    types = "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index"
    assert query(settings, types, [f"{dataset}_fast"]) == query(settings, types, [f"{dataset}_slow"])
    rows = "SELECT * EXCLUDE (_source_uri, _batch_id, _ingested_at) FROM lake.{} ORDER BY _source_line"
    fast_rows = query(settings, rows.format(f"{dataset}_fast"))
    slow_rows = query(settings, rows.format(f"{dataset}_slow"))
    assert len(fast_rows) == len(slow_rows)
    for a, b in zip(fast_rows, slow_rows, strict=True):
        assert repr(a) == repr(b)  # repr: -0.0 and 0.0 differ, NaN-free floats compare exactly


@pytest.mark.parametrize("name", PUBLIC)
def test_public_records_land_the_same_on_both_paths(settings: Settings, tmp_path: Path, name: str) -> None:
    records = json.loads((VEGA / name).read_text(encoding="utf-8"))
    ndjson, array = _both_ways(tmp_path, name.removesuffix(".json"), records)
    assert _proven(ndjson)  # the NDJSON takes the one-parse path
    _assert_same_table(settings, ndjson, array, name.removesuffix(".json"))


def test_edge_values_land_the_same_on_both_paths(settings: Settings, tmp_path: Path) -> None:
    ndjson, array = _both_ways(tmp_path, "edge", [_edge_record(i) for i in range(1, 400)])
    assert _proven(ndjson)
    _assert_same_table(settings, ndjson, array, "edge")


def test_late_changes_past_the_sample_land_the_same_on_both_paths(settings: Settings, tmp_path: Path) -> None:
    """Not proven (an integer field turns decimal, a key appears, a list element gains a field, all
    after the type sample): the NDJSON falls back, and still lands what the array lands."""
    records = [_edge_record(i) for i in range(1, SAMPLE + 600)]
    records[SAMPLE + 10]["big"] = 2.5
    records[SAMPLE + 20]["late"] = {"k": [1, 2]}
    records[SAMPLE + 30]["items"] = [{"sku": "P9", "qty": 1, "seen": [], "tags": [], "discount": 0.5}]
    ndjson, array = _both_ways(tmp_path, "late", records)
    assert not _proven(ndjson)
    _assert_same_table(settings, ndjson, array, "late")
    assert query(settings, "SELECT big, late.k FROM lake.late_fast WHERE id = ?", [SAMPLE + 11]) == [
        (2.5, None)
    ]
    assert query(settings, "SELECT late.k FROM lake.late_fast WHERE id = ?", [SAMPLE + 21]) == [([1, 2],)]
