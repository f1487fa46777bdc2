"""The catalog's records: what sources produce, what the store keeps and what search and show return.

Plain frozen dataclasses, so reports are easy to compare in tests and to render as JSON.
Names are qualified the way SQL reaches them: ``lake.orders`` (lake table), ``main.fct_orders``
(dbt model: ``schema.alias``), ``ml.customer_segments`` (ML model).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from lakehouse import contracts

Kind = Literal["table", "view", "model", "image"]
Layer = Literal["raw", "staging", "mart", "ml", "image"]

KINDS: tuple[str, ...] = ("table", "view", "model", "image")
LAYERS: tuple[str, ...] = ("raw", "staging", "mart", "ml", "image")
#: lineage columns every lake row carries; shown by ``show``, kept out of the search text
LINEAGE_COLUMNS = frozenset(contracts.LINEAGE_COLUMNS)


@dataclass(frozen=True, slots=True)
class PiiFinding:
    kind: str  # email, phone, ip_address, credit_card, iban, date_of_birth, person_name, address
    confidence: float  # 0..1
    source: str  # "values", "name", "values+name" or "override"


@dataclass(frozen=True, slots=True)
class ColumnStats:
    null_fraction: float | None = None
    distinct_count: int | None = None
    min: str | None = None
    max: str | None = None
    top_values: tuple[str, ...] = ()
    withheld: str | None = None  # why the statistics are not shown to this principal (``catalog.view``)


@dataclass(frozen=True, slots=True)
class ColumnRecord:
    name: str
    type: str
    position: int
    description: str = ""
    original_name: str | None = None
    tags: tuple[str, ...] = ()
    stats: ColumnStats = field(default_factory=ColumnStats)
    pii: PiiFinding | None = None


@dataclass(frozen=True, slots=True)
class QualityStatus:
    """Last validation of a dataset (from its ``lakehouse.contracts.ValidationSummary``)."""

    passed: bool
    checks: int = 0
    failed_critical: int = 0
    failed_warning: int = 0
    validated_at: dt.datetime | None = None

    @property
    def label(self) -> str:
        if self.failed_critical or not self.passed:
            return "failing"
        return "warning" if self.failed_warning else "passing"


@dataclass(frozen=True, slots=True)
class LineageEdge:
    upstream: str  # a dataset name or "file:<uri>"
    downstream: str
    via: str  # ingest, dbt, ml


@dataclass(frozen=True, slots=True)
class SchemaChange:
    """One change in a dataset's schema history (``catalog.sources.lake_history``)."""

    dataset: str
    snapshot_id: int | None  # the lake snapshot that made the change
    changed_at: dt.datetime | None
    change: str  # ducklake: created, added, renamed, type_changed, dropped; ingest: created, added, widened, as_json, missing
    column: str | None = None
    old_type: str | None = None
    new_type: str | None = None
    detail: str = ""
    source: str = "ducklake"  # ducklake or ingest


#: the property of a model's record that lists its versions (``ModelVersion.to_json`` of each, oldest first)
VERSIONS = "versions"


@dataclass(frozen=True, slots=True)
class ModelVersion:
    """One kept version of an ML model, listed in its model's record (``catalog.sources.ml``).

    A model is one catalog entry; the versions the warehouse keeps beside the one that serves (stored as
    ``<name>__v<N>``) are listed here instead of as models of their own.
    """

    version: int
    stored_as: str  # where the warehouse keeps it: the model's name (the default) or <name>__v<N>
    default: bool  # it holds the ``default`` alias: ``MODEL <name>`` serves it
    aliases: tuple[str, ...] = ()  # every alias, ``default`` first when it holds it
    created_at: dt.datetime | None = None
    metrics: dict[str, Any] = field(default_factory=dict)  # ML.EVALUATE of its training run
    lake_snapshot: int | None = None
    lake_snapshots: dict[str, int] = field(default_factory=dict)  # lake table -> snapshot its training read
    decision: str | None = None  # promoted or kept, when a retrain (or a dbt guard) trained it
    reason: str | None = (
        None  # the decision's reason, e.g. "kept: r2_score 0.91 vs 0.95: the challenger is worse"
    )
    decided_at: dt.datetime | None = None
    compared: str | None = None  # the metric the decision compared
    holdout_metrics: dict[str, Any] = field(
        default_factory=dict
    )  # its ML.EVALUATE on the decision's hold-out

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["aliases"] = list(self.aliases)
        for key in ("created_at", "decided_at"):
            out[key] = out[key].isoformat() if out[key] else None
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ModelVersion:
        times = {
            k: dt.datetime.fromisoformat(data[k]) if data.get(k) else None
            for k in ("created_at", "decided_at")
        }
        return cls(**{**data, **times, "aliases": tuple(data.get("aliases", ()))})


@dataclass(frozen=True, slots=True)
class DatasetRecord:
    name: str
    kind: str
    layer: str
    source: str  # lake, dbt, ml
    description: str = ""
    owner: str = ""
    tags: tuple[str, ...] = ()
    columns: tuple[ColumnRecord, ...] = ()
    row_count: int | None = None
    snapshot_id: int | None = None
    updated_at: dt.datetime | None = None
    quality: QualityStatus | None = None
    properties: dict[str, Any] = field(default_factory=dict)

    @property
    def short_name(self) -> str:
        return self.name.rsplit(".", 1)[-1]

    @property
    def pii_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.pii is not None)

    @property
    def versions(self) -> tuple[ModelVersion, ...]:
        """A model's kept versions, oldest first (empty for other datasets)."""
        return tuple(ModelVersion.from_json(v) for v in self.properties.get(VERSIONS) or ())


@dataclass(frozen=True, slots=True)
class DatasetInfo:
    """What ``show`` returns: the record plus its neighbourhood."""

    dataset: DatasetRecord
    upstream: tuple[LineageEdge, ...]
    downstream: tuple[LineageEdge, ...]
    schema_history: tuple[SchemaChange, ...]
    example_query: str
    hidden_columns: int = 0  # columns the principal may not see (count only, never names)
    withheld: str | None = None  # why the row count is not shown to this principal (``catalog.view``)


@dataclass(frozen=True, slots=True)
class RefreshReport:
    datasets: int
    columns: int
    lineage_edges: int
    pii_columns: int
    seconds: float
    sources: dict[str, int] = field(default_factory=dict)  # source -> datasets found
    warnings: tuple[str, ...] = ()
