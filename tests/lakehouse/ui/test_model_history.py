"""The model page's versions, retrain decisions and retrain report, on the demo (whose retrain loop ran).

The expected values are read from the producers: ``warehouse.ml.versions.list_versions`` and
``ml._retrain_decisions`` of the demo's warehouse, and the report file ``lakehouse demo`` wrote.
"""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

from starlette.testclient import TestClient

import warehouse
from lakehouse.settings import Settings, load_settings
from lakehouse.ui import create_app, model
from lakehouse.ui.viewer import Viewer
from warehouse.ml import versions
from warehouse.retrain.loop import decisions

MODEL = "ml.demo_segments"


def _registry(settings: Settings) -> tuple[list[versions.Version], list[dict]]:
    con = warehouse.connect(settings, read_only=True, lake=False)
    try:
        return versions.list_versions(con, "ml", "demo_segments"), decisions(con, MODEL)
    finally:
        con.close()


def _table(page: str, table_id: str) -> list[str]:
    found = re.search(rf'<table id="{table_id}">.*?<tbody>(.*?)</tbody>', page, re.S)
    assert found, table_id
    return re.findall(r"<tr[^>]*>(.*?)</tr>", found[1], re.S)


def test_the_model_page_lists_versions_and_retrain_decisions(
    admin: TestClient, demo_settings: Settings
) -> None:
    kept, made = _registry(demo_settings)
    assert kept and made  # the demo's retrain loop ran
    page = admin.get(f"/model/{MODEL}").text
    rows = _table(page, "versions")
    assert len(rows) == len(kept)
    for row, version in zip(rows, kept, strict=True):
        assert f">{version.version}<" in row
        assert all(f'<span class="badge">{a}</span>' in row for a in version.aliases)
        assert all(f"{t} @ {s}" in row for t, s in version.lake_snapshots.items())
        assert all(html.escape(name) in row for name in version.metrics)
    defaults = re.findall(r'<tr class="default">', page)
    assert len(defaults) == 1 and sum(v.is_default for v in kept) == 1
    decided = _table(page, "decisions")
    assert len(decided) == len(made)
    assert html.escape(made[0]["reason"]) in decided[0]
    assert ("yes" if made[0]["promoted"] else "no") in decided[0]
    assert 'id="retrain-report"' in page


def test_a_kept_version_shows_the_versions_of_its_model(admin: TestClient, demo_settings: Settings) -> None:
    kept, _ = _registry(demo_settings)
    others = [v for v in kept if v.stored_as != MODEL]
    assert others, "the demo keeps the challenger or the champion as a second version"
    page = admin.get(f"/model/{others[0].stored_as}").text
    assert f'Versions <span class="muted">{MODEL}</span>' in page
    assert len(_table(page, "versions")) == len(kept)
    assert f'href="/model/{MODEL}"' in page  # the default version is one click away


def test_the_retrain_report_is_served_as_written_in_its_sandbox(
    admin: TestClient, demo_settings: Settings
) -> None:
    answer = admin.get(f"/model/{MODEL}/retrain-report")
    assert answer.status_code == 200
    written = demo_settings.home / "reports" / "retrain" / f"{MODEL}.html"
    assert answer.text == written.read_text(encoding="utf-8")
    assert answer.headers["content-security-policy"] == model.REPORT_CSP
    assert answer.headers["content-security-policy"].startswith("sandbox allow-scripts;")
    assert answer.headers["x-frame-options"] == "DENY"
    assert "sandbox" not in admin.get(f"/model/{MODEL}").headers["content-security-policy"]


def test_a_principal_is_not_offered_the_report(ana: TestClient) -> None:
    page = ana.get(f"/model/{MODEL}")
    assert page.status_code == 200
    assert 'id="retrain-report"' not in page.text and "shown to the administrator only" in page.text
    denied = ana.get(f"/model/{MODEL}/retrain-report")
    assert denied.status_code == 404 and "no retrain report of ml.demo_segments to show ana" in denied.text


def test_a_report_path_never_leaves_the_reports_folder(tmp_path: Path) -> None:
    settings = load_settings({"home": tmp_path / "home"}, env={}, cwd=tmp_path)
    reports = settings.home / "reports" / "retrain"
    reports.mkdir(parents=True)
    (reports / "ml.m.html").write_text("ok", encoding="utf-8")
    (settings.home / "reports" / "outside.html").write_text("no", encoding="utf-8")
    (tmp_path / "secret.html").write_text("no", encoding="utf-8")
    viewer = Viewer(settings, None, False)
    assert model._report_path(viewer, "ml.m") == (reports / "ml.m.html").resolve()
    for name in ("../outside", "../../../secret", "ml.missing", "/etc/passwd", "ml.m.html/.."):
        assert model._report_path(viewer, name) is None, name


def test_a_catalogued_model_without_its_warehouse_has_no_history(
    demo_settings: Settings, tmp_path: Path
) -> None:
    """A catalog copied without its warehouse (or a warehouse removed since the refresh): the model page
    shows the catalog's record and no versions, never an error (bench/ui.py's synthetic catalog found it)."""
    home = tmp_path / "home"
    shutil.copytree(demo_settings.home / "catalog", home / "catalog")
    settings = demo_settings.model_copy(update={"home": home})
    assert not settings.warehouse_file.exists()
    page = TestClient(create_app(settings, None), base_url="http://127.0.0.1").get(f"/model/{MODEL}")
    assert page.status_code == 200 and "<h1" in page.text
    assert model.history(Viewer(settings, None, False), MODEL) == model.History(MODEL)
