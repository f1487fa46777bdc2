"""The public penguins table as BigQuery holds it (``bigquery-public-data.ml_datasets.penguins``), built
in DuckDB from the palmerpenguins package's raw CSV (CC0, Gorman et al. 2014).

The two differ in one value: the original LTER data (and BigQuery's table) has the sex ``'.'`` for
Gentoo penguin N36A1 of study PAL0910, which palmerpenguins turned into NA. Compared row by row with the
table python-bigquery-dataframes loads for its tests (tests/data/penguins.jsonl), that is the only
difference; it is put back here, since BigQuery's recorded outputs count ``'.'`` as its own category.
"""

from __future__ import annotations

from importlib import resources

import duckdb
import pytest

RAW = resources.files("palmerpenguins") / "data" / "penguins-raw.csv"

PENGUINS = """
CREATE TABLE penguins AS
SELECT "Species" AS species, "Island" AS island,
       CAST("Culmen Length (mm)" AS DOUBLE) AS culmen_length_mm,
       CAST("Culmen Depth (mm)" AS DOUBLE) AS culmen_depth_mm,
       CAST("Flipper Length (mm)" AS DOUBLE) AS flipper_length_mm,
       CAST("Body Mass (g)" AS DOUBLE) AS body_mass_g,
       CASE WHEN "studyName" = 'PAL0910' AND "Individual ID" = 'N36A1' THEN '.' ELSE "Sex" END AS sex
FROM read_csv(?, nullstr = 'NA')
"""


@pytest.fixture
def penguins(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """``con`` with the table ``penguins`` (344 rows, BigQuery's columns and values)."""
    con.execute(PENGUINS, [str(RAW)])
    return con
