"""The retrain decision as pictures: per-feature base-vs-study histograms and champion/challenger metrics.

``specs(report)`` (the report's ``histograms``, see ``histograms.py``) turns a ``RetrainReport`` into Vega-Lite specs (plain JSON), and ``write_html`` writes one
self-contained HTML page with them and the vendored vega, vega-lite and vega-embed scripts (``vendor/``,
BSD-3-Clause, licences beside them): it opens without a network.
"""

from __future__ import annotations

import html
import json
from importlib import resources
from pathlib import Path
from typing import Any

from warehouse.retrain.loop import RetrainReport

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
SCRIPTS = ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js")


def _feature_spec(feature: str, rows: list[dict[str, Any]], drift: dict[str, Any] | None) -> dict[str, Any]:
    numeric = any(r["kind"] != "value" for r in rows)
    title = (
        feature
        if drift is None
        else (
            f"{feature}: {drift['metric']} {drift['value']:.3f} (threshold {drift['threshold']})"
            if drift.get("value") is not None
            else f"{feature}: {drift.get('reason') or 'not compared'}"
        )
    )
    color = {"field": "side", "type": "nominal", "title": None}
    y = {"field": "share", "type": "quantitative", "title": "share of rows"}
    encoding: dict[str, Any] = (
        {"x": {"field": "low", "type": "quantitative", "title": feature}, "x2": {"field": "high"}}
        if numeric
        else {
            "x": {"field": "value", "type": "nominal", "title": feature, "sort": "-y"},
            "xOffset": {"field": "side"},
        }
    )
    return {
        "$schema": SCHEMA,
        "title": title,
        "width": 320,
        "height": 160,
        "data": {"values": [{k: r[k] for k in ("low", "high", "value", "share", "side")} for r in rows]},
        "mark": {"type": "bar", "opacity": 0.6} if numeric else {"type": "bar"},
        "encoding": {**encoding, "y": {**y, "stack": None} if numeric else y, "color": color},
    }


def _metrics_spec(report: RetrainReport) -> dict[str, Any] | None:
    if not report.retrained:
        return None
    values = [
        {"model": f"{role} v{side['version']}", "metric": name, "value": value}
        for role, side in (("champion", report.champion), ("challenger", report.challenger))
        for name, value in side["metrics"].items()
    ]
    return {
        "$schema": SCHEMA,
        "title": f"on the hold-out: {report.reason}",
        "data": {"values": values},
        "facet": {"field": "metric", "type": "nominal", "title": None},
        "columns": 4,
        "resolve": {"scale": {"y": "independent"}},
        "spec": {
            "width": 140,
            "height": 120,
            "mark": "bar",
            "encoding": {
                "x": {"field": "model", "type": "nominal", "title": None},
                "y": {"field": "value", "type": "quantitative", "title": None},
                "color": {"field": "model", "type": "nominal", "legend": None},
            },
        },
    }


def specs(report: RetrainReport) -> list[dict[str, Any]]:
    """The Vega-Lite specs of the report: the metrics (when a challenger was trained), then one per feature."""
    drift = {row["input"]: row for row in report.skew}
    features: dict[str, list[dict[str, Any]]] = {}
    for row in report.histograms:
        features.setdefault(row["feature"], []).append(row)
    out = [s for s in [_metrics_spec(report)] if s is not None]
    out.extend(_feature_spec(name, rows, drift.get(name)) for name, rows in features.items())
    return out


def _script(name: str) -> str:
    return resources.files(__package__).joinpath("vendor", name).read_text(encoding="utf-8")


def _json(spec: dict[str, Any]) -> str:
    """The spec as a JavaScript literal inside <script> (a "</" in a name must not end the script)."""
    return json.dumps(spec, default=float).replace("</", "<\\/")


def write_html(report: RetrainReport, path: Path) -> Path:
    """One HTML page with the report's charts (no network needed to open it); its path."""
    charts = specs(report)
    divs = "\n".join(f'<div id="chart{i}" class="chart"></div>' for i in range(len(charts)))
    embeds = "\n".join(
        f"vegaEmbed('#chart{i}', {_json(spec)}, {{actions: false}});" for i, spec in enumerate(charts)
    )
    scripts = "\n".join(f"<script>{_script(name)}</script>" for name in SCRIPTS)
    page = (
        "<!doctype html>\n<html><head><meta charset='utf-8'>"
        f"<title>retrain {html.escape(report.model)}</title>\n{scripts}\n"
        "<style>body{font-family:sans-serif;margin:2em} .chart{display:inline-block;margin:1em}</style>"
        f"</head><body>\n<h1>retrain {html.escape(report.model)}</h1>\n<p>{html.escape(report.reason)}</p>\n"
        f"{divs}\n<script>\n{embeds}\n</script>\n</body></html>\n"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path
