"""CSV dialect and encoding detection that does not trust a sniffer blindly.

DuckDB's sniffer is good at types but, on a ragged file, may pick a delimiter that makes the whole
line one text column or skip rows it cannot explain (see environment.md). So the delimiter and the
encoding are decided here from a sample of the file, and DuckDB is then told them explicitly.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import re
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import zstandard

from lake.sources import Source

SAMPLE_BYTES = 1 << 20
SAMPLE_LINES = 2000
#: characters of the sample split into lines first (``first_lines`` takes more if they hold too few)
FIRST_LINES_PREFIX = 1 << 16
#: delimiters tried, in order of preference when they explain the sample equally well
DELIMITERS = (",", ";", "\t", "|")
BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
#: DuckDB reads these itself; anything else is transcoded to UTF-8 first
NATIVE_ENCODINGS = {"utf-8", "utf-16"}


@dataclass(frozen=True)
class Dialect:
    encoding: str
    delimiter: str
    fields: int  # fields per line in most sample lines
    consistent: float  # share of sample lines with that many fields
    header: list[str]
    rows: list[list[str]]  # the sample's rows (header included), for cheap checks


def open_bytes(source: Source) -> io.BufferedIOBase:
    """The decompressed bytes of ``source``."""
    raw = source.path.open("rb")
    if source.compression == "gzip":
        return gzip.GzipFile(fileobj=raw)
    if source.compression == "zstd":
        return zstandard.ZstdDecompressor().stream_reader(raw)  # type: ignore[return-value]
    return raw


def sample(source: Source) -> bytes:
    with open_bytes(source) as fh:
        return fh.read(SAMPLE_BYTES)


def detect_encoding(data: bytes) -> str:
    """The sample's text encoding.

    A BOM decides. Else UTF-8 if the sample decodes as UTF-8, or if it holds multi-byte UTF-8
    characters beside a few bad bytes (a UTF-8 file with damaged lines: those lines are quarantined).
    Else CP-1252, else Latin-1 (which decodes anything).
    """
    for bom, name in BOMS:
        if data.startswith(bom):
            return name
    try:
        codecs.getincrementaldecoder("utf-8")().decode(data, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        if not data.decode("utf-8", errors="ignore").isascii():
            return "utf-8"
    try:
        data.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"


def detect(data: bytes, encoding: str | None = None) -> Dialect:
    """Pick the delimiter that splits the sample's lines most consistently into more than one field."""
    enc = encoding or detect_encoding(data)
    text = data.decode(enc if enc != "utf-8" else "utf-8-sig", errors="replace")
    lines = first_lines(text, SAMPLE_LINES)
    if len(text) >= SAMPLE_BYTES // 2 and len(lines) > 1:
        lines = lines[:-1]  # the sample may end mid-line
    best: Dialect | None = None
    for delimiter in DELIMITERS:
        if delimiter not in text:
            continue  # every line would be one field: it cannot be chosen (half the detection's time)
        rows = [row for row in csv.reader(lines, delimiter=delimiter) if row]
        if not rows:
            continue
        counts = Counter(len(row) for row in rows)
        fields, hits = counts.most_common(1)[0]
        candidate = Dialect(enc, delimiter, fields, hits / len(rows), rows[0], rows)
        if fields > 1 and (best is None or (candidate.consistent, fields) > (best.consistent, best.fields)):
            best = candidate
    if best is None:
        header = next(csv.reader(lines[:1]), ["value"]) if lines else ["value"]
        return Dialect(enc, ",", 1, 1.0, header, [[line] for line in lines])
    return best


def first_lines(text: str, count: int) -> list[str]:
    """``text.splitlines()[:count]``, splitting only as much of ``text`` as holds those lines (a 1 MB
    sample has ~16,000 lines of orders; detection reads 2,000).

    A prefix that splits into more than ``count`` lines holds the first ``count`` whole, with the
    same ends as in ``text``: line ``count + 1`` starts inside the prefix, after the end of line
    ``count`` (``\\r\\n`` included)."""
    size = FIRST_LINES_PREFIX
    while size < len(text):
        lines = text[:size].splitlines()
        if len(lines) > count:
            return lines[:count]
        size *= 4
    return text.splitlines()[:count]


def transcode(source: Source, encoding: str, target: Path) -> None:
    """Write ``source`` as UTF-8 to ``target`` (streamed)."""
    with open_bytes(source) as raw, target.open("w", encoding="utf-8", newline="") as out:
        decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
        while chunk := raw.read(1 << 22):
            out.write(decoder.decode(chunk))
        out.write(decoder.decode(b"", final=True))


#: a value that may well be a number, date or timestamp (a cheap first look before asking DuckDB)
TYPED_VALUE = re.compile(
    r"\s*[-+]?(\d+([.,]\d*)?([eE][-+]?\d+)?|\d{4}-\d\d-\d\d([T ][\d:.]+(Z|[-+][\d:]+)?)?)\s*"
)


def mostly_typed(
    dialect: Dialect,
    column: int,
    share: float = 0.9,
    *,
    ignore: Collection[str] = (),
    pattern: re.Pattern[str] = TYPED_VALUE,
) -> bool:
    """True if at least ``share`` of the sampled values in ``column`` match ``pattern`` (a number,
    date or timestamp by default); empty values and those in ``ignore`` (null markers) are left out."""
    values = [
        row[column]
        for row in dialect.rows[1:]
        if column < len(row) and row[column].strip() and row[column].strip() not in ignore
    ]
    if not values:
        return False
    return sum(1 for v in values if pattern.fullmatch(v)) >= share * len(values)
