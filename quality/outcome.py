"""What a validation produced, engine-independent: one ``Outcome`` per expectation, one ``Validation`` per run.

Both engines fill the same fields with GX's meaning (``element_count`` rows in the batch, ``unexpected_count``
rows failing a row-level check, ``observed_value`` for aggregate checks), so their results can be compared
field by field and stored in one format.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any, Literal

from lakehouse.contracts import ValidationSummary
from lakehouse.gate import CheckFailure, GateResult, Severity

Engine = Literal["gx", "sql"]
Source = Literal["ingest", "check"]
EXAMPLES = 5  # failing values kept per expectation


@dataclass(frozen=True)
class Outcome:
    expectation: str
    kwargs: dict[str, Any]
    severity: Severity
    success: bool
    element_count: int | None = None
    unexpected_count: int | None = None
    examples: list[Any] = field(default_factory=list)
    observed_value: Any = None
    error: str | None = None  # the check could not run (e.g. a missing column): counts as failed

    @property
    def column(self) -> str | None:
        if "column" in self.kwargs:
            return str(self.kwargs["column"])
        if "column_list" in self.kwargs:
            return ",".join(self.kwargs["column_list"])
        return None

    def detail(self) -> str:
        if self.error:
            return self.error
        if self.unexpected_count is not None:
            return f"{self.unexpected_count} of {self.element_count} rows unexpected"
        if self.expectation in COLUMN_SET_CHECKS and isinstance(self.observed_value, list):
            return _column_mismatch(self.kwargs, self.observed_value)
        return f"observed {_short(self.observed_value)}"

    def to_failure(self) -> CheckFailure:
        return CheckFailure(
            expectation=self.expectation,
            severity=self.severity,
            column=self.column,
            unexpected_count=self.unexpected_count,
            examples=list(self.examples),
            detail=self.detail(),
        )


@dataclass(frozen=True)
class Validation:
    dataset: str
    suite: str
    relation: str
    engine: Engine
    source: Source
    rows: int
    outcomes: list[Outcome]
    validated_at: str  # ISO-8601 UTC
    seconds: float
    gated: bool = True

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.success]

    @property
    def failed_critical(self) -> int:
        return sum(1 for o in self.failures if o.severity == "critical")

    @property
    def failed_warning(self) -> int:
        return sum(1 for o in self.failures if o.severity == "warning")

    @property
    def passed(self) -> bool:
        """Gate on the highest failed severity (GX's own ``success`` is false for warnings too)."""
        return self.failed_critical == 0

    def gate_result(self, result_path: Any = None) -> GateResult:
        failures = sorted((o.to_failure() for o in self.failures), key=lambda f: f.severity != "critical")
        return GateResult(
            dataset=self.dataset,
            suite=self.suite,
            checks=len(self.outcomes),
            failures=failures,
            result_path=result_path,
            seconds=self.seconds,
        )

    def summary(self) -> ValidationSummary:
        """The record the catalog shows (``latest_results``).

        At ingest the gate validates the staged batch (``relation`` is a temporary view); the result is
        about the lake table the batch was bound for.
        """
        return ValidationSummary(
            dataset=self.dataset,
            table=self.relation if self.source == "check" else f"lake.{self.dataset}",
            suite=self.suite,
            passed=self.passed,
            checks=len(self.outcomes),
            failed_critical=self.failed_critical,
            failed_warning=self.failed_warning,
            validated_at=dt.datetime.fromisoformat(self.validated_at),
            source=self.source,
            gated=self.gated,
            rows=self.rows,
            engine=self.engine,
        )


COLUMN_SET_CHECKS = ("expect_table_columns_to_match_set", "expect_table_columns_to_match_ordered_list")


def _column_mismatch(kwargs: dict[str, Any], observed: list[str]) -> str:
    expected = list(kwargs.get("column_set") or kwargs.get("column_list") or [])
    missing = [c for c in expected if c not in observed]
    extra = [c for c in observed if c not in expected and not c.startswith("_")]
    parts = [f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}"] if missing else []
    if extra:
        parts.append(f"unexpected column{'s' if len(extra) > 1 else ''} {', '.join(extra)}")
    return "; ".join(parts) or f"columns out of order: {', '.join(observed)}"


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plain(value: Any) -> Any:
    """A JSON-friendly copy of a result value (numpy scalars, timestamps, NaN/NA)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if type(value).__name__ in ("NAType", "NaTType"):
        return None
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalar
        return plain(value.item())
    return str(value)
