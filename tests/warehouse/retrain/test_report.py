"""The retrain report's pictures on a real retrain: both sides' histograms per feature (shares of each
side's rows), and Vega-Lite specs that validate against Vega-Lite's schema (altair's)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import altair as alt
import duckdb
import pytest

import warehouse
from tests.warehouse.retrain.test_loop import CREATE, NEW, OLD
from warehouse.retrain import retrain
from warehouse.retrain.report import specs, write_html


def test_histograms_and_specs_of_a_real_retrain(tmp_path: Path) -> None:
    con = duckdb.connect()
    con.execute(OLD)
    warehouse.execute(con, CREATE)
    con.execute(NEW)
    report = retrain(con, "ml.r")
    sides: dict[tuple[str, str], float] = defaultdict(float)
    for row in report.histograms:
        sides[(row["feature"], row["side"])] += row["share"]
    assert sorted(sides) == [
        ("kind", "base (training)"),
        ("kind", "study (current)"),
        ("x", "base (training)"),
        ("x", "study (current)"),
    ]
    assert all(total == pytest.approx(1.0) for total in sides.values())
    # the new value 'c' is only on the study side; x's buckets are disjoint ([0, 1) vs [2, 3))
    kinds = {(r["side"], r["value"]) for r in report.histograms if r["feature"] == "kind"}
    assert ("study (current)", "c") in kinds and ("base (training)", "c") not in kinds
    charts = specs(report)
    assert [c["title"].split(":")[0] for c in charts[1:]] == ["x", "kind"]
    assert charts[0]["title"] == f"on the hold-out: {report.reason}"
    for chart in charts:
        (alt.FacetChart if "facet" in chart else alt.Chart).from_dict(chart)  # raises if invalid
    page = write_html(report, tmp_path / "r.html").read_text()
    assert page.count("vegaEmbed('#chart") == len(charts) == 3
