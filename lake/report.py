"""What an ingest returns: plain dataclasses the CLI renders as a table or JSON."""

from __future__ import annotations

from dataclasses import dataclass, field

from lakehouse.contracts import ChangeKind, LandedBatch
from lakehouse.errors import GateFailed
from lakehouse.gate import GateResult


@dataclass(frozen=True)
class SchemaChange:
    """One column change a batch makes to its table (stored as a ``lakehouse.contracts.LakeSchemaChange``)."""

    column: str
    change: ChangeKind
    old_type: str | None
    new_type: str | None

    def describe(self) -> str:
        text = {
            "created": f"new column {self.column} {self.new_type}",
            "added": f"added column {self.column} {self.new_type}",
            "widened": f"widened {self.column} {self.old_type} -> {self.new_type}",
            "as_json": f"{self.column} has mixed shapes: kept as JSON (was {self.old_type})",
            "missing": f"{self.column} is absent from this batch (reads as NULL)",
        }
        return text.get(self.change, f"{self.change} {self.column}")


@dataclass
class FileReport:
    uri: str
    format: str
    bytes: int
    sha256: str
    status: str = "pending"  # landed | skipped | quarantined | rejected (by the gate) | pending
    rows_read: int = 0
    rows_landed: int = 0
    rows_quarantined: int = 0
    rows_skipped: int = 0
    reason: str | None = None  # why a whole file was skipped or quarantined
    #: column -> null marker -> how many of its values (NA, N/A, …) became NULL (CSV)
    null_markers: dict[str, dict[str, int]] = field(default_factory=dict)


@dataclass
class IngestReport:
    dataset: str
    batch_id: str
    mode: str
    committed: bool = False
    snapshot_id: int | None = None
    files: list[FileReport] = field(default_factory=list)
    schema_changes: list[SchemaChange] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    gate: GateResult | None = None
    gate_skipped: bool = False
    seconds: float = 0.0

    def _sum(self, name: str) -> int:
        return sum(int(getattr(f, name)) for f in self.files)

    @property
    def rows_read(self) -> int:
        return self._sum("rows_read")

    @property
    def rows_landed(self) -> int:
        return self._sum("rows_landed")

    @property
    def rows_quarantined(self) -> int:
        return self._sum("rows_quarantined")

    @property
    def rows_skipped(self) -> int:
        return self._sum("rows_skipped")

    @property
    def bytes(self) -> int:
        return self._sum("bytes")

    @property
    def files_skipped(self) -> int:
        return sum(f.status == "skipped" for f in self.files)

    @property
    def null_markers(self) -> dict[str, dict[str, int]]:
        """Column -> null marker -> how many values it turned into NULL, over the landed files."""
        found: dict[str, dict[str, int]] = {}
        for f in self.files:
            if f.status != "landed":
                continue
            for column, markers in f.null_markers.items():
                counts = found.setdefault(column, {})
                for marker, n in markers.items():
                    counts[marker] = counts.get(marker, 0) + n
        return found

    def landed(self) -> LandedBatch:
        """The committed batch as the catalog reads it (``catalog.register_ingest``)."""
        uris = tuple(f.uri for f in self.files if f.status == "landed")
        markers = {c: tuple(sorted(m)) for c, m in sorted(self.null_markers.items())}
        return LandedBatch(self.dataset, uris, markers)

    def summary(self) -> dict[str, object]:
        """The totals, for JSON output and logs (rows read = landed + quarantined + skipped)."""
        return {
            "files": len(self.files),
            "files_skipped": self.files_skipped,
            "rows_read": self.rows_read,
            "rows_landed": self.rows_landed,
            "rows_quarantined": self.rows_quarantined,
            "rows_skipped": self.rows_skipped,
            "null_markers": self.null_markers,
            "bytes": self.bytes,
            "seconds": round(self.seconds, 3),
            "mb_per_s": round(self.bytes / 1e6 / self.seconds, 1) if self.seconds else None,
        }


class BatchRejected(GateFailed):
    """The quality gate failed a batch: nothing was committed and the batch is in quarantine."""

    def __init__(self, report: IngestReport) -> None:
        failed = [f for f in (report.gate.failures if report.gate else []) if f.severity == "critical"]
        names = ", ".join(sorted({f.expectation + (f"({f.column})" if f.column else "") for f in failed}))
        super().__init__(
            f"quality gate rejected batch {report.batch_id} for lake.{report.dataset}: {names}",
            hint=f"nothing was committed; the {report.rows_quarantined} rows are in lake._quarantine",
        )
        self.report = report
