"""Readers turn input files into staged Parquet, one reader per format behind ``lake.readers.base.Reader``.

A reader's module is imported only when its format is read: an image ingest needs neither the
JSON nor the CSV reader, and the image pool's workers import ``lake.readers.imagefile`` (Pillow
only), which would otherwise pull DuckDB into every worker through this package.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lake.readers.base import Reader

#: format -> "module:class" of its reader
READERS: dict[str, str] = {
    "json": "lake.readers.json:JsonReader",
    "csv": "lake.readers.csv:CsvReader",
    "image": "lake.readers.image:ImageReader",
}


def reader_for(fmt: str) -> Reader:
    """A fresh reader for ``fmt`` (one of ``READERS``; readers keep per-batch state)."""
    module, _, name = READERS[fmt].partition(":")
    reader: Reader = getattr(importlib.import_module(module), name)()
    return reader


__all__ = ["READERS", "reader_for"]
