"""The catalog's ML source reads every model type from the registry the same way: a real CREATE MODEL
(through ``warehouse.execute``) writes ``ml._models``, ``catalog.sources.ml.scan`` reads it as
``lakehouse.contracts.RegisteredModel`` rows."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest

import warehouse
from catalog.sources import ml

MODELS = {
    "ml.shape": "CREATE MODEL ml.shape OPTIONS(model_type='PCA', num_principal_components=2) "
    "AS SELECT width, height, colour FROM main.boxes",
    "ml.size": "CREATE MODEL ml.size OPTIONS(model_type='kmeans', num_clusters=2) AS SELECT width, height FROM main.boxes",
}


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    connection.execute(
        "CREATE TABLE boxes AS SELECT i AS id, CAST(i * 1.5 AS DOUBLE) AS width, CAST((i % 7) * 2 AS DOUBLE) AS height, "
        "CASE WHEN i % 3 = 0 THEN 'red' ELSE 'blue' END AS colour FROM range(30) r(i)"
    )
    for statement in MODELS.values():
        warehouse.execute(connection, statement)
    yield connection
    connection.close()


def test_a_pca_model_is_registered_like_the_others(con: duckdb.DuckDBPyConnection) -> None:
    scan = ml.scan(con)
    records = {r.name: r for r in scan.records}
    assert sorted(records) == sorted(MODELS)
    pca = records["ml.shape"]
    assert (pca.kind, pca.source, pca.description) == ("model", "ml", "PCA model")
    assert [(c.name, c.type) for c in pca.columns] == [
        ("width", "DOUBLE"),
        ("height", "DOUBLE"),
        ("colour", "VARCHAR"),
    ]
    assert pca.properties["model_type"] == "PCA"
    assert pca.properties["options"]["num_principal_components"] == 2
    assert pca.properties["options"]["scale_features"] is True
    assert 0 < pca.properties["metrics"]["total_explained_variance_ratio"] <= 1
    assert {(e.upstream, e.downstream) for e in scan.edges} == {
        ("main.boxes", "ml.shape"),
        ("main.boxes", "ml.size"),
    }
