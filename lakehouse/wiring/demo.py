"""The demo pipeline: every real component once, on generated sample data.

Each step is a function ``(DemoRun) -> StepReport`` listed in ``STEPS``; a step that fails stops the
run (later steps need its output) and is reported with its one-line error. The library returns the
report; the CLI renders it. Project files the user has none of (dbt project, suites, policy, metadata)
come from the sample project bundled with the package (``sample_project``); the report says which.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import catalog
import quality
import warehouse
from catalog.access import Principal, run_query
from lake.sample import generate
from lakehouse.errors import LakehouseError
from lakehouse.progress import ProgressCallback
from lakehouse.settings import Settings
from lakehouse.wiring.pipeline import build_warehouse, ingest, models_changed
from lakehouse.wiring.policy import with_policy_decisions
from lakehouse.wiring.sample_project import SampleUse, with_sample_project
from warehouse.retrain import RetrainReport, retrain
from warehouse.retrain.report import write_html
from warehouse.sql.principal import COMPILER

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
    sample_project: SampleUse | None = None  # the project files taken from the bundled sample

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


#: dataset -> sub-folder of the sample (one dataset per folder)
DATASETS = ("customers", "products", "orders", "events", "images")


def _batches(run: DemoRun, dataset: str) -> list[list[Path]]:
    """One batch per dataset folder; events in two (January-March, then April on), so that the form
    change of April shows up as schema evolution of an existing table."""
    folder = run.sample_dir / dataset
    if dataset != "events":
        return [[folder]]
    files = sorted(p for p in folder.iterdir() if p.name.startswith("events-"))
    early = [p for p in files if p.name < "events-2026-04"]
    return [early, [p for p in files if p not in early]]


def _land(run: DemoRun, report: StepReport, dataset: str, batch: list[Path]) -> None:
    result = ingest(run.settings, batch, dataset, progress=run.progress)
    skipped = f", {result.files_skipped} files already landed" if result.files_skipped else ""
    report.lines.append(
        f"lake.{dataset}: {len(result.files)} files, {result.rows_landed:,} rows landed, "
        f"{result.rows_quarantined} quarantined{skipped} (snapshot {result.snapshot_id})"
    )
    report.lines.extend(
        f"    schema: {change.describe()}" for change in result.schema_changes if change.change != "created"
    )
    report.data.setdefault(dataset, []).append(result.summary())


def step_ingest(run: DemoRun) -> StepReport:
    """Every dataset, events up to March only: the April batch lands after the model is trained
    (``step_retrain``)."""
    report = StepReport("ingest into the lake")
    for dataset in DATASETS:
        first, *later = _batches(run, dataset)
        _land(run, report, dataset, first)
        if later:
            run.state["later"] = [(dataset, batch) for batch in later]
    return report


def step_quality(run: DemoRun) -> StepReport:
    report = StepReport("quality checks (Great Expectations)")
    results = quality.check(run.settings, list(DATASETS), progress=run.progress)
    for result in results:
        failed = len(result.failures)
        report.lines.append(
            f"{result.dataset}: {result.checks - failed}/{result.checks} expectations passed"
            + (f", {len(result.warnings)} warnings" if result.warnings else "")
        )
        report.ok = report.ok and result.passed
        report.data[result.dataset] = {"checks": result.checks, "failed": failed, "passed": result.passed}
    return report


def step_dbt(run: DemoRun) -> StepReport:
    result = build_warehouse(run.settings, progress=run.progress)
    report = StepReport("dbt build (warehouse)", ok=result.success, data=result.summary())
    report.lines.append(
        f"{result.models_built} models built, {result.tests_passed} tests passed, "
        f"{result.tests_warned} warned, {result.tests_failed} failed "
        f"(dbt start-up {result.startup_seconds:.1f} s, SQL {result.sql_seconds:.1f} s)"
    )
    return report


SEGMENT_MODEL = """
CREATE OR REPLACE MODEL `ml.demo_segments`
OPTIONS (model_type = 'kmeans', num_clusters = 5, kmeans_init_method = 'KMEANS++',
         model_registry = 'vertex_ai', vertex_ai_model_id = 'demo_segments')
AS SELECT annual_income, spending_score, age, session_count FROM marts.customer_features
"""
SEGMENT_SIZES = """
SELECT centroid_id, count(*) AS customers, round(avg(annual_income), 1) AS avg_income,
       round(avg(spending_score), 1) AS avg_score
FROM ML.PREDICT(MODEL `ml.demo_segments`, TABLE marts.customer_features)
GROUP BY centroid_id ORDER BY centroid_id
"""


def step_ml(run: DemoRun) -> StepReport:
    report = StepReport("BigQuery ML k-means in DuckDB")
    con = warehouse.connect(run.settings)
    try:
        created = warehouse.execute(con, SEGMENT_MODEL)
        sizes = warehouse.execute(con, SEGMENT_SIZES)
        metrics = warehouse.execute(con, "SELECT * FROM ML.EVALUATE(MODEL `ml.demo_segments`)")
    finally:
        con.close()
    models_changed(run.settings)
    report.lines.append(created.message or "model ml.demo_segments created")
    for centroid, customers, income, score in sizes.rows:
        report.lines.append(f"segment {centroid}: {customers:,} customers, income {income}k, score {score}")
    evaluation = dict(zip(metrics.columns, metrics.rows[0], strict=True))
    report.lines.append(", ".join(f"{k} {v:.3f}" for k, v in evaluation.items()))
    report.data = {"segments": [dict(zip(sizes.columns, r, strict=True)) for r in sizes.rows], **evaluation}
    return report


def step_catalog(run: DemoRun) -> StepReport:
    report = StepReport("catalog refresh and search")
    refreshed = catalog.refresh(run.settings, progress=run.progress)
    report.lines.append(
        f"{refreshed.datasets} datasets, {refreshed.columns} columns, {refreshed.pii_columns} PII columns, "
        f"{refreshed.lineage_edges} lineage edges"
    )
    for query in ("customer email", "pii=true type=column", "segments"):
        found = catalog.search(run.settings, query, limit=3)
        names = (
            ", ".join(hit.name + (f".{hit.column}" if hit.column else "") for hit in found.hits) or "no hits"
        )
        report.lines.append(f"search {query!r}: {found.total} hits; top: {names}")
        report.data[query] = [hit.name for hit in found.hits]
    return report


MASKED_QUERY = "SELECT customer_id, email, phone, birth_date FROM lake.customers ORDER BY customer_id LIMIT 3"
FILTERED_QUERY = "SELECT country, count(*) AS customers FROM lake.customers GROUP BY country ORDER BY country"
PREDICT_QUERY = (
    "SELECT centroid_id, count(*) AS customers FROM ML.PREDICT(MODEL ml.customer_segments, "
    "(SELECT annual_income, spending_score, age FROM lake.customers)) GROUP BY 1 ORDER BY 1"
)


def step_access(run: DemoRun) -> StepReport:
    report = StepReport("access rules (masked and filtered reads)")
    masked = run_query(run.settings, Principal.of(user="ana"), MASKED_QUERY)
    report.lines.append(f"as ana (analyst): {MASKED_QUERY}")
    report.lines.extend("    " + " | ".join(map(str, row)) for row in masked.rows)
    filtered = run_query(run.settings, Principal.of(user="mark"), FILTERED_QUERY)
    report.lines.append(f"as mark (marketing): {FILTERED_QUERY}")
    report.lines.append("    " + ", ".join(f"{country} {n}" for country, n in filtered.rows))
    predicted = run_query(run.settings, Principal.of(user="mark"), PREDICT_QUERY, compile_ml=COMPILER)
    report.lines.append(f"as mark, on his rows only: {PREDICT_QUERY}")
    report.lines.append("    " + ", ".join(f"segment {c}: {n}" for c, n in predicted.rows))
    report.data = {"masked": masked.rows, "filtered": filtered.rows, "predicted": predicted.rows}
    return report


#: the skew check's thresholds (ML.VALIDATE_DATA_SKEW's STRUCT): BigQuery's defaults (0.3), and a per-feature
#: threshold for the activity feature, which the team watches more closely than the customers' profile
WATCHED: dict[str, Any] = {"thresholds": [("session_count", 0.1)]}


def step_retrain(run: DemoRun) -> StepReport:
    """The April batch lands (the form change), the warehouse is rebuilt, and the segmentation model's
    inputs are checked for drift: a challenger is trained, compared on one hold-out, promoted or kept."""
    report = StepReport("model monitoring: the April batch")
    for dataset, batch in run.state.get("later", []):
        _land(run, report, dataset, batch)
    rebuilt = build_warehouse(run.settings, select="+customer_features", progress=run.progress)
    report.lines.append(f"dbt: customer_features and its parents rebuilt ({rebuilt.models_built} models)")
    started = time.perf_counter()
    con = warehouse.connect(run.settings)
    try:
        result = retrain(con, "ml.demo_segments", thresholds=WATCHED, progress=run.progress)
    finally:
        con.close()
    report.data["retrain_seconds"] = time.perf_counter() - started
    if result.retrained:
        models_changed(run.settings)
    result.html = str(write_html(result, run.settings.home / "reports" / "retrain" / f"{result.model}.html"))
    report.lines.extend(retrain_lines(result))
    report.lines.append(f"pictures: {result.html} (retrain loop {report.data['retrain_seconds']:.1f} s)")
    report.data["retrain"] = result
    run.state["retrain"] = result
    return report


def retrain_lines(result: RetrainReport) -> list[str]:
    """The retrain decision as a few readable lines: drift per input, both versions' metric, the verdict."""
    lines = [f"drift of {result.model}'s inputs (ML.VALIDATE_DATA_SKEW against its training statistics):"]
    for row in result.skew:
        value = "n/a" if row["value"] is None else f"{row['value']:.3f}"
        flag = "DRIFTED" if row["is_anomaly"] else "ok"
        note = f" ({row['reason']})" if row.get("reason") else ""
        lines.append(
            f"    {row['input']}: {row['metric']} {value} vs threshold {row['threshold']} {flag}{note}"
        )
    if result.retrained:
        metric = result.metric or "metric"
        for role, side in (("champion", result.champion), ("challenger", result.challenger)):
            value = side["metrics"].get(metric)
            shown = "n/a" if value is None else f"{value:.4f}"
            lines.append(f"{role} v{side['version']} ({side['name']}): {metric} {shown} on the hold-out")
    lines.append(result.reason)
    return lines


STEPS: list[Callable[[DemoRun], StepReport]] = [
    step_sample,
    step_ingest,
    step_quality,
    step_dbt,
    step_ml,
    step_retrain,
    step_catalog,
    step_access,
]


def run_demo(
    settings: Settings, *, scale: float = 1.0, progress: ProgressCallback | None = None
) -> DemoReport:
    """Run every step in order; stop at the first failing step.

    ``settings`` as loaded: the policy's decisions for the floor are taken here, after the sample project
    has filled in the project files the user has none of.
    """
    started = time.perf_counter()
    settings, sample = with_sample_project(settings)
    if sample is not None:
        log.info("demo: %s", sample.describe())
    run = DemoRun(with_policy_decisions(settings), scale, progress)
    steps: list[StepReport] = []
    for step in STEPS:
        t0 = time.perf_counter()
        try:
            result = step(run)
        except LakehouseError as exc:
            result = StepReport(step.__name__.removeprefix("step_"), ok=False, lines=[str(exc)])
        result.seconds = time.perf_counter() - t0
        steps.append(result)
        log.info("demo step %s: %s in %.1f s", result.name, "ok" if result.ok else "FAILED", result.seconds)
        if not result.ok:
            break
    return DemoReport(settings.home, steps, time.perf_counter() - started, sample)
