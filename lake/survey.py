"""The survey of a batch: each input file's content hash, whether it can be read, and what a reader learns.

A survey starts working the moment it is created, in the background (a thread, or the image reader's
process pool), so hashing and inspecting files overlaps with what the pipeline does meanwhile: taking
the writer lock and opening the lake, whose extension loading (with signature checks) costs a fixed
few tenths of a second. Fingerprints come back in the sources' order whatever the pool, so a batch's
rows and reports do not depend on scheduling. Leaving the ``with`` block stops the pool.
"""

from __future__ import annotations

import concurrent.futures as cf
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from types import TracebackType

from lake.sources import Source, compression_error, sha256_file


@dataclass(frozen=True)
class Fingerprint:
    """What is known about one source before it is staged."""

    sha256: str
    damage: str | None = None  # why the file cannot be read at all (it is quarantined), or None
    detail: str | None = None  # what the reader learnt on the way (the image reader: the row as JSON)


class Survey:
    """Fingerprints of a batch's sources, in order; the work was submitted to ``executor`` already
    (``Executor.map`` submits every item when it is called)."""

    def __init__(self, executor: cf.Executor, fingerprints: Iterable[Fingerprint]) -> None:
        self._executor = executor
        self._fingerprints = iter(fingerprints)

    def __iter__(self) -> Iterator[Fingerprint]:
        return self._fingerprints

    def __enter__(self) -> Survey:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)


def hash_and_check(source: Source) -> Fingerprint:
    return Fingerprint(sha256_file(source.path), compression_error(source))


def hashed(sources: Sequence[Source]) -> Survey:
    """The survey of text files: sha256, and a full decompression check of ``.gz``/``.zst`` files
    (DuckDB reads a truncated gzip stream up to the damage without an error), in one thread."""
    pool = cf.ThreadPoolExecutor(1, thread_name_prefix="lake-hash")
    return Survey(pool, pool.map(hash_and_check, sources))
