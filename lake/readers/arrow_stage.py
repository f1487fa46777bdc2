"""Staged Parquet written by pyarrow from Arrow tables (the JSON reader's one-parse path).

When a reader's data already is Arrow (``lake.readers.json_check.Proof``), DuckDB's COPY of the
Arrow stream costs about twice what pyarrow's own Parquet writer costs for the same tables
(measured: ``bench/json_typing.py``, options ``ours`` and ``proof_duckdb_write``). The files look like
``write_stage``'s: zstd at DuckDB's level, row groups of DuckDB's size, a new file after
``FILE_BYTES`` (``PARQUET_OPTIONS``), none when there are no rows. Dictionary encoding only for
text, boolean and temporal leaves: on numbers pyarrow's dictionary made the files ~25 % larger than
DuckDB's (which writes them plain) and cost more CPU (measured on the bench's 300k records: with it
9.4 MB and 0.36 s, without it for numbers 7.6 MB and 0.20 s; DuckDB's file 7.2 MB).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

#: DuckDB's row group size and zstd level, so the staged files read back as DuckDB's do
ROW_GROUP_ROWS = 122_880
ZSTD_LEVEL = 3
#: start a new file after this many bytes (``PARQUET_OPTIONS``: FILE_SIZE_BYTES '256MB')
FILE_BYTES = 256 << 20


def write_tables(out: Path, tables: Iterable[pa.Table]) -> tuple[list[Path], int]:
    """Write ``tables`` (one schema) to zstd Parquet files in the folder ``out``: (files, rows)."""
    shutil.rmtree(out, ignore_errors=True)  # left over from an attempt that failed part-way
    out.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    rows = 0
    writer: pq.ParquetWriter | None = None
    try:
        for table in tables:
            if writer is None:
                files.append(out / f"data_{len(files)}.parquet")
                writer = pq.ParquetWriter(
                    files[-1],
                    table.schema,
                    compression="zstd",
                    compression_level=ZSTD_LEVEL,
                    use_dictionary=dictionary_columns(table.schema),
                )
            writer.write_table(table, row_group_size=ROW_GROUP_ROWS)
            rows += table.num_rows
            if files[-1].stat().st_size >= FILE_BYTES:
                writer.close()
                writer = None
    finally:
        if writer is not None:
            writer.close()
    if rows == 0:
        for path in files:
            path.unlink()
        files = []
    return files, rows


def dictionary_columns(schema: pa.Schema) -> list[str]:
    """The Parquet column paths of the text, boolean and temporal leaves (``a.b``, ``l.list.element``)."""
    paths: list[str] = []

    def walk(path: str, type_: pa.DataType) -> None:
        if pa.types.is_struct(type_):
            for child in type_:
                walk(f"{path}.{child.name}", child.type)
        elif pa.types.is_list(type_) or pa.types.is_large_list(type_):
            walk(f"{path}.list.element", type_.value_type)
        elif not (pa.types.is_integer(type_) or pa.types.is_floating(type_) or pa.types.is_decimal(type_)):
            paths.append(path)

    for field in schema:
        walk(field.name, field.type)
    return paths
