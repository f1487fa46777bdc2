"""Validation results with history: one JSON file per validation under ``settings.quality_dir``.

Layout: ``<quality_dir>/results/<dataset>/<UTC timestamp>-<source>.json``. Files are written atomically
(temp file + rename), so a reader such as the catalog never sees half a result. ``latest_results`` is what the
catalog shows; ``history`` lists older runs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from lakehouse import contracts
from lakehouse.settings import Settings
from quality.outcome import Outcome, Source, Validation, plain


def results_dir(settings: Settings, dataset: str | None = None) -> Path:
    root = contracts.results_dir(settings.quality_dir)
    return root / dataset if dataset else root


def store(settings: Settings, validation: Validation) -> Path:
    """Write ``validation`` and return its path."""
    folder = results_dir(settings, validation.dataset)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = (
        validation.validated_at.replace("-", "").replace(":", "").replace("+0000", "Z").replace("+00:00", "Z")
    )
    path = folder / f"{stamp}-{validation.source}.json"
    record = {"summary": validation.summary().to_json(), **plain(dataclasses.asdict(validation))}
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(record, out, indent=1, ensure_ascii=False)
    os.replace(tmp, path)
    return path


def record_ungated(
    settings: Settings, dataset: str, *, suite: str | None = None, source: Source = "ingest"
) -> Path:
    """Record that a batch of ``dataset`` was committed without the gate (``--no-gate``)."""
    validation = Validation(
        dataset=dataset,
        suite=suite or dataset,
        relation=f"lake.{dataset}",
        engine="gx",
        source=source,
        rows=0,
        outcomes=[],
        validated_at=dt.datetime.now(dt.UTC).isoformat(timespec="microseconds"),
        seconds=0.0,
        gated=False,
    )
    return store(settings, validation)


def history(settings: Settings, dataset: str, limit: int | None = None) -> list[Path]:
    """Stored results of ``dataset``, newest first."""
    paths = contracts.result_files(settings.quality_dir, dataset)
    return paths[:limit] if limit else paths


def load(path: Path) -> Validation:
    data = json.loads(path.read_text(encoding="utf-8"))
    data.pop("summary", None)
    data["outcomes"] = [Outcome(**o) for o in data["outcomes"]]
    return Validation(**data)


def latest_results(settings: Settings) -> dict[str, dict[str, Any]]:
    """dataset -> summary of its latest validation (``lakehouse.contracts.ValidationSummary`` as JSON: dataset,
    table, suite, passed, checks, failed_critical, failed_warning, validated_at, source ('ingest'|'check'),
    gated, rows, engine) and its result_path."""
    latest = contracts.latest_summaries(settings.quality_dir)
    return {name: {**summary.to_json(), "result_path": str(path)} for name, (summary, path) in latest.items()}
