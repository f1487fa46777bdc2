"""An ML statement loads the training libraries of its own model type only: xgboost (with scikit-learn)
and Keras/JAX take seconds to import, and every ``lakehouse sql`` command that trains or scores a k-means
or linear model paid for them while ``warehouse.ml.types`` imported every type's trainer. Each case runs
in a fresh interpreter, as a user's command does."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
LIBRARIES = ["jax", "keras", "sklearn", "xgboost"]
TRAIN = {
    "kmeans": "CREATE MODEL ml.m OPTIONS (model_type = 'kmeans', num_clusters = 2) AS SELECT x, y FROM t",
    "linear_reg": "CREATE MODEL ml.m OPTIONS (model_type = 'linear_reg', input_label_cols = ['y']) AS SELECT x, y FROM t",
    "boosted_tree_regressor": (
        "CREATE MODEL ml.m OPTIONS (model_type = 'boosted_tree_regressor', input_label_cols = ['y'], "
        "max_iterations = 2) AS SELECT x, y FROM t"
    ),
}


def _loaded(model_type: str) -> list[str]:
    """Which of ``LIBRARIES`` a process that trains and scores one model of ``model_type`` imported."""
    code = (
        "import json, sys, duckdb\n"
        "from warehouse import execute\n"
        "con = duckdb.connect()\n"
        "con.execute('CREATE SCHEMA ml')\n"
        "con.execute('CREATE TABLE t AS SELECT i::DOUBLE AS x, (i % 7)::DOUBLE AS y FROM range(200) r(i)')\n"
        f"execute(con, {TRAIN[model_type]!r})\n"
        "execute(con, 'SELECT * FROM ML.PREDICT(MODEL ml.m, TABLE t)')\n"
        f"print(json.dumps(sorted(m for m in {LIBRARIES!r} if m in sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("model_type", ["kmeans", "linear_reg"])
def test_a_model_without_trees_or_layers_loads_neither_xgboost_nor_keras(model_type: str) -> None:
    assert _loaded(model_type) == []


def test_a_tree_model_loads_xgboost_and_not_keras() -> None:
    loaded = _loaded("boosted_tree_regressor")
    assert "xgboost" in loaded and "keras" not in loaded and "jax" not in loaded


def test_scoring_a_stored_model_imports_no_pandas(tmp_path: Path) -> None:
    """A ``lakehouse sql`` of ML.PREDICT reads the registry: a bound ``?`` parameter makes DuckDB's
    client import pandas (0.3-0.8 s here), so the registry's values are quoted literals."""
    database = tmp_path / "w.duckdb"
    setup = (
        "import duckdb\n"
        "from warehouse import execute\n"
        f"con = duckdb.connect({str(database)!r})\n"
        "con.execute('CREATE SCHEMA ml')\n"
        "con.execute('CREATE TABLE t AS SELECT i::DOUBLE AS x, (i % 7)::DOUBLE AS y FROM range(200) r(i)')\n"
        f"execute(con, {TRAIN['linear_reg']!r})\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", setup], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    assert done.returncode == 0, done.stderr
    score = (
        "import json, sys, duckdb\n"
        "from warehouse import execute\n"
        f"con = duckdb.connect({str(database)!r})\n"
        "rows = execute(con, 'SELECT count(*) FROM ML.PREDICT(MODEL ml.m, TABLE t)').rows\n"
        "print(json.dumps([rows[0][0], 'pandas' in sys.modules]))\n"
    )
    out = subprocess.run([sys.executable, "-c", score], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [200, False]
