"""The records that cross a package boundary, each defined once.

The domains (``lake``, ``quality``, ``catalog``, ``warehouse``) never import each other. Where one hands
data to another (a row of a table it owns, a file it writes, a report), the record's type is here, on the
floor: the producer writes it from this type, the consumer reads it into this type, and nobody guesses a
field name. Each record's docstring names its producer and its consumers.

Record (producer → consumers):

- ``LandedBatch``: ``lake.IngestReport.landed()`` → ``catalog.register_ingest``, called by the wiring
  (``lakehouse.wiring.pipeline.ingest``).
- ``LakeSchemaChange`` (rows of ``lake._schema_changes``): ``lake.commit`` → ``catalog.sources.lake_history``.
- ``LakeNullMarker`` (rows of ``lake._null_markers``): ``lake.commit`` → ``catalog.sources.lake``.
- ``LakeColumnOrigin`` (rows of ``lake._columns``): ``lake.commit`` → ``lake.pipeline``, ``catalog.sources.lake``.
- ``ValidationSummary`` (in each result file under ``quality_dir/results``): ``quality.results.store`` →
  ``quality.latest_results``, ``catalog.sources.quality``.
- ``ModelFeature`` (items of ``ml._models.features``): ``warehouse.ml`` (``preprocess.Feature``) →
  ``catalog.sources.ml``.
- ``RegisteredModel`` (rows of ``ml._models``): ``warehouse.ml.registry.save`` → ``catalog.sources.ml``; a kept
  version of a model is the row ``kept_version_name(name, N)`` (``warehouse.ml.versions``).
- ``RetrainDecision`` (rows of ``ml._retrain_decisions``): ``warehouse.retrain.loop.record`` →
  ``catalog.sources.ml`` (why each version was promoted or kept).
- ``TrainingSnapshot``: ``warehouse.ml.versions.training_snapshots`` → ``lake.maintain`` (snapshots it keeps),
  called by the wiring (``lakehouse.wiring.maintenance.maintain``).
- ``DbtArtifacts`` (``target/manifest.json``, ``catalog.json``): dbt, run by ``warehouse.dbt.build`` →
  ``catalog.sources.dbt``.
- ``LINEAGE_COLUMNS`` (on every lake row): ``lake.readers`` → ``catalog`` (lineage, search text).

This module imports no domain package.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, ClassVar, Literal

from lakehouse.errors import InputError

#: lineage columns the lake adds to every row, in order, with their SQL types
LINEAGE_COLUMNS: dict[str, str] = {
    "_source_uri": "VARCHAR",
    "_source_line": "BIGINT",
    "_batch_id": "VARCHAR",
    "_ingested_at": "TIMESTAMP WITH TIME ZONE",
}
#: the lineage column naming the file a row came from
SOURCE_URI = "_source_uri"


def _sql(type_: str) -> Any:
    """A field stored in a lake bookkeeping table, with its SQL type."""
    return field(metadata={"sql": type_})


def stored_columns(record: type) -> dict[str, str]:
    """Column -> SQL type of the lake table a record type is a row of, in field order."""
    return {f.name: f.metadata["sql"] for f in fields(record) if "sql" in f.metadata}


def stored_values(record: Any) -> tuple[Any, ...]:
    """The values of ``record`` in the order of ``stored_columns``."""
    return tuple(getattr(record, name) for name in stored_columns(type(record)))


# --- lake → catalog ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LandedBatch:
    """An ingest batch that committed, as the catalog needs it to update that dataset at once.

    Producer: ``lake.IngestReport.landed()``; the wiring (``lakehouse.wiring.pipeline.ingest``) hands it to
    ``catalog.register_ingest``. The batch's original column names are not here: the lake keeps them
    in ``lake._columns`` (``LakeColumnOrigin``), where a full catalog refresh finds them too.
    """

    dataset: str  # the lake table is lake.<dataset>
    source_uris: tuple[str, ...]  # the files whose rows landed
    #: column -> the null markers (``NA``, ``N/A``, …) that became NULL in it, in this batch
    null_markers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def table(self) -> str:
        return f"lake.{self.dataset}"


ChangeKind = Literal["created", "added", "widened", "as_json", "missing"]


@dataclass(frozen=True)
class LakeSchemaChange:
    """A row of ``lake._schema_changes``: what one ingest batch changed in one column of a lake table.

    Producer: ``lake.commit`` inserts one per planned change (``lake.schema.plan``), in the batch's own
    DuckLake commit. Consumer: ``catalog.sources.lake_history`` (the dataset's schema history).
    ``snapshot_id`` is not stored: DuckLake keeps the snapshot that committed each row and reads it
    back as the ``snapshot_id`` column, so it is the batch's snapshot by construction.
    """

    TABLE: ClassVar[str] = "_schema_changes"

    dataset: str = _sql("VARCHAR")
    batch_id: str = _sql("VARCHAR")
    column_name: str = _sql("VARCHAR")
    change: ChangeKind = _sql("VARCHAR")
    old_type: str | None = _sql("VARCHAR")  # None for created/added
    new_type: str | None = _sql("VARCHAR")  # None for missing
    changed_at: dt.datetime = _sql("TIMESTAMP WITH TIME ZONE")
    snapshot_id: int | None = None  # DuckLake's, when read back


@dataclass(frozen=True)
class LakeColumnOrigin:
    """A row of ``lake._columns``: the name a column had in the source files before normalization.

    Producer: ``lake.commit`` (one row per new source name of a batch). Consumers: ``lake.pipeline``
    (a later batch maps the same source name to the same column) and ``catalog.sources.lake`` (each
    column's original name).
    """

    TABLE: ClassVar[str] = "_columns"

    dataset: str = _sql("VARCHAR")
    column_name: str = _sql("VARCHAR")
    source_name: str = _sql("VARCHAR")
    batch_id: str = _sql("VARCHAR")


@dataclass(frozen=True)
class LakeNullMarker:
    """A row of ``lake._null_markers``: how many values of a column one batch read as NULL because they
    were a null marker (``NA``, ``N/A``, …; CSV).

    Producer: ``lake.commit`` (from each landed file's report). Consumer: ``catalog.sources.lake``
    (the dataset's ``null_markers`` property: column -> markers seen).
    """

    TABLE: ClassVar[str] = "_null_markers"

    dataset: str = _sql("VARCHAR")
    column_name: str = _sql("VARCHAR")
    marker: str = _sql("VARCHAR")
    values_nulled: int = _sql("BIGINT")
    batch_id: str = _sql("VARCHAR")


# --- quality → catalog ---------------------------------------------------------------------------


RESULTS_FOLDER = "results"


@dataclass(frozen=True)
class ValidationSummary:
    """The outcome of one validation: the ``summary`` of a result file.

    Producer: ``quality.results.store`` writes ``quality_dir/results/<dataset>/<UTC time>-<source>.json``
    with ``{"summary": ValidationSummary.to_json(), ...}`` (file names sort by time). Consumers:
    ``quality.latest_results`` and ``catalog.sources.quality`` (a dataset's quality status), both
    through ``latest_summaries``.
    """

    dataset: str  # the suite's dataset, e.g. orders, dim_customers
    table: str  # what was validated, named as SQL names it: lake.orders, marts.dim_customers
    suite: str
    passed: bool  # no critical expectation failed
    checks: int
    failed_critical: int
    failed_warning: int
    validated_at: dt.datetime  # UTC
    source: Literal["ingest", "check"]
    gated: bool  # False: an ingest committed with --no-gate (nothing was checked)
    rows: int
    engine: str

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "validated_at": self.validated_at.isoformat()}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ValidationSummary:
        values = {f.name: data[f.name] for f in fields(cls)}
        return cls(**{**values, "validated_at": dt.datetime.fromisoformat(values["validated_at"])})


def results_dir(quality_dir: Path) -> Path:
    return quality_dir / RESULTS_FOLDER


def result_files(quality_dir: Path, dataset: str) -> list[Path]:
    """Stored results of ``dataset``, newest first."""
    folder = results_dir(quality_dir) / dataset
    return sorted(folder.glob("*.json"), reverse=True) if folder.is_dir() else []


def read_summary(path: Path) -> ValidationSummary:
    """The summary of one result file; ``InputError`` when it is not one this version wrote."""
    try:
        return ValidationSummary.from_json(json.loads(path.read_text(encoding="utf-8"))["summary"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(
            f"{path}: not a validation result this version can read ({type(exc).__name__}: {exc})",
            hint="validate the dataset again: lakehouse quality check",
        ) from exc


def latest_summaries(quality_dir: Path) -> dict[str, tuple[ValidationSummary, Path]]:
    """dataset -> the summary of its latest validation and the file it is in."""
    root = results_dir(quality_dir)
    latest: dict[str, tuple[ValidationSummary, Path]] = {}
    for folder in sorted(root.iterdir()) if root.is_dir() else []:
        newest = result_files(quality_dir, folder.name)[:1]
        if newest:
            latest[folder.name] = (read_summary(newest[0]), newest[0])
    return latest


# --- warehouse → catalog -------------------------------------------------------------------------


@dataclass
class ModelFeature:
    """One input column of a trained model, an element of ``ml._models.features`` (JSON).

    Producer: ``warehouse.ml`` (``preprocess.Feature`` extends it with the training statistics, and
    ``registry.save`` writes each feature's ``to_json()``). Consumer: ``catalog.sources.ml`` (a model's
    features are its columns, with their types).
    """

    name: str
    dtype: str  # the column's DuckDB type in the training query, e.g. DOUBLE, VARCHAR

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def read(cls, data: Mapping[str, Any]) -> ModelFeature:
        """The contract's fields of one stored feature (the producer's statistics are not read)."""
        return ModelFeature(name=data["name"], dtype=data["dtype"])


#: ``name__v<N>``: version N of model ``name`` kept beside the version that serves (``warehouse.ml.versions``)
_KEPT_VERSION = re.compile(r"^(?P<base>.+)__v(?P<version>[0-9]+)$")


def kept_version_name(name: str, version: int) -> str:
    """The name version ``version`` of model ``name`` is kept under while another version serves."""
    return f"{name}__v{version}"


def kept_version(name: str) -> tuple[str, int] | None:
    """(model, version) when ``name`` is spelled like a kept version (``ml.churn__v2``), else None."""
    found = _KEPT_VERSION.match(name)
    return (found["base"], int(found["version"])) if found else None


@dataclass(frozen=True)
class RegisteredModel:
    """A row of the model registry ``ml._models`` (``warehouse/ml/registry.sql``), the columns the catalog reads.

    Producer: ``warehouse.ml.registry.save``. Consumer: ``catalog.sources.ml``, which selects ``columns()``
    by name, in this order, and builds the record with ``from_row``. ``version`` and ``aliases`` come from
    the row's ``state`` (``warehouse.ml.versions``): the row ``schema.name`` is the version holding the
    ``default`` alias (it serves); every other kept version N is the row ``kept_version_name(name, N)``.
    """

    SCHEMA: ClassVar[str] = "ml"
    TABLE: ClassVar[str] = "_models"

    name: str  # schema-qualified, e.g. ml.customer_segments
    model_type: str  # KMEANS, LINEAR_REG, LOGISTIC_REG, PCA …
    options: dict[str, Any]
    features: tuple[ModelFeature, ...]
    training_query: str  # BigQuery SQL
    lake_snapshot: int | None  # the lake's snapshot at training time
    metrics: dict[str, Any]
    created_at: dt.datetime
    version: int = 1  # state.version (a model never versioned is version 1)
    aliases: tuple[str, ...] = ()  # state.aliases: its aliases besides ``default`` (which is positional)
    #: state.lake_snapshots: lake table -> the snapshot its training query read it at
    lake_snapshots: dict[str, int] = field(default_factory=dict)

    #: fields read from the ``state`` JSON column rather than a column of their own
    _FROM_STATE: ClassVar[tuple[str, ...]] = ("version", "aliases", "lake_snapshots")

    @classmethod
    def columns(cls) -> list[str]:
        """The registry columns read, in order: one per field, then ``state``."""
        return [f.name for f in fields(cls) if f.name not in cls._FROM_STATE] + ["state"]

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> RegisteredModel:
        """A row of ``SELECT <columns()> FROM ml._models`` (JSON columns arrive as text)."""
        values = dict(zip(cls.columns(), row, strict=True))
        state = json.loads(values.pop("state"))
        features = tuple(ModelFeature.read(f) for f in json.loads(values["features"]))
        return cls(**{**values, "options": json.loads(values["options"]), "metrics": json.loads(values["metrics"]),
                      "features": features, "version": int(state.get("version", 1)),
                      "aliases": tuple(state.get("aliases", [])),
                      "lake_snapshots": {t: int(n) for t, n in state.get("lake_snapshots", {}).items()}})  # fmt: skip

    @property
    def kept(self) -> tuple[str, int] | None:
        """(model, version) when this row is a kept version (``ml.churn__v2``), None when it serves."""
        return kept_version(self.name)


@dataclass(frozen=True)
class RetrainDecision:
    """A row of ``ml._retrain_decisions`` (``warehouse/retrain/decisions.sql``): one run of ``lakehouse ml
    retrain`` or of a dbt model's ``promote_if_better`` guard, the columns the catalog reads.

    Producer: ``warehouse.retrain.loop.record``. Consumer: ``catalog.sources.ml`` (why each kept version
    was promoted or kept). ``challenger_version`` and ``challenger_metrics`` come from the ``challenger``
    JSON column (``{version, name, metrics}``; empty when nothing was retrained).
    """

    SCHEMA: ClassVar[str] = "ml"
    TABLE: ClassVar[str] = "_retrain_decisions"

    model: str  # schema-qualified: the model the version belongs to
    decided_at: dt.datetime
    retrained: bool  # a challenger was trained (it is the version ``challenger_version``)
    promoted: bool  # the challenger took ``default``
    reason: str
    metric: str | None  # the ML.EVALUATE column compared
    challenger_version: int | None = None
    challenger_metrics: dict[str, Any] = field(default_factory=dict)  # on the hold-out

    _FROM_CHALLENGER: ClassVar[tuple[str, ...]] = ("challenger_version", "challenger_metrics")

    @classmethod
    def columns(cls) -> list[str]:
        """The table's columns read, in order: one per field, then ``challenger``."""
        return [f.name for f in fields(cls) if f.name not in cls._FROM_CHALLENGER] + ["challenger"]

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> RetrainDecision:
        """A row of ``SELECT <columns()> FROM ml._retrain_decisions`` (JSON columns arrive as text)."""
        values = dict(zip(cls.columns(), row, strict=True))
        challenger = json.loads(values.pop("challenger"))
        version = challenger.get("version")
        return cls(**values, challenger_version=None if version is None else int(version),
                   challenger_metrics=dict(challenger.get("metrics", {})))  # fmt: skip


# --- warehouse → lake ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TrainingSnapshot:
    """A lake snapshot a kept model version was trained on: lake maintenance must not expire it, so the
    version's training rows can be read again exactly (``AT (VERSION => snapshot)``).

    Producer: ``warehouse.ml.versions.training_snapshots``. Consumer: ``lake.maintain(training=...)``.
    """

    snapshot: int
    model: str  # schema-qualified, e.g. ml.demo_segments
    version: int
    table: str | None = None  # the lake table it read at that snapshot (None: the lake as a whole)


# --- dbt → catalog -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DbtColumn:
    name: str
    description: str = ""
    data_type: str | None = None  # declared in YAML (manifest) or the warehouse's (catalog.json)
    tags: tuple[str, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DbtNode:
    """A node or source of dbt's ``manifest.json`` (schema v12), the fields the catalog reads."""

    unique_id: str
    resource_type: str  # model, seed, snapshot, test, source …
    name: str
    database: str | None
    schema: str
    alias: str  # the relation's name: a node's alias, a source's identifier
    materialized: str | None  # config.materialized; None for sources
    description: str
    meta: dict[str, Any]  # config.meta
    tags: tuple[str, ...]
    fqn: tuple[str, ...]
    path: str  # original_file_path
    depends_on: tuple[str, ...]  # unique ids
    columns: tuple[DbtColumn, ...]  # documented in YAML
    test_name: str | None = None  # a generic test's name (not_null, unique …)
    column_name: str | None = None  # the column a test is on
    attached_node: str | None = None  # the node a test tests

    @classmethod
    def read(cls, raw: Mapping[str, Any]) -> DbtNode:
        source = raw["resource_type"] == "source"
        columns = tuple(
            DbtColumn(
                c["name"], c["description"], c["data_type"], tuple(c["tags"]), dict(c["config"]["meta"])
            )
            for c in raw["columns"].values()
        )
        test = raw.get("test_metadata") or {}  # generic tests only (a singular test has none)
        return cls(
            unique_id=raw["unique_id"],
            resource_type=raw["resource_type"],
            name=raw["name"],
            database=raw["database"],
            schema=raw["schema"],
            alias=raw["identifier"] if source else raw["alias"],
            materialized=None if source else raw["config"]["materialized"],
            description=raw["description"],
            meta=dict(raw["config"]["meta"]),
            tags=tuple(raw["tags"]),
            fqn=tuple(raw["fqn"]),
            path=raw["original_file_path"],
            depends_on=tuple(raw.get("depends_on", {}).get("nodes", [])),  # sources and seeds depend on none
            columns=columns,
            test_name=test.get("name"),
            column_name=raw.get("column_name"),  # tests only
            attached_node=raw.get("attached_node"),  # tests only
        )


@dataclass(frozen=True)
class DbtArtifacts:
    """What a dbt build left in ``target/``: the manifest's nodes and sources, and the column types the
    warehouse really has (``catalog.json``, written by ``dbt docs generate``; empty without it).

    Producer: dbt, run by ``warehouse.dbt.build``. Consumer: ``catalog.sources.dbt``.
    """

    project_name: str  # the project that wrote the manifest (``metadata.project_name``)
    generated_at: dt.datetime
    nodes: tuple[DbtNode, ...]  # manifest nodes, then sources
    warehouse_columns: dict[str, tuple[DbtColumn, ...]]  # unique id -> columns in table order, with types

    @classmethod
    def read(cls, target: Path) -> DbtArtifacts | None:
        """The artifacts in ``target``; None when the project was never built there."""
        manifest_file, catalog_file = target / "manifest.json", target / "catalog.json"
        if not manifest_file.exists():
            return None
        manifest = _json_file(manifest_file)
        typed = _json_file(catalog_file)["nodes"] if catalog_file.exists() else {}
        generated = dt.datetime.fromisoformat(manifest["metadata"]["generated_at"].replace("Z", "+00:00"))
        raw_nodes = [*manifest["nodes"].values(), *manifest["sources"].values()]
        return cls(
            project_name=str(manifest["metadata"]["project_name"]),
            generated_at=generated if generated.tzinfo else generated.replace(tzinfo=dt.UTC),
            nodes=tuple(DbtNode.read(n) for n in raw_nodes),
            warehouse_columns={uid: _typed_columns(node["columns"]) for uid, node in typed.items()},
        )


def _typed_columns(columns: Mapping[str, Any]) -> tuple[DbtColumn, ...]:
    ordered = sorted(columns.values(), key=lambda c: c["index"])
    return tuple(DbtColumn(c["name"], data_type=c["type"]) for c in ordered)


def _json_file(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise InputError(f"{path}: not valid JSON ({exc})", hint="build the dbt project again") from exc
