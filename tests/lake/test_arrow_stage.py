"""Staged Parquet written by pyarrow (lake.readers.arrow_stage): files, rows, read back by DuckDB."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lake.readers import arrow_stage
from lake.readers.arrow_stage import dictionary_columns, write_tables


def _table(start: int, rows: int) -> pa.Table:
    ids = list(range(start, start + rows))
    return pa.table({"k": pa.array(ids, pa.int64()), "tags": pa.array([[f"t{i}"] for i in ids])})


def test_tables_land_in_one_file_and_read_back_equal(tmp_path: Path) -> None:
    files, rows = write_tables(tmp_path / "out", [_table(1, 3), _table(4, 2)])
    assert rows == 5 and [f.name for f in files] == ["data_0.parquet"]
    back = duckdb.sql(f"SELECT k, tags[1] FROM read_parquet('{files[0]}') ORDER BY k").fetchall()
    assert back == [(k, f"t{k}") for k in range(1, 6)]


def test_a_full_file_is_closed_and_the_next_table_starts_a_new_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(arrow_stage, "FILE_BYTES", 1)  # every table fills a file
    files, rows = write_tables(tmp_path / "out", [_table(1, 3), _table(4, 2), _table(6, 1)])
    assert rows == 6 and [f.name for f in files] == ["data_0.parquet", "data_1.parquet", "data_2.parquet"]
    paths = ", ".join(f"'{f}'" for f in files)
    assert duckdb.sql(f"SELECT count(DISTINCT k), max(k) FROM read_parquet([{paths}])").fetchall() == [(6, 6)]


def test_no_rows_leave_no_file_and_old_files_are_replaced(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_tables(out, [_table(1, 3)])
    files, rows = write_tables(out, [_table(1, 0)])
    assert (files, rows) == ([], 0)
    assert list(out.iterdir()) == []


def test_numbers_are_written_plain_and_text_with_a_dictionary(tmp_path: Path) -> None:
    """pyarrow's dictionary on numbers made the staged files ~25 % larger than DuckDB's (which writes them plain)."""
    table = pa.table(
        {
            "k": pa.array([1, 2, 3], pa.int64()),
            "user": pa.array([{"id": 7, "name": "a"}] * 3),
            "tags": pa.array([["x"], ["y"], []]),
        }
    )
    assert dictionary_columns(table.schema) == ["user.name", "tags.list.element"]
    files, _ = write_tables(tmp_path / "out", [table])
    meta = pq.ParquetFile(files[0]).metadata.row_group(0)
    encodings = {meta.column(i).path_in_schema: meta.column(i).encodings for i in range(meta.num_columns)}
    assert not any("DICTIONARY" in e for e in encodings["k"] + encodings["user.id"])
    assert any("DICTIONARY" in e for e in encodings["user.name"] + encodings["tags.list.element"])
