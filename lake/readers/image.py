"""Image reader: one row per image with BigQuery object-table columns, EXIF and typed tags.

Each file is read once: hashed (sha256, md5), kept in the content-addressed object store, opened
with Pillow, verified and decoded (JPEGs at reduced scale via ``draft``, which still reads every
byte of the scan), so truncated and corrupt files, decompression bombs and non-images with an image
extension are caught and quarantined with the reason. Work is spread over a process pool; the rows
are staged as one Parquet file for the batch.

Columns: ``uri`` (the stored object), ``size``, ``content_type``, ``md5_hash``, ``updated``,
``generation`` (as in a BigQuery object table), ``sha256``, ``width``, ``height``, ``format``,
``mode``, ``exif`` (MAP of every tag as text), ``camera_make``, ``camera_model``, ``taken_at``,
``gps_lat``/``gps_lon`` (signed decimal degrees) and ``orientation``.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

from lake.readers.base import Outcome, StageContext, Staged, select_schema, write_stage
from lake.readers.imagefile import inspect
from lake.sources import Source
from lake.sqltext import literal

#: a process pool pays off only for enough work: many files and enough bytes to hash and decode
#: (measured: 460 sample images of ~2 kB each are faster serially than through a 2-process pool)
POOL_MIN_FILES = 64
POOL_MIN_BYTES = 32 << 20
SCHEMA = pa.schema(
    [
        ("uri", pa.string()),
        ("size", pa.int64()),
        ("content_type", pa.string()),
        ("md5_hash", pa.string()),
        ("updated", pa.timestamp("us", tz="UTC")),
        ("generation", pa.int64()),
        ("sha256", pa.string()),
        ("width", pa.int32()),
        ("height", pa.int32()),
        ("format", pa.string()),
        ("mode", pa.string()),
        ("exif", pa.map_(pa.string(), pa.string())),
        ("camera_make", pa.string()),
        ("camera_model", pa.string()),
        ("taken_at", pa.timestamp("us")),
        ("gps_lat", pa.float64()),
        ("gps_lon", pa.float64()),
        ("orientation", pa.int32()),
        ("_source_uri", pa.string()),
    ]
)


def _inspect_all(sources: Sequence[Source], objects_dir: Path) -> Iterator[dict[str, Any]]:
    args = [(s.path.as_posix(), objects_dir.as_posix()) for s in sources]
    main_file = getattr(sys.modules.get("__main__"), "__file__", None)
    small = len(sources) < POOL_MIN_FILES or sum(s.size for s in sources) < POOL_MIN_BYTES
    if small or not (main_file and Path(main_file).exists()):
        # few files, or a __main__ the pool's workers cannot re-import (python -, some notebooks): serial
        yield from (inspect(*a) for a in args)
        return
    workers = max(1, min(os.cpu_count() or 1, 8))
    context = multiprocessing.get_context("forkserver")  # never fork a process running DuckDB threads
    with cf.ProcessPoolExecutor(workers, mp_context=context) as pool:
        yield from pool.map(inspect, *zip(*args, strict=True), chunksize=16)


class ImageReader:
    format = "image"

    def stage_all(self, sources: Iterable[Source], ctx: StageContext) -> Iterator[Outcome]:
        batch = list(sources)
        rows: list[dict[str, Any]] = []
        outcomes: list[Outcome] = []
        for index, result in enumerate(_inspect_all(batch, ctx.objects_dir)):
            if "error" in result:
                outcomes.append((index, str(result["error"])))
            else:
                rows.append(result)
                outcomes.append((index, Staged([], {}, {}, 1, 1, 0)))
        if rows:
            ctx.con.register("_image_rows", pa.Table.from_pylist(rows, schema=SCHEMA))
            lineage = (
                f"1::BIGINT AS _source_line, {literal(ctx.batch_id)} AS _batch_id, "
                f"{literal(ctx.ingested_at.isoformat())}::TIMESTAMPTZ AS _ingested_at"
            )
            select = f"SELECT *, {lineage} FROM _image_rows"
            schema = select_schema(ctx, select)
            files, _ = write_stage(ctx, 0, select, schema)
            ctx.con.unregister("_image_rows")
            landed = [staged for _, staged in outcomes if isinstance(staged, Staged)]
            for staged in landed:
                staged.schema = schema
            landed[-1].files = files  # the batch's one Parquet file is registered once
        yield from outcomes
