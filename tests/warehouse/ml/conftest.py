"""Fixtures: an in-memory DuckDB warehouse holding scikit-learn's bundled datasets as tables."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import numpy as np
import pandas as pd
import pytest
from sklearn import datasets


def _frame(loader: str) -> pd.DataFrame:
    bunch = getattr(datasets, loader)()
    names = [
        n.replace(" ", "_").replace("(", "").replace(")", "").replace("/", "_") for n in bunch.feature_names
    ]
    frame = pd.DataFrame(bunch.data, columns=names)
    frame["target"] = bunch.target
    frame.insert(0, "row_id", np.arange(len(frame)))
    return frame


@pytest.fixture(scope="session")
def frames() -> dict[str, pd.DataFrame]:
    return {name: _frame(f"load_{name}") for name in ("iris", "wine", "breast_cancer", "diabetes")}


@pytest.fixture
def con(frames: dict[str, pd.DataFrame]) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    connection.execute("CREATE SCHEMA sk")
    for name, frame in frames.items():
        connection.register("frame", frame)
        connection.execute(f"CREATE TABLE sk.{name} AS SELECT * FROM frame ORDER BY row_id")
        connection.unregister("frame")
    yield connection
    connection.close()
