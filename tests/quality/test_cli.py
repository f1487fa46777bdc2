"""``lakehouse quality ...`` end to end in a subprocess-free CLI run, and the lazy GX import."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from lakehouse.cli import main
from lakehouse.connect import connect
from lakehouse.settings import Settings

from .conftest import create_table

ROOT = Path(__file__).resolve().parents[2]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    return int(exit_info.value.code or 0), capsys.readouterr().out


def test_check_json_exit_codes(
    settings: Settings, lake: duckdb.DuckDBPyConnection, capsys: pytest.CaptureFixture[str]
) -> None:
    lake.close()
    code, out = run(capsys, "--home", str(settings.home), "quality", "check", "orders", "products", "--json")
    assert code == 0 and [r["dataset"] for r in json.loads(out)] == ["orders", "products"]
    lake2 = connect(settings)
    create_table(lake2, "lake.orders", "orders_broken.csv")
    lake2.close()
    code, out = run(capsys, "--home", str(settings.home), "quality", "check", "--json")
    report = {r["dataset"]: r for r in json.loads(out)}
    assert code == 1 and report["orders"]["passed"] is False and report["products"]["passed"] is True
    assert {"expectation", "severity", "column", "unexpected_count", "examples"} <= set(
        report["orders"]["failures"][0]
    )


def test_check_table_lists_failures(
    settings: Settings, lake: duckdb.DuckDBPyConnection, capsys: pytest.CaptureFixture[str]
) -> None:
    create_table(lake, "lake.orders", "orders_broken.csv")
    lake.close()
    code, out = run(capsys, "--home", str(settings.home), "quality", "check", "orders")
    assert code == 1
    assert (
        "FAILED" in out
        and "orders: critical expect_column_values_to_be_unique(order_id): 2 of 20 rows unexpected" in out
    )


def test_unknown_dataset_exits_1_with_one_line(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--home", str(settings.home), "quality", "check", "nope"])
    err = capsys.readouterr().err
    assert exit_info.value.code == 1
    assert "no expectation suite for 'nope'" in err and "Traceback" not in err


def test_help_and_import_do_not_load_great_expectations() -> None:
    code = (
        "import sys, quality, lakehouse.cli.quality\n"
        "from lakehouse.cli import main\n"
        "try:\n    main(['quality', '--help'])\nexcept SystemExit:\n    pass\n"
        "assert 'great_expectations' not in sys.modules, 'GX imported'\n"
        "assert 'pandas' not in sys.modules, 'pandas imported'\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "check" in done.stdout and "suggest" in done.stdout
