"""The rows of an Arrow table as Python values, without the imports pyarrow's own conversion adds.

Both read paths of ``lakehouse sql`` (the privileged ``warehouse.sql.results`` and a principal's
``catalog.access.session``) turn a query's Arrow result into rows here. Importing this module imports
no pyarrow: a caller holds an Arrow table, so pyarrow is loaded already.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa


def python_rows(table: pa.Table) -> list[tuple[Any, ...]]:
    """The rows of ``table`` as Python values, the same objects as ``to_pylist`` gives, column by column
    (so two columns of one name both keep their values, as ``fetchall`` keeps them)."""
    return list(zip(*(_python_values(column) for column in table.columns), strict=True))


def _python_values(column: pa.ChunkedArray) -> list[Any]:
    """One column's values; a TIMESTAMPTZ column (Arrow ``timestamp[us, tz]``) converted here.

    pyarrow converts such a value with the zoneinfo zone of ``tz`` whatever else is installed, but
    first imports pandas (~0.3 s) to decide that, which only matters for nanoseconds (pyarrow's
    ``TimestampScalar.as_py``). This does what its ``_datetime_from_int`` does, with the zone from the
    same ``string_to_tzinfo``, on the column's microseconds since the epoch (a zero-copy view: a cast
    would import ``pyarrow.compute``, ~0.06 s). tests/warehouse/test_frontend_fetch.py and
    tests/lakehouse/test_arrow_rows.py prove the objects
    equal to pyarrow's, zone and fold included.
    """
    import pyarrow as pa  # the caller holds an Arrow table: imported already

    kind = column.type
    if not (pa.types.is_timestamp(kind) and kind.tz is not None and kind.unit == "us"):
        return column.to_pylist()
    zone = pa.lib.string_to_tzinfo(kind.tz)
    return [
        None if micros is None else (_EPOCH + datetime.timedelta(microseconds=micros)).astimezone(zone)
        for chunk in column.chunks
        for micros in chunk.view(pa.int64()).to_pylist()
    ]


_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
