"""Proof that DuckDB's sampled JSON types hold for every record of an NDJSON file.

DuckDB detects a JSON file's types from its first ``SAMPLE_RECORDS`` records; a full detection pass
(``sample_size = -1``) costs about as much CPU as the read itself. With the sampled types fixed,
DuckDB reads a later record lossily without an error: a 1.5 in a BIGINT field is rounded, a number,
object or list in a VARCHAR field is turned into text, a number in a BOOLEAN field into true, a
timestamp in a DATE field is cut to the date (measured, duckdb 1.5.5). ``check`` proves that no such
record exists, with pyarrow's streaming JSON reader (one strict parse, no DuckDB detection); the
parse's record batches (``Proof.batches``) are the data the reader stages, so the file is parsed once:

- the file is parsed against the sampled types as an Arrow schema with unexpected fields an error:
  a key the sample did not show (at any depth), a value of another JSON kind (string vs number vs
  object …), a non-integer or out-of-range number in an integer field, a key twice — each fails;
- temporal fields (DATE, TIMESTAMP, TIME) are parsed as strings by pyarrow; every later value must
  have the *shape* (digits as 9) of a value in the sample, so DuckDB parses it with the format it
  detected (a value that has the shape but is no date, 2026-13-01, fails DuckDB's read loudly).

Types this cannot state in Arrow (JSON for mixed shapes, a field only ever null in the sample,
unsigned or 128-bit integers, MAP) make the file ineligible: ``arrow_schema`` returns None and the
caller detects over every record instead. A failed check is never an error, only a reason to take
the slow path; the check may refuse files the slow path would type the same (a BOM, a field name
in another case), never the other way round.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj
from duckdb.sqltypes import DuckDBPyType

from lake.naming import unused_name
from lake.types import children, kind

#: DuckDB's default JSON detection sample; the fast path asks for it explicitly
SAMPLE_RECORDS = 20_480
TEMPORAL = {"date", "timestamp", "timestamp with time zone", "time"}
SCALARS = {"bigint": pa.int64(), "double": pa.float64(), "varchar": pa.string(), "boolean": pa.bool_()}
#: pyarrow's streaming block: small, so memory stays flat on large files
BLOCK_BYTES = 1 << 20
#: compressions pyarrow's input stream reads (``Source.compression`` → pyarrow's name)
COMPRESSIONS = {None: None, "gzip": "gzip", "zstd": "zstd"}

Leaf = tuple[str | int, ...]  # path to a temporal leaf: field names, 0 for a list's elements


def arrow_schema(types: Mapping[str, DuckDBPyType]) -> tuple[pa.Schema, list[Leaf]] | None:
    """The Arrow schema that parses exactly the values of ``types``, and the temporal leaves; or None."""
    temporal: list[Leaf] = []
    fields = []
    for name, t in types.items():
        arrow = _arrow_type(t, (name,), temporal)
        if arrow is None:
            return None
        fields.append(pa.field(name, arrow))
    return pa.schema(fields), temporal


def _arrow_type(t: DuckDBPyType, path: Leaf, temporal: list[Leaf]) -> pa.DataType | None:
    k = kind(t)
    if str(t) == "JSON":
        return None
    if k in SCALARS:
        return SCALARS[k]
    if k in TEMPORAL:
        temporal.append(path)
        return pa.string()
    if k == "list":
        child = _arrow_type(t.child, (*path, 0), temporal)
        return None if child is None else pa.list_(child)
    if k == "struct":
        fields = []
        for name, child_type in children(t):
            child = _arrow_type(child_type, (*path, name), temporal)
            if child is None:
                return None
            fields.append(pa.field(name, child))
        return pa.struct(fields) if fields else None
    return None


def check(path: str, compression: str | None, schema: pa.Schema, temporal: list[Leaf]) -> str | None:
    """None if every record of the NDJSON file at ``path`` fits ``schema`` exactly; else the reason."""
    proof = Proof(path, compression, schema, temporal)
    for _ in proof.batches():
        pass
    return proof.reason


class Proof:
    """The strict parse as a stream of record batches (the data itself, see ``lake.readers.json``).

    ``batches`` yields each proven batch with the record number (1-based, file order) in an extra
    last column ``line`` (``LINE``, or a variant of it that no field of the file has); it stops at
    the first record that does not fit, and ``reason`` says why (None while every record so far fits).
    A consumer must look at ``reason`` after the stream ends: a stopped stream is short, never an error.
    """

    LINE = "__lake_line"

    def __init__(self, path: str, compression: str | None, schema: pa.Schema, temporal: list[Leaf]) -> None:
        self.path, self.compression, self.schema, self.temporal = path, compression, schema, temporal
        self.line = unused_name(self.LINE, schema.names)
        self.reason: str | None = None

    @property
    def output_schema(self) -> pa.Schema:
        return self.schema.append(pa.field(self.line, pa.int64()))

    def batches(self) -> Iterator[pa.RecordBatch]:
        stream = pa.input_stream(self.path, compression=COMPRESSIONS[self.compression])
        options = pj.ParseOptions(explicit_schema=self.schema, unexpected_field_behavior="error")
        read = pj.ReadOptions(block_size=BLOCK_BYTES)
        shapes = [_Shapes(leaf) for leaf in self.temporal]
        first = 0
        try:
            with pj.open_json(stream, read_options=read, parse_options=options) as reader:
                for batch in reader:
                    self.reason = next((r for s in shapes if (r := s.check(batch, first))), None)
                    if self.reason:
                        return
                    lines = pa.array(range(first + 1, first + 1 + batch.num_rows), pa.int64())
                    yield pa.RecordBatch.from_arrays([*batch.columns, lines], schema=self.output_schema)
                    first += batch.num_rows
        except pa.ArrowException as exc:  # ArrowInvalid: a key, kind or number the sample did not show
            self.reason = str(exc).splitlines()[0]

    def reader(self) -> pa.RecordBatchReader:
        return pa.RecordBatchReader.from_batches(self.output_schema, self.batches())


class _Shapes:
    """The shapes (digits as 9) of a temporal leaf's values in the sample; later values must match one.

    Within the sample the shapes are collected; after it, one RE2 full match per value (the sample's
    shapes as a pattern) is the whole cost.
    """

    def __init__(self, leaf: Leaf) -> None:
        self.leaf = leaf
        self.seen: set[str] = set()
        self.pattern: str | None = None

    def check(self, batch: pa.RecordBatch, first: int) -> str | None:
        if first >= SAMPLE_RECORDS:
            values, _ = _leaf_values(batch.column(str(self.leaf[0])), self.leaf[1:], None)
            if self.pattern is None:
                self.pattern = "^(?:" + "|".join(_regex(s) for s in sorted(self.seen)) + ")$"
            bad = pc.invert(pc.match_substring_regex(values, self.pattern))
            return self._reason(values.filter(bad)) if pc.any(bad).as_py() else None
        rows = pa.array(range(first, first + batch.num_rows), pa.int64())
        values, in_rows = _leaf_values(batch.column(str(self.leaf[0])), self.leaf[1:], rows)
        assert in_rows is not None
        in_sample = pc.less(in_rows, SAMPLE_RECORDS)
        self.seen.update(s for s in pc.unique(_shape(values.filter(in_sample))).to_pylist() if s is not None)
        late = values.filter(pc.invert(in_sample))
        new = [s for s in pc.unique(_shape(late)).to_pylist() if s is not None and s not in self.seen]
        return self._reason(pa.array(new, pa.string())) if new else None

    def _reason(self, values: pa.Array) -> str:
        return (
            f"{'.'.join(map(str, self.leaf))}: {values[0].as_py()!r} has a shape the type sample did not show"
        )


def _shape(values: pa.Array) -> pa.Array:
    return pc.replace_substring_regex(values, "[0-9]", "9")


def _regex(shape: str) -> str:
    return "".join("[0-9]" if c == "9" else re.escape(c) for c in shape)


def _leaf_values(array: pa.Array, rest: Leaf, rows: pa.Array | None) -> tuple[pa.Array, pa.Array | None]:
    """The values at path ``rest`` inside ``array``, with the record number of each (if given)."""
    for step in rest:
        if isinstance(step, int):  # a list's elements
            if rows is not None:
                rows = pc.take(rows, array.value_parent_indices())
            array = array.flatten()
        else:
            array = pc.struct_field(array, [step])
    return array, rows
