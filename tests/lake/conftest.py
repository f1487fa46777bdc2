"""Helpers for the lake tests: query the lake, a tiny real gate, images (the CLI runner is in tests/conftest.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
from PIL import Image

from lakehouse.connect import DEFAULT_EXTENSIONS, attach_lake, create_storage_secret, load_extensions
from lakehouse.gate import CheckFailure, GateResult
from lakehouse.quoting import literal
from lakehouse.settings import Settings

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "lake"


def query(settings: Settings, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    """Read the lake (read-only attach) the way ``lakehouse.connect`` does, minus the extension
    signature check, which costs ~0.7 s per connection and dominates these small tests."""
    con = duckdb.connect(config={"allow_unsigned_extensions": True, "threads": 2})
    try:
        load_extensions(con, DEFAULT_EXTENSIONS)
        attach_lake(con, settings, read_only=True)
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def data_files(settings: Settings, pattern: str) -> list[str]:
    """Files under the lake's data path matching ``pattern`` (a local folder or the S3 bucket alike)."""
    return [r[0] for r in query(settings, "SELECT file FROM glob(?)", [settings.lake_data_url + pattern])]


def put_data_file(settings: Settings, name: str) -> None:
    """A junk file ``name`` under the lake's data path, written the way DuckDB writes there."""
    con = duckdb.connect(config={"allow_unsigned_extensions": True, "threads": 2})
    try:
        load_extensions(con, DEFAULT_EXTENSIONS)
        if settings.lake_on_object_store:
            create_storage_secret(con, settings)
        else:
            (settings.lake_data_dir / name).parent.mkdir(parents=True, exist_ok=True)
        con.execute(f"COPY (SELECT 'junk'::BLOB) TO {literal(settings.lake_data_url + name)} (FORMAT blob)")
    finally:
        con.close()


def table_names(settings: Settings) -> set[str]:
    rows = query(settings, "SELECT table_name FROM duckdb_tables() WHERE database_name = 'lake'")
    return {r[0] for r in rows}


def snapshot_count(settings: Settings) -> int:
    return int(query(settings, "SELECT count(*) FROM ducklake_snapshots('lake')")[0][0])


@dataclass
class NotNullGate:
    """A real gate: critical (or warning) when ``column`` has NULLs in the staged batch."""

    column: str
    severity: str = "critical"
    calls: int = 0

    def __call__(self, con: duckdb.DuckDBPyConnection, dataset: str, relation: str) -> GateResult:
        self.calls += 1
        nulls = con.execute(f'SELECT count(*) FROM "{relation}" WHERE "{self.column}" IS NULL').fetchone()
        count = int(nulls[0]) if nulls else 0
        failures = []
        if count:
            failures.append(
                CheckFailure(
                    "expect_column_values_to_not_be_null",
                    self.severity,  # type: ignore[arg-type]
                    self.column,
                    count,
                    detail=f"{count} nulls",
                )
            )
        return GateResult(dataset, "test_suite", 1, failures)


def write_lines(path: Path, lines: list[str | bytes]) -> Path:
    path.write_bytes(b"".join((x if isinstance(x, bytes) else x.encode()) + b"\n" for x in lines))
    return path


def make_image(path: Path, *, fmt: str = "JPEG", size: tuple[int, int] = (64, 48), exif: bool = True) -> Path:
    """A small real image; with ``exif`` it carries Make, Model, DateTimeOriginal, Orientation and GPS."""
    image = Image.new("RGB", size, (200, 80, 20))
    info = Image.Exif()
    if exif:
        info[0x010F] = "Canon"  # Make
        info[0x0110] = "EOS 5D"  # Model
        info[0x0112] = 6  # Orientation
        info.get_ifd(0x8769)[0x9003] = "2024:06:01 12:30:45"  # DateTimeOriginal
        gps = info.get_ifd(0x8825)
        gps[1], gps[2] = "N", (52.0, 31.0, 12.0)
        gps[3], gps[4] = "W", (13.0, 24.0, 36.0)
    save: dict[str, Any] = {"exif": info} if exif and fmt in {"JPEG", "PNG", "WEBP", "TIFF"} else {}
    image.save(path, fmt, **save)
    return path


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
