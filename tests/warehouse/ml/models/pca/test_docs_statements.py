"""Statements in the shape of BigQuery's PCA documentation (bigqueryml-syntax-create-pca, -predict,
-principal-components, -principal-component-info, -evaluate, -detect-anomalies) run with only the table
names changed: backticked ``project.dataset.name`` names, upper-case options, the STRUCT parameters."""

from __future__ import annotations

import duckdb
import pytest

import warehouse

CREATE = [
    """CREATE MODEL `project_id.mydataset.mymodel`
       OPTIONS(MODEL_TYPE='PCA', NUM_PRINCIPAL_COMPONENTS=4) AS
       SELECT * FROM `project_id.mydataset.penguins`""",
    """CREATE OR REPLACE MODEL `project_id.mydataset.mymodel`
       OPTIONS(MODEL_TYPE='PCA', PCA_EXPLAINED_VARIANCE_RATIO=0.8, SCALE_FEATURES=TRUE, PCA_SOLVER='FULL') AS
       SELECT * FROM `project_id.mydataset.penguins`""",
    """CREATE MODEL IF NOT EXISTS `mydataset.mymodel`
       OPTIONS(MODEL_TYPE='PCA', NUM_PRINCIPAL_COMPONENTS=2) AS
       SELECT * FROM `mydataset.penguins`""",
]

QUERIES = {
    "SELECT * FROM ML.PRINCIPAL_COMPONENTS(MODEL `project_id.mydataset.mymodel`)": [
        "principal_component_id",
        "feature",
        "numerical_value",
        "categorical_value",
    ],
    "SELECT * FROM ML.PRINCIPAL_COMPONENT_INFO(MODEL `project_id.mydataset.mymodel`)": [
        "principal_component_id",
        "eigenvalue",
        "explained_variance_ratio",
        "cumulative_explained_variance_ratio",
    ],
    "SELECT * FROM ML.EVALUATE(MODEL `project_id.mydataset.mymodel`)": ["total_explained_variance_ratio"],
    """SELECT * FROM ML.EVALUATE(MODEL `project_id.mydataset.mymodel`,
         (SELECT * FROM `project_id.mydataset.penguins` WHERE island = 'Dream'))""": [
        "total_explained_variance_ratio"
    ],
    """SELECT * FROM ML.PREDICT(MODEL `project_id.mydataset.mymodel`,
         (SELECT species, island, culmen_length_mm, culmen_depth_mm, flipper_length_mm, body_mass_g, sex
          FROM `project_id.mydataset.penguins`),
         STRUCT(TRUE AS keep_original_columns))""": [
        "principal_component_1",
        "principal_component_2",
        "principal_component_3",
        "species",
        "island",
        "culmen_length_mm",
        "culmen_depth_mm",
        "flipper_length_mm",
        "body_mass_g",
        "sex",
    ],
    """SELECT * FROM ML.DETECT_ANOMALIES(MODEL `project_id.mydataset.mymodel`,
         STRUCT(0.1 AS contamination), TABLE `project_id.mydataset.penguins`)""": [
        "is_anomaly",
        "mean_squared_error",
        "species",
        "island",
        "culmen_length_mm",
        "culmen_depth_mm",
        "flipper_length_mm",
        "body_mass_g",
        "sex",
    ],
}


@pytest.fixture
def docs(penguins: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    penguins.execute("CREATE SCHEMA mydataset")
    penguins.execute("CREATE TABLE mydataset.penguins AS SELECT * FROM penguins")
    for statement in CREATE:
        warehouse.execute(penguins, statement)
    return penguins


@pytest.mark.parametrize("query", list(QUERIES))
def test_documented_statements_run_with_bigquerys_columns(
    docs: duckdb.DuckDBPyConnection, query: str
) -> None:
    result = warehouse.execute(docs, query)
    assert result.columns == QUERIES[query]
    assert result.rows


def test_the_ratio_option_kept_three_components_on_penguins(docs: duckdb.DuckDBPyConnection) -> None:
    """0.8 of the variance needs the first three components (BigQuery's cumulative ratios: 0.469357,
    0.651283, 0.812383)."""
    rows = warehouse.execute(docs, "SELECT * FROM ML.PRINCIPAL_COMPONENT_INFO(MODEL mydataset.mymodel)").rows
    assert len(rows) == 3
