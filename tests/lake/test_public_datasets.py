"""Public datasets nobody here wrote, read from their installed PyPI packages (vega_datasets,
palmerpenguins; both BSD-3-Clause / CC0 data, not copied into the repo): each is ingested through
the real CLI, and its types, row count (counted with the csv/json modules), null markers and empty
quarantine are checked."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

import palmerpenguins
import pytest
import vega_datasets

from lakehouse.settings import Settings
from tests.conftest import CliResult
from tests.lake.conftest import query

VEGA = Path(vega_datasets.__file__).parent / "_data"
PENGUINS = Path(palmerpenguins.__file__).parent / "data"


def _source_rows(path: Path) -> int:
    if path.suffix == ".json":
        return len(json.loads(path.read_text()))
    with path.open(newline="", encoding="utf-8") as fh:
        return sum(1 for _ in csv.reader(fh)) - 1


#: file -> (dataset, {column: type}, {column: {marker: count}})
CASES = {
    PENGUINS / "penguins.csv": (
        "penguins",
        {"bill_length_mm": "DOUBLE", "body_mass_g": "BIGINT", "sex": "VARCHAR", "year": "BIGINT"},
        {
            "bill_length_mm": {"NA": 2},
            "bill_depth_mm": {"NA": 2},
            "flipper_length_mm": {"NA": 2},
            "body_mass_g": {"NA": 2},
        },
    ),
    PENGUINS / "penguins-raw.csv": (
        "penguins_raw",
        {"date_egg": "DATE", "delta_15_n_o_oo": "DOUBLE", "comments": "VARCHAR", "sample_number": "BIGINT"},
        {
            "culmen_length_mm": {"NA": 2},
            "culmen_depth_mm": {"NA": 2},
            "flipper_length_mm": {"NA": 2},
            "body_mass_g": {"NA": 2},
            "delta_15_n_o_oo": {"NA": 14},
            "delta_13_c_o_oo": {"NA": 13},
        },
    ),
    VEGA / "stocks.csv": ("stocks", {"symbol": "VARCHAR", "date": "DATE", "price": "DOUBLE"}, {}),
    VEGA / "seattle-weather.csv": (
        "weather",
        {"date": "DATE", "precipitation": "DOUBLE", "weather": "VARCHAR"},
        {},
    ),
    VEGA / "airports.csv": ("airports", {"iata": "VARCHAR", "latitude": "DOUBLE"}, {}),
    VEGA / "cars.json": (
        "cars",
        {"weight_in_lbs": "BIGINT", "name": "VARCHAR", "miles_per_gallon": "DOUBLE"},
        {},
    ),
    VEGA / "iris.json": ("iris", {"sepal_length": "DOUBLE", "species": "VARCHAR"}, {}),
}


@pytest.mark.parametrize("path", list(CASES), ids=lambda p: p.name)
def test_public_dataset_lands_whole_and_typed(
    path: Path, cli: Callable[..., CliResult], settings: Settings
) -> None:
    dataset, types, markers = CASES[path]
    result = cli("ingest", str(path), "-d", dataset, "--no-gate", "--json")
    assert result.code == 0, result.err
    report = result.json()
    rows = _source_rows(path)
    assert (report["rows_read"], report["rows_landed"], report["rows_quarantined"]) == (rows, rows, 0)
    assert report["null_markers"] == markers
    found = dict(
        query(settings, "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ?", [dataset])
    )
    assert {c: found.get(c) for c in types} == types
    assert query(settings, f"SELECT count(*) FROM lake.{dataset}") == [(rows,)]
