"""Writing generated frames to disk in chunks: CSV, NDJSON (optionally gzip-compressed), with sizes."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import polars as pl

from lake.sample.report import SampleFile

#: fixed decimals so the same numbers always print the same way
FLOAT_PRECISION = 2


def csv_bytes(frame: pl.DataFrame, *, header: bool) -> bytes:
    buffer = io.BytesIO()
    frame.write_csv(buffer, include_header=header, float_precision=FLOAT_PRECISION, line_terminator="\n")
    return buffer.getvalue()


def ndjson_bytes(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_ndjson(buffer)
    return buffer.getvalue()


def open_output(path: Path) -> io.BufferedIOBase:
    """A binary file for writing; ``.gz`` paths are gzip-compressed with no name and mtime 0 (reproducible)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = path.open("wb")
    if path.suffix != ".gz":
        return raw
    return _ClosingGzip(raw)


class _ClosingGzip(gzip.GzipFile):
    """GzipFile that also closes the underlying file it was given."""

    def __init__(self, raw: io.BufferedWriter) -> None:
        super().__init__(filename="", mode="wb", fileobj=raw, compresslevel=6, mtime=0)
        self._raw = raw

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._raw.close()


def sample_file(out_dir: Path, path: Path, dataset: str, rows: int) -> SampleFile:
    return SampleFile(
        path=path.relative_to(out_dir).as_posix(), dataset=dataset, rows=rows, bytes=path.stat().st_size
    )
