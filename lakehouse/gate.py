"""The contract between the lake (which stages a batch) and the quality gate (which judges it).

``lake.ingest`` stages a normalized batch as a relation in a DuckDB connection, then calls a
``Gate`` before committing. The quality package provides the real gate; the lake never imports it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

import duckdb

Severity = Literal["critical", "warning"]


@dataclass(frozen=True)
class CheckFailure:
    expectation: str  # GX expectation type, e.g. "expect_column_values_to_not_be_null"
    severity: Severity
    column: str | None = None
    unexpected_count: int | None = None
    examples: list[Any] = field(default_factory=list)  # a few failing values
    detail: str = ""  # one line: what was expected, what was observed


@dataclass(frozen=True)
class GateResult:
    dataset: str
    suite: str | None  # None when the dataset has no suite (nothing was checked)
    checks: int  # expectations evaluated
    failures: list[CheckFailure] = field(default_factory=list)
    result_path: Path | None = None  # the stored validation result
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        """False when any critical expectation failed (warnings do not block)."""
        return not any(f.severity == "critical" for f in self.failures)

    @property
    def warnings(self) -> list[CheckFailure]:
        return [f for f in self.failures if f.severity == "warning"]


class Gate(Protocol):
    def __call__(self, con: duckdb.DuckDBPyConnection, dataset: str, relation: str) -> GateResult:
        """Validate the staged batch ``relation`` (a table or view name in ``con``) for ``dataset``."""
        ...
