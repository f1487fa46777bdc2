"""EXIF tags of a Pillow image: every tag as text, plus the typed ones a table wants.

Tags come from IFD0 and the Exif and GPS sub-IFDs, named with Pillow's tag tables (``GPS.`` prefix
for GPS tags). Values become text: rationals as decimals, bytes as UTF-8 (or hex), tuples as lists.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from PIL import ExifTags, Image

TAKEN_AT_TAGS = ("DateTimeOriginal", "DateTimeDigitized", "DateTime")
#: EXIF's ``YYYY:MM:DD HH:MM:SS`` (what ``strptime("%Y:%m:%d %H:%M:%S")`` accepts, ten times faster)
EXIF_TIME = re.compile(r"(\d{4}):(\d{1,2}):(\d{1,2}) (\d{1,2}):(\d{1,2}):(\d{1,2})")


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        try:
            return value.rstrip(b"\x00").decode("utf-8")
        except UnicodeDecodeError:
            return value.hex()
    if isinstance(value, tuple):
        return "[" + ", ".join(_text(v) for v in value) + "]"
    if isinstance(value, float) or type(value).__name__ == "IFDRational":
        return repr(float(value))
    return str(value).rstrip("\x00")


def tags(image: Image.Image) -> tuple[dict[str, str], dict[str, Any]]:
    """(all tags as text, raw GPS values by name) for ``image``."""
    exif = image.getexif()
    out: dict[str, str] = {}
    for tag, value in exif.items():
        if tag in (ExifTags.IFD.Exif, ExifTags.IFD.GPSInfo):
            continue
        out[ExifTags.TAGS.get(tag, f"0x{tag:04x}")] = _text(value)
    for tag, value in exif.get_ifd(ExifTags.IFD.Exif).items():
        out[ExifTags.TAGS.get(tag, f"0x{tag:04x}")] = _text(value)
    gps = {
        ExifTags.GPSTAGS.get(tag, f"0x{tag:04x}"): value
        for tag, value in exif.get_ifd(ExifTags.IFD.GPSInfo).items()
    }
    out.update({f"GPS.{name}": _text(value) for name, value in gps.items()})
    return out, gps


def taken_at(exif: dict[str, str]) -> dt.datetime | None:
    for name in TAKEN_AT_TAGS:
        match = EXIF_TIME.fullmatch(exif.get(name, "").strip())
        if match:
            try:
                year, month, day, hour, minute, second = map(int, match.groups())
                return dt.datetime(year, month, day, hour, minute, second)
            except ValueError:  # e.g. month 13, or the 0000:00:00 00:00:00 some cameras write
                continue
    return None


def degrees(value: Any, ref: Any) -> float | None:
    """Degrees/minutes/seconds and a N/S/E/W reference as signed decimal degrees."""
    try:
        d, m, s = (float(v) for v in value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    result = d + m / 60 + s / 3600
    ref_text = ref.decode() if isinstance(ref, bytes) else str(ref or "")
    return -result if ref_text.strip().upper() in {"S", "W"} else result


def orientation(exif: dict[str, str]) -> int | None:
    try:
        return int(exif["Orientation"])
    except (KeyError, ValueError):
        return None
