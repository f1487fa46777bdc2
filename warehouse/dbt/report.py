"""What a dbt invocation returns: what was built and tested, and where the time went."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, slots=True)
class NodeResult:
    """One model, test, seed or snapshot of the run."""

    unique_id: str
    resource_type: str  # model, test, seed, snapshot, ...
    name: str
    status: str  # success, pass, fail, warn, error, skipped
    seconds: float
    message: str = ""
    failures: int | None = None  # failing rows of a test


@dataclass(frozen=True)
class DbtReport:
    """The outcome of ``build`` (or ``run_dbt``).

    ``startup_seconds`` is dbt's fixed cost before any SQL runs (imports, parsing, connecting);
    ``sql_seconds`` is the execution phase dbt reports; together they make ``seconds``.
    """

    command: str
    target: str
    success: bool
    seconds: float
    startup_seconds: float
    sql_seconds: float
    nodes: list[NodeResult] = field(default_factory=list)
    project_dir: Path | None = None
    manifest: Path | None = None

    def _count(self, resource_type: str, *statuses: str) -> int:
        return sum(1 for n in self.nodes if n.resource_type == resource_type and n.status in statuses)

    @property
    def models_built(self) -> int:
        return self._count("model", "success")

    @property
    def tests_passed(self) -> int:
        return self._count("test", "pass")

    @property
    def tests_failed(self) -> int:
        return self._count("test", "fail", "error")

    @property
    def tests_warned(self) -> int:
        return self._count("test", "warn")

    @property
    def errors(self) -> list[NodeResult]:
        """Nodes that failed or errored (tests that found rows, models whose SQL failed)."""
        return [n for n in self.nodes if n.status in ("error", "fail")]

    @property
    def warnings(self) -> list[NodeResult]:
        """Tests configured as warnings that found rows (the build still succeeds)."""
        return [n for n in self.nodes if n.status == "warn"]

    def summary(self) -> dict[str, object]:
        """The headline numbers, for --json and logs."""
        return {
            "command": self.command,
            "target": self.target,
            "success": self.success,
            "models_built": self.models_built,
            "tests_passed": self.tests_passed,
            "tests_failed": self.tests_failed,
            "tests_warned": self.tests_warned,
            "skipped": sum(1 for n in self.nodes if n.status == "skipped"),
            "seconds": round(self.seconds, 3),
            "startup_seconds": round(self.startup_seconds, 3),
            "sql_seconds": round(self.sql_seconds, 3),
            "manifest": str(self.manifest) if self.manifest else None,
            "errors": [{"node": n.unique_id, "status": n.status, "message": n.message} for n in self.errors],
            "warnings": [{"node": n.unique_id, "message": n.message} for n in self.warnings],
        }
