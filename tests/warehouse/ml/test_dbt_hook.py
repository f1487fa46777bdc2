"""The dbt ``model`` materialization: a real dbt-duckdb build trains a model with the ML engine."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pytest

import warehouse

if TYPE_CHECKING:
    from dbt.cli.main import dbtRunnerResult

REPO = Path(__file__).resolve().parents[3]
MATERIALIZATION = REPO / "dbt_project" / "macros" / "materializations" / "model.sql"

PLUGIN = """
from dbt.adapters.duckdb.plugins import BasePlugin

from warehouse.ml.dbt_hook import configure


class Plugin(BasePlugin):
    def configure_connection(self, conn):
        configure(conn)
"""


def scaffold(root: Path) -> None:
    """A dbt-duckdb project in ``root`` with the project's ``model`` materialization; models under models/."""
    (root / "macros").mkdir(parents=True)
    (root / "models" / "ml").mkdir(parents=True)
    shutil.copy(MATERIALIZATION, root / "macros" / "model.sql")
    (root / "dbt_ml_test_plugin.py").write_text(PLUGIN)
    (root / "dbt_project.yml").write_text(
        "name: mltest\nversion: '1.0.0'\nconfig-version: 2\nprofile: mltest\nmodels:\n  mltest:\n    ml:\n      +schema: ml\n"
    )
    (root / "profiles.yml").write_text(
        textwrap.dedent(
            f"""\
            mltest:
              target: dev
              outputs:
                dev:
                  type: duckdb
                  path: {root / "warehouse.duckdb"}
                  threads: 1
                  plugins:
                    - module: dbt_ml_test_plugin
            """
        )
    )
    (root / "macros" / "schema.sql").write_text(
        "{% macro generate_schema_name(custom_schema_name, node) -%}{{ custom_schema_name or target.schema }}{%- endmacro %}"
    )


def run_dbt(root: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> dbtRunnerResult:
    """``dbt <args>`` on the project in ``root``, in-process (as the materialization's Python job needs)."""
    from dbt.cli.main import dbtRunner

    monkeypatch.chdir(root)
    monkeypatch.syspath_prepend(str(root))
    monkeypatch.setenv("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    paths = ["--project-dir", str(root), "--profiles-dir", str(root), "--log-path", str(root / "logs")]
    return dbtRunner().invoke([*args, *paths])


def _project(root: Path) -> None:
    scaffold(root)
    (root / "models" / "customer_features.sql").write_text(
        "{{ config(materialized='table') }}\n"
        "select i as customer_id, (i % 4) * 25.0 + (i % 3) as annual_income, (i % 4) * 20.0 as spending_score, 30 + (i % 4) * 10 as age\n"
        "from range(400) r(i)"
    )
    (root / "models" / "ml" / "customer_segments.sql").write_text(
        (REPO / "dbt_project" / "models" / "ml" / "customer_segments.sql")
        .read_text()
        .replace("num_clusters': 5", "num_clusters': 4")
    )


@pytest.mark.integration
def test_dbt_build_trains_the_model_with_the_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "project"
    _project(root)
    result = run_dbt(root, monkeypatch, "build")
    assert result.success, result.exception
    con = duckdb.connect(str(root / "warehouse.duckdb"))
    try:
        row = con.execute(
            "SELECT name, model_type, json_extract(options, '$.num_clusters') FROM ml._models"
        ).fetchone()
        assert row == ("ml.customer_segments", "KMEANS", "4")
        counts = warehouse.execute(
            con,
            "SELECT centroid_id, count(*) FROM ML.PREDICT(MODEL ml.customer_segments, TABLE main.customer_features) GROUP BY 1",
        ).rows
        assert sorted(n for _, n in counts) == [100, 100, 100, 100]
    finally:
        con.close()
