"""BigQuery load settings per table: the schema from the exported Parquet file, partitioning and clustering.

The schema is written out (not left to BigQuery's Parquet auto-detection) so that LIST columns become
REPEATED fields, STRUCTs become RECORDs, and a column's type does not depend on what one file happened to hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from lakehouse.errors import InputError

#: pyarrow type predicate -> BigQuery type, first match wins
ARROW_TO_BIGQUERY: list[tuple[Any, str]] = [
    (pa.types.is_boolean, "BOOLEAN"),
    (pa.types.is_integer, "INTEGER"),
    (pa.types.is_floating, "FLOAT"),
    (
        lambda t: (
            pa.types.is_decimal(t) and t.precision <= 38 and t.scale <= 9 and t.precision - t.scale <= 29
        ),
        "NUMERIC",
    ),
    (pa.types.is_decimal, "BIGNUMERIC"),
    (lambda t: pa.types.is_string(t) or pa.types.is_large_string(t), "STRING"),
    (
        lambda t: pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t),
        "BYTES",
    ),
    (lambda t: pa.types.is_timestamp(t) and t.tz is not None, "TIMESTAMP"),
    (pa.types.is_timestamp, "DATETIME"),
    (pa.types.is_date, "DATE"),
    (pa.types.is_time, "TIME"),
    (pa.types.is_struct, "RECORD"),
]

#: table -> (partition column, granularity); used when the column exists and is a TIMESTAMP or DATE
PARTITIONING: dict[str, tuple[str, str]] = {
    "orders": ("order_time", "MONTH"),
    "events": ("event_time", "DAY"),
    "customers": ("_ingested_at", "MONTH"),
    "products": ("_ingested_at", "MONTH"),
    "images": ("_ingested_at", "MONTH"),
}
#: table -> clustering columns (those that exist are used, in this order)
CLUSTERING: dict[str, tuple[str, ...]] = {
    "orders": ("customer_id", "product_id"),
    "events": ("event_type", "customer_id"),
    "customers": ("customer_id",),
    "products": ("product_id",),
}


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One BigQuery schema field, independent of the client library (converted in bigquery.py)."""

    name: str
    field_type: str
    mode: str = "NULLABLE"  # NULLABLE or REPEATED
    fields: tuple[FieldSpec, ...] = ()


@dataclass(frozen=True, slots=True)
class TableLoadSpec:
    table: str
    schema: tuple[FieldSpec, ...]
    partition_field: str | None = None
    partition_type: str | None = None  # DAY, MONTH, ...
    clustering: tuple[str, ...] = ()


def field_spec(field: pa.Field, where: str) -> FieldSpec:
    """The BigQuery field for an Arrow field (LIST -> REPEATED; a list of lists is refused)."""
    data_type = field.type
    mode = "NULLABLE"
    if pa.types.is_list(data_type) or pa.types.is_large_list(data_type):
        data_type = data_type.value_type
        mode = "REPEATED"
        if pa.types.is_list(data_type) or pa.types.is_large_list(data_type):
            raise InputError(
                f"{where}.{field.name}: a list of lists ({field.type}) has no BigQuery type",
                hint="turn the inner lists into STRUCTs or JSON before publishing",
            )
    for predicate, bq_type in ARROW_TO_BIGQUERY:
        if predicate(data_type):
            children: tuple[FieldSpec, ...] = ()
            if bq_type == "RECORD":
                children = tuple(
                    field_spec(data_type.field(i), f"{where}.{field.name}")
                    for i in range(data_type.num_fields)
                )
            return FieldSpec(field.name, bq_type, mode, children)
    raise InputError(
        f"{where}.{field.name}: type {data_type} has no BigQuery equivalent", hint="cast it in the lake"
    )


def load_spec(table: str, parquet: Path) -> TableLoadSpec:
    """Schema, partitioning and clustering for loading ``parquet`` into the BigQuery table ``table``."""
    arrow = pq.read_schema(parquet)
    schema = tuple(field_spec(field, table) for field in arrow)
    types = {f.name: f.field_type for f in schema if f.mode == "NULLABLE"}
    partition_field = partition_type = None
    if table in PARTITIONING:
        column, granularity = PARTITIONING[table]
        if types.get(column) in ("TIMESTAMP", "DATE", "DATETIME"):
            partition_field, partition_type = column, granularity
    clustering = tuple(c for c in CLUSTERING.get(table, ()) if types.get(c) in ("INTEGER", "STRING", "DATE"))
    return TableLoadSpec(table, schema, partition_field, partition_type, clustering[:4])
