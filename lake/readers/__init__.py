"""Readers turn input files into staged Parquet, one reader per format behind ``Reader``."""

from __future__ import annotations

from lake.readers.base import Outcome, Reader, StageContext, Staged
from lake.readers.csv import CsvReader
from lake.readers.image import ImageReader
from lake.readers.json import JsonReader

READERS: dict[str, type[Reader]] = {"json": JsonReader, "csv": CsvReader, "image": ImageReader}

__all__ = ["READERS", "Outcome", "Reader", "StageContext", "Staged"]
