"""What ``generate`` returns: the files written and the deliberately bad records, with what is wrong."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

DATASETS = ("customers", "products", "orders", "events", "images")


@dataclass(frozen=True, slots=True)
class SampleFile:
    """One generated file; ``rows`` counts records written, the bad ones included (images: 1 per file)."""

    path: str  # relative to the output directory, with forward slashes
    dataset: str
    rows: int
    bytes: int


@dataclass(frozen=True, slots=True)
class BadRecord:
    """A record or file that is wrong on purpose, so the quarantine path has something to catch."""

    dataset: str
    path: str  # relative to the output directory
    line: int | None  # 1-based physical line (a CSV header is line 1); None for a whole bad file
    problem: str


@dataclass(frozen=True, slots=True)
class DatasetPart:
    """What one dataset generator wrote."""

    files: list[SampleFile]
    bad_records: list[BadRecord] = field(default_factory=list)


@dataclass(frozen=True)
class SampleReport:
    """Everything written by one ``generate`` call. Rows = good rows + ``len(bad_records)`` per dataset."""

    out_dir: Path
    seed: int
    scale: float
    files: list[SampleFile]
    rows: dict[str, int]  # per dataset, bad records included
    bytes: int
    bad_records: list[BadRecord]

    @classmethod
    def from_parts(
        cls, out_dir: Path, seed: int, scale: float, parts: dict[str, DatasetPart]
    ) -> SampleReport:
        files = [f for name in DATASETS for f in parts[name].files]
        return cls(
            out_dir=out_dir,
            seed=seed,
            scale=scale,
            files=files,
            rows={name: sum(f.rows for f in parts[name].files) for name in DATASETS},
            bytes=sum(f.bytes for f in files),
            bad_records=[bad for name in DATASETS for bad in parts[name].bad_records],
        )

    def good_rows(self, dataset: str) -> int:
        """Rows a correct ingest should land for ``dataset`` (the others belong in quarantine)."""
        return self.rows[dataset] - sum(1 for bad in self.bad_records if bad.dataset == dataset)
