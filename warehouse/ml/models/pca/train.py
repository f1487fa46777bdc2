"""PCA training: the encoded rows stream from DuckDB as Arrow batches into one d x d matrix, numpy does
the eigendecomposition.

BigQuery's numbers (its recorded outputs on the public penguins table) come out of this recipe: numeric
features standardized with the sample standard deviation (or only centered without SCALE_FEATURES),
categoricals one-hot 0/1 and not centered, the second-moment matrix ``X'X / (n - 1)`` decomposed, and
each ratio taken over its trace. PCA_SOLVER FULL is ``numpy.linalg.eigh``; RANDOMIZED is a seeded
randomized range finder with power iterations (Halko, Martinsson, Tropp 2011) on the same matrix; AUTO
takes FULL up to 1,000 dimensions (BigQuery's documented range for it) and RANDOMIZED above. Each
component's sign is fixed so its largest loading is positive (scikit-learn's ``svd_flip`` rule).

ML.DETECT_ANOMALIES cuts at a quantile of the training rows' reconstruction error; those quantiles are
taken in the same pass over all rows up to ``SAMPLE_VALUES`` (rows x dimensions), over every n-th row
above, so training reads the data once.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import duckdb
import numpy as np
import pyarrow as pa
from sqlglot import exp

from lakehouse.errors import UsageError
from warehouse.ml import functions
from warehouse.ml.model import TrainingData
from warehouse.ml.models.pca.options import components_wanted
from warehouse.ml.preprocessing import automatic
from warehouse.ml.registry import Model, read_state, write_state
from warehouse.ml.sqlexpr import col, sql

BATCH_ROWS = 1 << 17
FULL_UP_TO = 1000  # dimensions: AUTO picks FULL up to here, RANDOMIZED above
SEED = 0  # RANDOMIZED is deterministic: the same data gives the same model
ANOMALY_QUANTILES = np.linspace(0.0, 1.0, 1001)  # of the training rows' mean squared error
SAMPLE_VALUES = 20_000_000  # the rows kept for those quantiles: all up to this many values (160 MB) ...
SAMPLE_MIN_ROWS = 1000  # ... and never fewer rows than this
COMPONENTS = pa.schema([("component", pa.int64()), ("dim", pa.int64()), ("value", pa.float64())])


def train(model: Model, data: TrainingData) -> None:
    """Eigendecomposition of the training rows' second moments; the kept components, their eigenvalues
    and the reconstruction-error quantiles ML.DETECT_ANOMALIES cuts at."""
    count, ratio = components_wanted(model.options)
    started = time.perf_counter()
    d = len(data.dims)
    if data.rows < 2:
        raise UsageError(
            f"PCA needs at least 2 training rows; the query returned {data.rows}", hint="add rows"
        )
    if count is not None and count > min(data.rows, d):
        raise UsageError(
            f"num_principal_components = {count} must not be larger than the number of rows ({data.rows}) "
            f"or of features after one-hot encoding ({d})",
            hint=f"use num_principal_components <= {min(data.rows, d)}",
        )
    moments, sample, rows = second_moments(model, data, sample_rows=max(SAMPLE_MIN_ROWS, SAMPLE_VALUES // d))
    covariance = moments / (rows - 1)  # rows as streamed (a query with RAND() may differ from the count)
    solver = solver_for(model.options["pca_solver"], d)
    eigenvalues, vectors = components(covariance, count, ratio, solver)
    total = float(np.trace(covariance))
    explained = float(eigenvalues.sum() / total) if total > 0 else 0.0
    features = len(model.features)
    model.state.update(
        num_principal_components=len(eigenvalues),
        eigenvalues=eigenvalues.tolist(),
        total_variance=total,
        solver=solver,
        mse_quantiles=np.quantile(
            reconstruction_errors(sample, vectors, features), ANOMALY_QUANTILES
        ).tolist(),
    )
    model.metrics = {"total_explained_variance_ratio": explained}
    write_state(data.con, model, "components", component_table(vectors))
    info = {
        "training_run": 0,
        "iteration": 0,
        "loss": None,
        "eval_loss": None,
        "learning_rate": None,
        "duration_ms": int((time.perf_counter() - started) * 1000),
    }
    write_state(
        data.con, model, "training_info", pa.Table.from_pylist([info], schema=functions.TRAINING_INFO)
    )


def _batches(model: Model, data: TrainingData) -> Iterator[np.ndarray]:
    """The encoded rows as (d x rows) float64 blocks (one contiguous row per dimension), streamed from
    DuckDB as Arrow record batches; each block is overwritten by the next (copy what you keep).
    Numeric dimensions are read as DOUBLE and encoded here (``automatic.encode_numeric``: the SQL
    encoding's operations in numpy, the same bits, several times faster than DuckDB's arithmetic over
    every value); one-hot dimensions come encoded by the SQL."""
    if data.source is None:
        raise RuntimeError(f"PCA training of {model.qualified_name} needs the rows the encoded table reads")
    standardize, impute, center = (bool(model.state[k]) for k in ("standardize", "impute", "center"))
    features = {f.name: f for f in model.features}
    columns = [
        exp.cast(col(dim.feature), exp.DataType.Type.DOUBLE)
        if dim.numeric
        else automatic.encode(model.features, [dim], standardize=standardize, impute=impute, center=center)[0]
        for dim in data.dims
    ]
    query = exp.select(*columns).from_(data.source.copy())
    reader = data.con.execute(sql(query)).to_arrow_reader(BATCH_ROWS)
    buffer = np.empty((len(data.dims), 0))  # one allocation (the first batch's size) for every block
    for batch in reader:
        if batch.num_rows > buffer.shape[1]:
            buffer = np.empty((len(data.dims), batch.num_rows))
        block = buffer[:, : batch.num_rows]
        for i, (dim, column) in enumerate(zip(data.dims, batch.columns, strict=True)):
            if dim.numeric:
                automatic.encode_numeric(
                    features[dim.feature],
                    column,
                    block[i],
                    standardize=standardize,
                    impute=impute,
                    center=center,
                )
            else:
                block[i] = column.to_numpy(zero_copy_only=False)
        yield block


def second_moments(model: Model, data: TrainingData, sample_rows: int) -> tuple[np.ndarray, np.ndarray, int]:
    """``X'X`` of the encoded rows (d x d), the rows (d x n) the anomaly quantiles are taken over (all
    of them up to ``sample_rows``, else every ``ceil(rows / sample_rows)``-th row) and the row count,
    in one pass."""
    d = len(data.dims)
    total = np.zeros((d, d))
    stride = -(-data.rows // sample_rows)
    kept, seen = [], 0
    for block in _batches(model, data):
        total += block @ block.T
        # a copy: the block's memory is reused (and a view would keep every whole block alive)
        kept.append(block[:, (-seen) % stride :: stride].copy())
        seen += block.shape[1]
    if seen < 2:
        raise UsageError(f"PCA needs at least 2 training rows; the query returned {seen}", hint="add rows")
    return total, np.concatenate(kept, axis=1), seen


def reconstruction_errors(rows: np.ndarray, vectors: np.ndarray, features: int) -> np.ndarray:
    """Per row (a column of ``rows``): the squared distance to its projection on the kept components,
    per feature (``|x|^2 - |V'x|^2``: the components are orthonormal)."""
    projected = vectors.T @ rows
    squared = np.einsum("ij,ij->j", rows, rows) - np.einsum("ij,ij->j", projected, projected)
    return np.maximum(squared, 0.0) / features


def solver_for(option: str, dims: int) -> str:
    if option != "AUTO":
        return option
    return "FULL" if dims <= FULL_UP_TO else "RANDOMIZED"


def components(
    covariance: np.ndarray, count: int | None, ratio: float | None, solver: str
) -> tuple[np.ndarray, np.ndarray]:
    """(eigenvalues, d x k eigenvectors) of the top components, largest first: ``count`` of them, or the
    fewest whose explained variance exceeds ``ratio`` of the total."""
    d = covariance.shape[0]
    total = float(np.trace(covariance))
    if solver == "FULL":
        values, vectors = _full(covariance)
    else:
        k = count if count is not None else min(d, 10)
        values, vectors = _randomized(covariance, k)
        while count is None and k < d and values.sum() <= (ratio or 0.0) * total:
            k = min(d, 2 * k)
            values, vectors = _randomized(covariance, k)
    if count is None:
        cumulative = np.cumsum(values) / total if total > 0 else np.ones_like(values)
        count = min(len(values), int(np.searchsorted(cumulative, ratio or 0.0, side="right")) + 1)
    values, vectors = values[:count], vectors[:, :count]
    return np.maximum(values, 0.0), _flip(vectors)


def _full(covariance: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    values, vectors = np.linalg.eigh(covariance)
    order = np.argsort(values)[::-1]
    return values[order], vectors[:, order]


def _randomized(
    covariance: np.ndarray, k: int, oversample: int = 10, iterations: int = 7
) -> tuple[np.ndarray, np.ndarray]:
    """Top-k eigenpairs of a symmetric PSD matrix by a randomized range finder with power iterations."""
    d = covariance.shape[0]
    rng = np.random.default_rng(SEED)
    basis, _ = np.linalg.qr(covariance @ rng.standard_normal((d, min(d, k + oversample))))
    for _ in range(iterations):
        basis, _ = np.linalg.qr(covariance @ basis)
    values, small = np.linalg.eigh(basis.T @ covariance @ basis)
    order = np.argsort(values)[::-1][:k]
    return values[order], basis @ small[:, order]


def _flip(vectors: np.ndarray) -> np.ndarray:
    """Each column's sign chosen so that its largest absolute entry is positive."""
    largest = np.argmax(np.abs(vectors), axis=0)
    signs = np.sign(vectors[largest, np.arange(vectors.shape[1])])
    return vectors * np.where(signs == 0, 1.0, signs)


def component_table(vectors: np.ndarray) -> pa.Table:
    d, k = vectors.shape
    rows = [{"component": c, "dim": j, "value": float(vectors[j, c])} for c in range(k) for j in range(d)]
    return pa.Table.from_pylist(rows, schema=COMPONENTS)


def load_components(con: duckdb.DuckDBPyConnection, model: Model) -> np.ndarray:
    """The d x k matrix of the model's components (column c is principal component c + 1)."""
    rows = read_state(con, model, "components", "component, dim")
    k, d = int(model.state["num_principal_components"]), len(model.dims)
    return np.array([r[2] for r in rows], dtype=float).reshape(k, d).T
