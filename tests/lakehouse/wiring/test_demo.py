"""``lakehouse demo`` end to end in a temporary LAKEHOUSE_HOME: every step runs the real component."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from lakehouse.settings import Settings
from lakehouse.wiring.demo import DemoReport, run_demo
from tests.conftest import CliResult

pytestmark = [pytest.mark.integration, pytest.mark.slow]

Run = tuple[CliResult, Any]  # the CLI's result and its parsed --json report


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("demo") / "home"


@pytest.fixture(scope="module")
def first_run(demo_home: Path) -> Run:
    """The CLI, once, as a newcomer runs it (JSON so the test can read every step)."""
    import contextlib
    import io
    import os

    from lakehouse.cli import main

    out, err = io.StringIO(), io.StringIO()
    old = {k: v for k, v in os.environ.items() if k.startswith("LAKEHOUSE_")}
    for key in old:
        del os.environ[key]
    code = 0
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            main(["--home", str(demo_home), "--threads", "2", "demo", "--json"])
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        os.environ.update(old)
    return CliResult(code, out.getvalue(), err.getvalue()), json.loads(out.getvalue())


def steps(report: Any) -> dict[str, Any]:
    return {step["name"]: step for step in report["steps"]}


def test_every_step_passes(first_run: Run) -> None:
    result, report = first_run
    assert result.code == 0, result.err
    names = [step["name"] for step in report["steps"]]
    assert names == [
        "sample data",
        "ingest into the lake",
        "quality checks (Great Expectations)",
        "dbt build (warehouse)",
        "BigQuery ML k-means in DuckDB",
        "model monitoring: the April batch",
        "catalog refresh and search",
        "access rules (masked and filtered reads)",
    ]
    assert all(step["ok"] for step in report["steps"])


def test_rows_are_accounted_for(first_run: Run, demo_home: Path) -> None:
    _, report = first_run
    sample = json.loads((demo_home / "sample" / "_sample.json").read_text())
    bad = {}
    for record in sample["bad_records"]:
        bad[record["dataset"]] = bad.get(record["dataset"], 0) + 1
    ingest = dict(steps(report)["ingest into the lake"]["data"])
    april = steps(report)["model monitoring: the April batch"]["data"]
    ingest["events"] = ingest["events"] + april["events"]
    for dataset, batches in ingest.items():
        landed = sum(b["rows_landed"] for b in batches)
        quarantined = sum(b["rows_quarantined"] for b in batches)
        read = sum(b["rows_read"] for b in batches)
        assert read == landed + quarantined + sum(b["rows_skipped"] for b in batches)
        assert quarantined == bad.get(dataset, 0), dataset
        assert landed == sample["rows"][dataset] - bad.get(dataset, 0), dataset


def test_form_change_is_reported(first_run: Run) -> None:
    _, report = first_run
    lines = "\n".join(steps(report)["model monitoring: the April batch"]["lines"])
    assert "added column consent" in lines and "added column campaign" in lines


def test_the_april_batch_tells_the_retrain_story(first_run: Run) -> None:
    """After the April batch: drift of the segmentation model's inputs, a challenger trained and compared
    on one hold-out, the decision recorded; both versions kept in the registry."""
    _, report = first_run
    step = steps(report)["model monitoring: the April batch"]
    decision = step["data"]["retrain"]
    skew = {row["input"]: row for row in decision["skew"]}
    assert set(skew) >= {"annual_income", "spending_score", "age", "session_count"}
    assert skew["session_count"]["is_anomaly"] and not skew["age"]["is_anomaly"]
    assert decision["retrained"] and decision["metric"] == "davies_bouldin_index"
    assert decision["challenger"]["version"] == decision["champion"]["version"] + 1
    assert isinstance(decision["lake_snapshot"], int)  # the lake as the loop read it, April included
    text = "\n".join(step["lines"])
    assert "session_count: JENSEN_SHANNON_DIVERGENCE" in text and "DRIFTED" in text
    assert decision["reason"] in text and decision["reason"].startswith(("promoted:", "kept:"))


def test_warehouse_model_and_segments(first_run: Run) -> None:
    _, report = first_run
    dbt = steps(report)["dbt build (warehouse)"]["data"]
    assert dbt["tests_failed"] == 0 and dbt["models_built"] >= 10
    ml = steps(report)["BigQuery ML k-means in DuckDB"]["data"]
    assert len(ml["segments"]) == 5
    landed_customers = sum(
        b["rows_landed"] for b in steps(report)["ingest into the lake"]["data"]["customers"]
    )
    assert sum(s["customers"] for s in ml["segments"]) == landed_customers
    assert ml["davies_bouldin_index"] > 0


def test_catalog_finds_what_landed(first_run: Run) -> None:
    _, report = first_run
    found = steps(report)["catalog refresh and search"]["data"]
    assert "lake.customers" in found["customer email"]
    assert any(name.startswith("ml.") for name in found["segments"])


def test_access_masks_and_filters(first_run: Run) -> None:
    _, report = first_run
    data = steps(report)["access rules (masked and filtered reads)"]["data"]
    emails = [row[1] for row in data["masked"]]
    assert emails and all("@" not in e or e.startswith("XXXXX") for e in emails)
    countries = {row[0] for row in data["filtered"]}
    assert countries and countries <= {
        "France",
        "Germany",
        "Ireland",
        "Netherlands",
        "Spain",
        "Sweden",
        "Italy",
    }
    # ML.PREDICT as mark scores exactly the rows his row rules keep: as many as his own count
    assert sum(n for _, n in data["predicted"]) == sum(n for _, n in data["filtered"])


def test_second_run_lands_nothing_new(first_run: Run, demo_home: Path) -> None:
    from lakehouse.settings import load_settings

    settings: Settings = load_settings({"home": demo_home, "threads": 2}, env={})
    again: DemoReport = run_demo(settings)
    assert again.ok, [(s.name, s.lines) for s in again.steps if not s.ok]
    ingest = [again.steps[1].data, {"events": again.steps[5].data["events"]}]
    assert sum(b["rows_landed"] for step in ingest for batches in step.values() for b in batches) == 0
