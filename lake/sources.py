"""Input files: expand paths, globs and directories; tell the format; hash the content.

The format comes from the extension (after a ``.gz``/``.zst`` compression suffix) unless the caller
names it. One ingest takes one format: a folder mixing CSV and JSON is a usage error, because a
dataset is one table.
"""

from __future__ import annotations

import glob
import gzip
import hashlib
import os
import stat
import zlib
from dataclasses import dataclass
from pathlib import Path

import zstandard

from lakehouse.errors import InputError, UsageError

FORMATS = ("json", "csv", "image")
#: extension -> format
EXTENSIONS: dict[str, str] = {
    ".json": "json",
    ".ndjson": "json",
    ".jsonl": "json",
    ".csv": "csv",
    ".tsv": "csv",
    ".jpg": "image",
    ".jpeg": "image",
    ".png": "image",
    ".tif": "image",
    ".tiff": "image",
    ".webp": "image",
    ".gif": "image",
}
COMPRESSIONS = {".gz": "gzip", ".gzip": "gzip", ".zst": "zstd", ".zstd": "zstd"}
CHUNK = 8 << 20


@dataclass(frozen=True)
class Source:
    path: Path
    format: str
    compression: str | None
    size: int

    @property
    def uri(self) -> str:
        return self.path.as_uri()

    @property
    def suffix(self) -> str:
        """The data extension, e.g. ``.ndjson`` for ``x.ndjson.gz``."""
        suffixes = [s.lower() for s in self.path.suffixes]
        if suffixes and suffixes[-1] in COMPRESSIONS:
            suffixes.pop()
        return suffixes[-1] if suffixes else ""


def _detect(path: Path) -> tuple[str | None, str | None]:
    suffixes = [s.lower() for s in path.suffixes]
    compression = COMPRESSIONS.get(suffixes[-1]) if suffixes else None
    if compression:
        suffixes.pop()
    return (EXTENSIONS.get(suffixes[-1]) if suffixes else None), compression


def _expand(raw: str | Path) -> list[Path]:
    text = str(raw)
    if any(c in text for c in "*?["):
        matches = [Path(p) for p in sorted(glob.glob(text, recursive=True))]
        if not matches:
            raise InputError(
                f"no files match {text!r}", hint="check the pattern; quote it so the shell does not expand it"
            )
        return [p for m in matches for p in _expand(m)] if any(m.is_dir() for m in matches) else matches
    path = Path(text)
    try:
        is_dir = stat.S_ISDIR(path.stat().st_mode)
    except (FileNotFoundError, NotADirectoryError):
        raise InputError(
            f"no such file or directory: {text}", hint="give files, folders or quoted glob patterns"
        ) from None
    if is_dir:
        return [p for p in sorted(_files_under(path)) if _detect(p)[0] is not None]
    return [path]


def _files_under(folder: Path) -> list[Path]:
    """The files in ``folder`` and its subfolders, leaving out hidden ones (``.name``) and hidden folders."""
    found: list[Path] = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if entry.is_dir(follow_symlinks=False):
                found.extend(_files_under(Path(entry.path)))
            elif entry.is_file():
                found.append(Path(entry.path))
    return found


def _real(path: Path, folders: dict[Path, Path]) -> Path:
    """``path.resolve()``, resolving each folder once: the files of a batch share a few folders, and
    resolving costs a system call per path component (thousands of images: a tenth of a second)."""
    if path.name in ("", ".", "..") or path.is_symlink():
        return path.resolve()
    parent = folders.get(path.parent)
    if parent is None:
        parent = folders[path.parent] = path.parent.resolve()
    return parent / path.name


def resolve(paths: list[str | Path], fmt: str = "auto") -> list[Source]:
    """Expand ``paths`` into sources of one format (``fmt`` or detected from the extensions)."""
    if fmt != "auto" and fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}", hint="use one of: auto, " + ", ".join(FORMATS))
    seen: set[Path] = set()
    folders: dict[Path, Path] = {}
    sources: list[Source] = []
    for raw in paths:
        for path in _expand(raw):
            path = _real(path, folders)
            if path in seen:
                continue
            seen.add(path)
            detected, compression = _detect(path)
            chosen = detected if fmt == "auto" else fmt
            if chosen is None:
                raise UsageError(
                    f"cannot tell the format of {path.name}: unknown extension",
                    hint="pass --format json|csv|image, or use .json/.ndjson/.csv/.jpg… extensions",
                )
            sources.append(Source(path, chosen, compression, path.stat().st_size))
    if not sources:
        raise InputError(
            "no input files found in " + ", ".join(map(str, paths)), hint="give files, folders or globs"
        )
    formats = sorted({s.format for s in sources})
    if len(formats) > 1:
        raise UsageError(
            "one ingest takes one format, found " + " and ".join(formats),
            hint="ingest each format into its own dataset, or pass --format",
        )
    return sources


def sha256_file(path: Path) -> str:
    """Hex sha256 of the file's bytes (the skip-if-already-landed key)."""
    with path.open("rb", buffering=0) as fh:
        # file_digest reads into one reused buffer: a loop of fh.read(CHUNK) allocates (and
        # page-faults) a new chunk each time, ~0.5 CPU-s per GB more than the hashing itself
        return hashlib.file_digest(fh, "sha256").hexdigest()


def compression_error(source: Source) -> str | None:
    """Why a compressed file is damaged, or None.

    DuckDB reads a truncated gzip stream up to the damage without an error, so every compressed
    input is decompressed once here (to the end, checking the trailer) before it is read.
    """
    if source.compression is None:
        return None
    try:
        with source.path.open("rb") as raw:
            if source.compression == "gzip":
                with gzip.GzipFile(fileobj=raw) as stream:
                    while stream.read(CHUNK):
                        pass
            else:
                reader = zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True)
                total = 0
                while chunk := reader.read(CHUNK):
                    total += len(chunk)
                if total == 0 and source.size > 0:
                    return "zstd: no data could be decompressed"
    except (OSError, EOFError, zlib.error, zstandard.ZstdError) as exc:
        return f"corrupt {source.compression} data: {exc}"
    return None
