"""Progress reporting for long work: the library calls a callback, the CLI renders it.

A library function that takes a while accepts ``progress: ProgressCallback | None`` and calls it
with ``ProgressEvent``s; it never prints. The CLI turns them into a rich progress bar on a terminal
and into log lines otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ProgressEvent:
    task: str  # what is being done, e.g. "ingest orders"
    done: float  # units done so far
    total: float | None = None  # units in all, when known
    unit: str = "items"  # files, rows, bytes, iterations …
    message: str = ""  # short free text (current file, loss …)


ProgressCallback = Callable[[ProgressEvent], None]


def report(progress: ProgressCallback | None, event: ProgressEvent) -> None:
    """Call ``progress`` if there is one (so library code need not check)."""
    if progress is not None:
        progress(event)
