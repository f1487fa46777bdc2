"""The SQL front end: BigQuery SQL transpiled to DuckDB, ML statements routed, names mapped, errors."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from sqlglot import exp

import warehouse
from lakehouse.errors import NotFoundError, UsageError
from lakehouse.settings import Settings
from warehouse.sql.dialect import MLTableFunction, parse

KMEANS = "CREATE MODEL ml.km OPTIONS(model_type='kmeans', num_clusters=3, kmeans_init_method='KMEANS++') AS SELECT * EXCEPT(row_id, target) FROM sk.iris"


@pytest.mark.parametrize(
    "function",
    [
        "PREDICT",
        "EVALUATE",
        "CENTROIDS",
        "TRAINING_INFO",
        "FEATURE_INFO",
        "WEIGHTS",
        "ROC_CURVE",
        "CONFUSION_MATRIX",
        "DETECT_ANOMALIES",
        "VALIDATE_DATA_SKEW",
    ],
)
def test_every_ml_table_function_parses_into_one_node(function: str) -> None:
    tree = parse(f"SELECT * FROM ML.{function}(MODEL `p.ds.m`, TABLE ds.t, STRUCT(0.5 AS threshold))")[0]
    node = tree.find(MLTableFunction)
    assert node is not None and node.function == function
    assert node.this.name == "m" and node.args["input"].name == "t" and node.args["params"] is not None


def test_data_functions_parse_with_their_relations_first() -> None:
    tree = parse(
        "SELECT * FROM ML.VALIDATE_DATA_DRIFT(TABLE `p.ds.base`, (SELECT * FROM ds.study), "
        "STRUCT(0.1 AS numerical_default_threshold), MODEL ds.m)"
    )[0]
    node = tree.find(MLTableFunction)
    assert node is not None and node.function == "VALIDATE_DATA_DRIFT"
    assert node.args["input"].name == "base" and node.args["study"].this.find(exp.Table).name == "study"
    assert node.this.name == "m" and node.args["params"] is not None
    described = parse("SELECT * FROM ML.DESCRIBE_DATA(TABLE t, STRUCT(3 AS top_k))")[0].find(MLTableFunction)
    assert described is not None and described.this is None and described.args["input"].name == "t"


def test_plain_functions_named_like_ml_ones_still_parse() -> None:
    assert parse("SELECT TRANSLATE(a, 'b', 'c'), evaluate FROM t")[0].find(MLTableFunction) is None


def test_bigquery_sql_is_transpiled(con: duckdb.DuckDBPyConnection) -> None:
    result = warehouse.execute(
        con,
        "SELECT * EXCEPT(row_id, target), IF(target = 0, 'setosa', 'other') AS kind, REGEXP_CONTAINS('abc', r'b') AS hit "
        "FROM `my-project.sk.iris` WHERE row_id = 0",
    )
    assert result.columns[-2:] == ["kind", "hit"]
    assert result.rows[0][-2:] == ("setosa", True)


def test_ml_functions_compose_inside_queries(con: duckdb.DuckDBPyConnection) -> None:
    warehouse.execute(con, KMEANS)
    counts = warehouse.execute(
        con,
        "WITH p AS (SELECT * FROM ML.PREDICT(MODEL `proj.ml.km`, (SELECT * FROM sk.iris WHERE row_id < 100))) "
        "SELECT centroid_id, count(*) AS n FROM p WHERE target IS NOT NULL GROUP BY centroid_id ORDER BY n DESC",
    ).rows
    assert sum(n for _, n in counts) == 100
    joined = warehouse.execute(
        con,
        "SELECT count(*) FROM ML.PREDICT(MODEL ml.km, TABLE sk.iris) AS p "
        "JOIN ML.CENTROIDS(MODEL ml.km) AS c ON c.centroid_id = p.centroid_id WHERE c.feature = 'petal_length_cm'",
    ).rows
    assert joined == [(150,)]


def test_model_lifecycle_and_errors(con: duckdb.DuckDBPyConnection) -> None:
    warehouse.execute(con, KMEANS)
    with pytest.raises(UsageError, match="model ml.km already exists"):
        warehouse.execute(con, KMEANS)
    assert "nothing done" in (
        warehouse.execute(con, KMEANS.replace("MODEL ml.km", "MODEL IF NOT EXISTS ml.km")).message or ""
    )
    warehouse.execute(con, KMEANS.replace("CREATE MODEL", "CREATE OR REPLACE MODEL"))
    assert con.execute("SELECT count(*) FROM ml._models").fetchone() == (1,)
    with pytest.raises(UsageError, match="ML.WEIGHTS is not available for KMEANS model ml.km.*ML.CENTROIDS"):
        warehouse.execute(con, "SELECT * FROM ML.WEIGHTS(MODEL ml.km)")
    with pytest.raises(UsageError, match="unknown parameter 'threshold'"):
        warehouse.execute(
            con, "SELECT * FROM ML.PREDICT(MODEL ml.km, TABLE sk.iris, STRUCT(0.5 AS threshold))"
        )
    assert warehouse.execute(con, "DROP MODEL ml.km").message == "dropped model ml.km"
    assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE 'km__%'").fetchone() == (
        0,
    )
    with pytest.raises(NotFoundError, match="model ml.km does not exist"):
        warehouse.execute(con, "SELECT * FROM ML.EVALUATE(MODEL ml.km)")
    with pytest.raises(NotFoundError, match="model ml.km does not exist"):
        warehouse.execute(con, "DROP MODEL ml.km")
    assert "nothing done" in (warehouse.execute(con, "DROP MODEL IF EXISTS ml.km").message or "")
    with pytest.raises(UsageError, match=r"^cannot parse the query at line 1, column \d+: "):
        warehouse.execute(con, "SELECT FROM WHERE (")
    with pytest.raises(UsageError, match="OPTIONS has no model_type"):
        warehouse.execute(con, "CREATE MODEL ml.x OPTIONS(num_clusters=2) AS SELECT 1 AS a")


def test_models_survive_a_restart_and_record_the_lake_snapshot(settings: Settings) -> None:
    con = warehouse.connect(settings)
    warehouse.run_script(
        con,
        """CREATE SCHEMA shop;
           CREATE TABLE shop.customers AS SELECT i AS customer_id, (i % 4) * 25.0 AS annual_income, (i % 4) * 20.0 + i % 3 AS spending_score FROM range(200) r(i);
           CREATE MODEL shop.segments OPTIONS(model_type='kmeans', num_clusters=4, kmeans_init_method='KMEANS++') AS
             SELECT annual_income, spending_score FROM shop.customers;""",
    )
    con.close()
    con = warehouse.connect(settings, read_only=True)
    try:
        counts = warehouse.execute(
            con,
            "SELECT centroid_id, count(*) FROM ML.PREDICT(MODEL shop.segments, TABLE shop.customers) GROUP BY 1",
        ).rows
        assert sorted(n for _, n in counts) == [50, 50, 50, 50]
        row = con.execute(
            "SELECT name, model_type, lake_snapshot IS NOT NULL, training_query, json_extract(options, '$.num_clusters') FROM ml._models"
        ).fetchone()
        assert row is not None and row[:3] == ("shop.segments", "KMEANS", True) and row[4] == "4"
        assert "shop.customers" in row[3]
    finally:
        con.close()


def test_cli_runs_statements_files_and_stdin(settings: Settings, tmp_path: Path) -> None:
    from lakehouse.cli import cli

    runner = CliRunner()
    script = tmp_path / "train.sql"
    script.write_text(
        "CREATE TABLE pts AS SELECT i AS id, (i % 2) * 10.0 AS x FROM range(20) r(i);\n"
        "CREATE MODEL ml.two OPTIONS(model_type='kmeans', num_clusters=2, kmeans_init_method='KMEANS++') AS SELECT x FROM pts;\n"
    )
    result = runner.invoke(cli, ["--home", str(settings.home), "sql", "-f", str(script)])
    assert result.exit_code == 0, result.output
    assert "trained KMEANS model ml.two on 20 rows" in result.output
    result = runner.invoke(
        cli,
        [
            "--home",
            str(settings.home),
            "sql",
            "--format",
            "json",
            "SELECT centroid_id, count(*) AS n FROM ML.PREDICT(MODEL ml.two, TABLE pts) GROUP BY 1 ORDER BY 1",
        ],
    )
    assert result.exit_code == 0, result.output
    assert '"n": 10' in result.output
    result = runner.invoke(
        cli, ["--home", str(settings.home), "sql", "--format", "csv"], input="SELECT 1 AS a;"
    )
    assert result.output.splitlines() == ["a", "1"]


def test_a_failed_replace_keeps_the_previous_model(con: duckdb.DuckDBPyConnection) -> None:
    warehouse.execute(con, KMEANS)
    with pytest.raises(UsageError, match="kmeans_init_col 'seed' marks 0 rows but num_clusters is 3"):
        warehouse.execute(
            con,
            "CREATE OR REPLACE MODEL ml.km OPTIONS(model_type='kmeans', num_clusters=3, kmeans_init_method='CUSTOM', "
            "kmeans_init_col='seed') AS SELECT sepal_length_cm, FALSE AS seed FROM sk.iris",
        )
    assert warehouse.execute(con, "SELECT count(*) FROM ML.PREDICT(MODEL ml.km, TABLE sk.iris)").rows == [
        (150,)
    ]


@pytest.mark.parametrize("model_type", ["linear_reg", "kmeans"])
def test_a_query_whose_rows_change_between_reads_is_read_once(model_type: str) -> None:
    """The features' statistics, the training statistics and the trained rows come from one read of a query
    that samples (here a sequence: 2,001 rows per read, every other kept, so consecutive reads keep 1,000
    and 1,001 rows); each pass used to read it again and describe other rows than the model trained on."""
    con = duckdb.connect()
    con.execute("CREATE SCHEMA ml")
    con.execute("CREATE SEQUENCE s")
    con.execute("CREATE TABLE t AS SELECT i::DOUBLE AS x, (i % 7)::DOUBLE AS y FROM range(2001) r(i)")
    options = "input_label_cols=['y']" if model_type == "linear_reg" else "num_clusters=2"
    message = warehouse.execute(
        con,
        f"CREATE MODEL ml.m OPTIONS(model_type='{model_type}', {options}) "
        "AS SELECT x, y FROM t WHERE nextval('s') % 2 = 0",
    ).message
    trained = int(message.split(" on ")[1].split(" rows")[0])
    [(described,)] = con.execute(
        """SELECT sum("count") FROM ml."m__training_statistics" WHERE feature = 'x' AND kind = 'bucket'"""
    ).fetchall()
    assert (trained, described) == (1000, 1000)
    assert con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall() == []
