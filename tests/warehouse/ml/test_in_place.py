"""Training rows read in place: which queries and tables qualify, and that a model trained on a view over
the query's own table is the model the written copy gives (same rows, values and row ids)."""

from __future__ import annotations

from typing import Any

import duckdb
import pytest
from sqlglot import exp

import warehouse
from warehouse.ml import in_place, registry, types
from warehouse.ml.preprocessing import automatic


@pytest.mark.parametrize(
    ("query", "table"),
    [
        ("SELECT a, s FROM t", "t"),
        ("SELECT * FROM t", "t"),
        ("SELECT t.a FROM sch.t", "t"),
        ("SELECT a FROM t WHERE a > 1", None),
        ("SELECT a + 1 FROM t", None),
        ("SELECT a AS b FROM t", None),
        ("SELECT * EXCLUDE (s) FROM t", None),
        ("SELECT a FROM t ORDER BY a", None),
        ("SELECT a FROM t LIMIT 3", None),
        ("SELECT a FROM t, t AS x", None),
        ("SELECT DISTINCT a FROM t", None),
        ("SELECT a FROM read_parquet('x.parquet')", None),
        ("SELECT a FROM t USING SAMPLE 10", None),
        ("WITH q AS (SELECT 1) SELECT a FROM t", None),
        ("SELECT a FROM db.sch.t", None),
    ],
)
def test_only_a_plain_scan_of_a_named_table_is_read_in_place(query: str, table: str | None) -> None:
    found = in_place.scanned_table(exp.maybe_parse(query, dialect="duckdb"))
    assert (found.name if found is not None else None) == table


@pytest.fixture
def tables(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    con.execute(
        "CREATE TABLE t AS SELECT range::DOUBLE AS a, range % 3 = 0 AS s FROM range(10);"
        "CREATE VIEW v AS SELECT * FROM t;"
        "CREATE TABLE sk.u AS SELECT * FROM t;"
        "CREATE TABLE gap AS SELECT * FROM t; DELETE FROM gap WHERE a = 3;"
        "CREATE TABLE both_ AS SELECT * FROM t; CREATE TEMP TABLE both_ AS SELECT * FROM t;"
        "CREATE TABLE own AS SELECT a, a AS rowid FROM t;"
        "CREATE TABLE empty AS SELECT * FROM t WHERE FALSE"
    )
    return con


@pytest.mark.parametrize(
    ("name", "numbered"),
    [
        ("t", True),
        ("T", True),
        ("sk.u", True),
        ("v", False),  # a view: no rowid
        ("gap", False),  # a deleted row: the ids skip one
        ("both_", False),  # a temp table and a table of the same name
        ("own", False),  # a column named rowid hides the row id
        ("empty", False),
        ("missing", False),
    ],
)
def test_a_table_is_read_in_place_when_its_rowid_runs_from_0_to_n_minus_1(
    tables: duckdb.DuckDBPyConnection, name: str, numbered: bool
) -> None:
    assert in_place.row_numbered(tables, exp.to_table(name)) is numbered


def test_encodings_that_change_a_value_are_not_read_in_place() -> None:
    plain = [automatic.Feature(name="a", dtype="DOUBLE", numeric=True, mean=1.0)]
    dims = automatic.dims(plain)
    assert in_place.unchanged(plain, dims, automatic.Encoding(standardize=False))
    assert not in_place.unchanged(plain, dims, automatic.Encoding(standardize=True))
    assert not in_place.unchanged(plain, dims, automatic.Encoding(standardize=False, center=True))
    nulls = [automatic.Feature(name="a", dtype="DOUBLE", numeric=True, mean=1.0, null_count=1)]
    assert not in_place.unchanged(nulls, dims, automatic.Encoding(standardize=False))
    whole = [automatic.Feature(name="a", dtype="BIGINT", numeric=True, mean=1.0)]
    assert not in_place.unchanged(whole, dims, automatic.Encoding(standardize=False))


def _model(con: duckdb.DuckDBPyConnection, name: str) -> dict[str, Any]:
    """What a trained k-means model outputs (the steps' durations left out)."""
    model = registry.load(con, "ml", name)
    info = warehouse.execute(
        con,
        f"SELECT iteration, loss, cluster_info FROM ML.TRAINING_INFO(MODEL ml.{name}) ORDER BY iteration",
    ).rows
    centroids = warehouse.execute(
        con,
        f"SELECT centroid_id, feature, numerical_value FROM ML.CENTROIDS(MODEL ml.{name}) ORDER BY 1, 2",
    ).rows
    state = {k: model.state[k] for k in ("cluster_radius", "normalized_distance_quantiles", "num_clusters")}
    return {"info": info, "centroids": centroids, "state": state, "metrics": model.metrics}


@pytest.mark.parametrize("init", ["RANDOM", "KMEANS++", "CUSTOM"])
@pytest.mark.parametrize("gap", [False, True])
def test_kmeans_read_in_place_is_the_model_of_the_written_copy(
    con: duckdb.DuckDBPyConnection, init: str, gap: bool
) -> None:
    """The same query over a table (read in place when its ids run 0..n-1; with a deleted row it is copied)
    and with a WHERE TRUE (always copied) gives the same model: the random and k-means++ seeds come from
    the rows' ids, the custom seeds in their order."""
    features = "alcohol, malic_acid, ash, color_intensity, proline"
    con.execute(
        f"CREATE TABLE src AS SELECT {features}, row_id % 30 = 7 AS seed FROM sk.wine ORDER BY row_id"
    )
    if gap:
        con.execute("DELETE FROM src WHERE rowid = 5")
    custom = init == "CUSTOM"
    columns = f"{features}, seed" if custom else features
    options = (
        f"model_type='kmeans', num_clusters=6, kmeans_init_method='{init}', standardize_features=FALSE, "
        "max_iterations=4, early_stop=FALSE" + (", kmeans_init_col='seed'" if custom else "")
    )
    assert types.get("KMEANS").reads_in_place
    read = in_place.scanned_table(exp.maybe_parse(f"SELECT {columns} FROM src", dialect="duckdb"))
    assert read is not None and in_place.row_numbered(con, read) is not gap
    warehouse.execute(con, f"CREATE MODEL ml.scan OPTIONS({options}) AS SELECT {columns} FROM src")
    warehouse.execute(con, f"CREATE MODEL ml.copy OPTIONS({options}) AS SELECT {columns} FROM src WHERE TRUE")
    assert _model(con, "scan") == _model(con, "copy")
