"""The demo pipeline: every real component once, on generated sample data.

Each step is a function ``(DemoRun) -> StepReport`` listed in ``STEPS``; a step that fails stops the
run (later steps need its output) and is reported with its one-line error. The library returns the
report; the CLI renders it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lakehouse.errors import LakehouseError
from lakehouse.progress import ProgressCallback
from lakehouse.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class StepReport:
    name: str
    ok: bool = True
    seconds: float = 0.0
    lines: list[str] = field(default_factory=list)  # short, human
    data: dict[str, Any] = field(default_factory=dict)  # details for --json


@dataclass
class DemoReport:
    home: Path
    steps: list[StepReport]
    seconds: float

    @property
    def ok(self) -> bool:
        return all(step.ok for step in self.steps)


@dataclass
class DemoRun:
    """What the steps share: settings, knobs, and what earlier steps produced."""

    settings: Settings
    scale: float
    progress: ProgressCallback | None
    state: dict[str, Any] = field(default_factory=dict)

    @property
    def sample_dir(self) -> Path:
        return self.settings.home / "sample"


def step_sample(run: DemoRun) -> StepReport:
    from lake.sample import generate

    report = StepReport("sample data")
    # deterministic: regenerating gives byte-identical files, which the ingest then skips as already landed
    sample = generate(run.sample_dir, scale=run.scale, seed=run.settings.seed, progress=run.progress)
    run.state["sample"] = sample
    report.lines.append(
        f"{len(sample.files)} files, {sample.bytes / 1e6:.1f} MB in {run.sample_dir} "
        f"({len(sample.bad_records)} deliberately bad records)"
    )
    report.data = {"rows": sample.rows, "bytes": sample.bytes, "bad_records": len(sample.bad_records)}
    return report


STEPS: list[Callable[[DemoRun], StepReport]] = [step_sample]


def run_demo(
    settings: Settings, *, scale: float = 1.0, progress: ProgressCallback | None = None
) -> DemoReport:
    """Run every step in order; stop at the first failing step."""
    started = time.perf_counter()
    run = DemoRun(settings, scale, progress)
    steps: list[StepReport] = []
    for step in STEPS:
        t0 = time.perf_counter()
        try:
            result = step(run)
        except LakehouseError as exc:
            name = (step.__doc__ or step.__name__).strip().splitlines()[0]
            result = StepReport(name, ok=False, lines=[str(exc)])
        result.seconds = time.perf_counter() - t0
        steps.append(result)
        log.info("demo step %s: %s in %.1f s", result.name, "ok" if result.ok else "FAILED", result.seconds)
        if not result.ok:
            break
    return DemoReport(settings.home, steps, time.perf_counter() - started)
