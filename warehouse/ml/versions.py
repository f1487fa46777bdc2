"""Model versions and aliases, as BigQuery's model registry options (``managing-models-vertex``) and Vertex
AI's model aliases define them, kept in the warehouse.

Storage: the version holding the ``default`` alias is the registry row ``schema.name`` (what ``MODEL
schema.name`` serves); every other kept version N is the row ``schema.name__v<N>``, a plain model name on
BigQuery too (there each kept version is its own BigQuery model registered under the same Vertex model id).
``state["version"]`` numbers a version, ``state["aliases"]`` holds its other aliases and
``state["lake_snapshots"]`` the DuckLake snapshot of each lake table its training query read.

Semantics (Vertex's, with one deliberate difference):

- the first version gets ``default``; exactly one version holds it at any time (the row ``schema.name``);
- a CREATE (OR REPLACE) of a registered model (``MODEL_REGISTRY='VERTEX_AI'`` or ``VERTEX_AI_MODEL_ID``)
  adds version N+1 and makes it the default (Vertex's ``is_default_version``); the earlier versions are
  kept (BigQuery would delete the replaced one: 1,2 become 1,3; here 1,2 become 1,2,3);
- ``VERTEX_AI_MODEL_VERSION_ALIASES`` are non-numeric and unique per model: giving one moves it;
- ``promote`` moves ``default`` to a version; ``rollback`` moves it back to the version that held it
  before (``ml._model_defaults`` logs every move).

``MODEL schema.name__v<N>`` addresses version N wherever it is stored (``registry.load`` resolves it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from typing import Any

import duckdb
from sqlglot import exp

from lakehouse.contracts import TrainingSnapshot, kept_version_name
from lakehouse.errors import NotFoundError, UsageError
from lakehouse.quoting import literal
from warehouse.ml import registry

DEFAULTS_LOG = "ml._model_defaults"
_DDL = resources.files(__package__).joinpath("versions.sql").read_text()
DEFAULT = "default"


@dataclass
class Version:
    """One version of a model, as ``lakehouse ml versions`` lists it."""

    model: str  # schema.name
    version: int
    stored_as: str  # schema.name (the default) or schema.name__v<N>
    aliases: list[str]
    model_type: str
    created_at: datetime | None
    lake_snapshot: int | None
    lake_snapshots: dict[str, int] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)

    @property
    def is_default(self) -> bool:
        return DEFAULT in self.aliases


def registered(options: dict[str, Any]) -> bool:
    """Whether CREATE MODEL's options register the model (then CREATE OR REPLACE keeps earlier versions)."""
    return bool(options.get("model_registry") or options.get("vertex_ai_model_id"))


def version_of(model: registry.Model) -> int:
    return int(model.state.get("version", 1))


def stored_name(name: str, version: int) -> str:
    return kept_version_name(name, version)


def _rows(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> list[tuple[Any, ...]]:
    """The registry rows of ``schema.name`` and of its kept versions ``schema.name__v<N>``."""
    registry.ensure(con)
    pattern = f"{schema}.{name}".replace("_", "\\_") + "\\_\\_v%"
    rows = con.execute(
        f"SELECT name, model_type, state, created_at, lake_snapshot, metrics FROM {registry.REGISTRY} "
        f"WHERE name = {literal(f'{schema}.{name}')} OR name LIKE {literal(pattern)} ESCAPE '\\'"
    ).fetchall()
    prefix = f"{schema}.{name}__v"
    return [r for r in rows if not r[0].startswith(prefix) or r[0].removeprefix(prefix).isdigit()]


def list_versions(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> list[Version]:
    """Every kept version of ``schema.name``, oldest first; the default one carries the alias ``default``."""
    base = f"{schema}.{name}"
    versions: list[Version] = []
    for stored, model_type, state_json, created_at, snapshot, metrics in _rows(con, schema, name):
        state = json.loads(state_json)
        aliases = [DEFAULT] if stored == base else []
        versions.append(
            Version(
                model=base,
                version=int(state.get("version", 1)),
                stored_as=stored,
                aliases=aliases + list(state.get("aliases", [])),
                model_type=model_type,
                created_at=created_at,
                lake_snapshot=snapshot,
                lake_snapshots=dict(state.get("lake_snapshots", {})),
                metrics=json.loads(metrics),
            )
        )
    if not any(v.stored_as == base for v in versions):
        registry.load(con, schema, name)  # raises NotFoundError listing the models
    return sorted(versions, key=lambda v: v.version)


def training_snapshots(con: duckdb.DuckDBPyConnection) -> list[TrainingSnapshot]:
    """The lake snapshots every kept version of every model was trained on (lake maintenance keeps them)."""
    if not registry.present(con):
        return []
    out: list[TrainingSnapshot] = []
    rows = con.execute(f"SELECT name, state, lake_snapshot FROM {registry.REGISTRY} ORDER BY name").fetchall()
    for stored, state_json, snapshot in rows:
        state = json.loads(state_json)
        base, _, suffix = stored.rpartition("__v")
        model, number = base if base and suffix.isdigit() else stored, int(state.get("version", 1))
        tables = dict(state.get("lake_snapshots", {}))
        out += [TrainingSnapshot(int(s), model, number, table) for table, s in sorted(tables.items())]
        if snapshot is not None and int(snapshot) not in tables.values():
            out.append(TrainingSnapshot(int(snapshot), model, number))
    return out


def next_version(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> int:
    """One more than the highest version of ``schema.name`` kept so far (1 for a new model)."""
    numbers = [int(json.loads(r[2]).get("version", 1)) for r in _rows(con, schema, name)]
    return max(numbers, default=0) + 1


def drop_all(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> int:
    """DROP MODEL: model ``schema.name`` and every other kept version of it; how many others there were."""
    others = [r[0] for r in _rows(con, schema, name) if r[0] != f"{schema}.{name}"]
    with registry.atomic(con):
        for stored in others:
            registry.drop(con, schema, stored.removeprefix(f"{schema}."))
        registry.drop(con, schema, name)
    return len(others)


def find(con: duckdb.DuckDBPyConnection, schema: str, name: str, ref: str | int) -> Version:
    """The version ``ref`` (a number, ``v<N>`` or an alias) of ``schema.name``."""
    versions = list_versions(con, schema, name)
    text = str(ref).lower()
    number = text.removeprefix("v")
    for version in versions:
        if (number.isdigit() and version.version == int(number)) or text in version.aliases:
            return version
    raise NotFoundError(
        f"model {schema}.{name} has no version {ref!r}",
        hint="versions: "
        + ", ".join(f"{v.version} ({', '.join(v.aliases) or 'no alias'})" for v in versions),
    )


def retire(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> int:
    """Move the default version of ``schema.name`` aside to ``name__v<N>`` (a new default comes next); N."""
    current = registry.load(con, schema, name)
    number = version_of(current)
    registry.rename(con, schema, name, stored_name(name, number))
    return number


def check_aliases(aliases: list[str]) -> list[str]:
    """Vertex's rule: aliases are non-numeric (``default`` is given by position, not by option)."""
    for alias in aliases:
        if not alias or alias.lstrip("v").isdigit() or alias.isdigit():
            raise UsageError(
                f"model version alias {alias!r} is numeric", hint="aliases name versions: e.g. 'staging'"
            )
    return [a.lower() for a in aliases if a.lower() != DEFAULT]


def take_aliases(con: duckdb.DuckDBPyConnection, schema: str, name: str, aliases: list[str]) -> None:
    """Remove ``aliases`` from every kept version of ``schema.name`` (the new version takes them)."""
    if not aliases:
        return
    for stored, *_ in _rows(con, schema, name):
        held_schema, _, held_name = stored.partition(".")
        model = registry.load(con, held_schema, held_name)
        kept = [a for a in model.state.get("aliases", []) if a not in aliases]
        if kept != model.state.get("aliases", []):
            model.state["aliases"] = kept
            _update_state(con, model)


def _update_state(con: duckdb.DuckDBPyConnection, model: registry.Model) -> None:
    con.execute(
        f"UPDATE {registry.REGISTRY} SET state = {literal(json.dumps(model.state))} "
        f"WHERE name = {literal(model.qualified_name)}"
    )


def _log(con: duckdb.DuckDBPyConnection, model: str, version: int, reason: str) -> None:
    for statement in _DDL.split(";"):
        if statement.strip():
            con.execute(statement)
    con.execute(
        f"INSERT INTO {DEFAULTS_LOG} (model, version, reason) "
        f"VALUES ({literal(model)}, {literal(version)}, {literal(reason)})"
    )


def record_default(con: duckdb.DuckDBPyConnection, schema: str, name: str, version: int, reason: str) -> None:
    """Log that ``version`` of ``schema.name`` holds ``default`` now (CREATE MODEL of a new version)."""
    _log(con, f"{schema}.{name}", version, reason)


def promote(
    con: duckdb.DuckDBPyConnection, schema: str, name: str, ref: str | int, reason: str = "promoted"
) -> Version:
    """Move ``default`` to version ``ref``: it becomes the row ``schema.name``; the one before is kept."""
    target = find(con, schema, name, ref)
    if target.is_default:
        return target
    with registry.atomic(con):
        current = retire(con, schema, name)
        registry.rename(con, schema, stored_name(name, target.version), name)
        if not _logged(con, f"{schema}.{name}"):
            _log(con, f"{schema}.{name}", current, "the default before the first promotion")
        _log(con, f"{schema}.{name}", target.version, reason)
    return find(con, schema, name, target.version)


def _logged(con: duckdb.DuckDBPyConnection, model: str) -> bool:
    present = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'ml' AND table_name = '_model_defaults'"
    ).fetchone()
    if not present or not present[0]:
        return False
    row = con.execute(f"SELECT count(*) FROM {DEFAULTS_LOG} WHERE model = {literal(model)}").fetchone()
    return bool(row and row[0])


def previous_default(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> int:
    """The version that held ``default`` before the current one took it (``ml._model_defaults``)."""
    model = f"{schema}.{name}"
    current = version_of(registry.load(con, schema, name))
    history: list[int] = []
    if _logged(con, model):
        history = [
            int(r[0])
            for r in con.execute(
                f"SELECT version FROM {DEFAULTS_LOG} WHERE model = {literal(model)} ORDER BY seq"
            ).fetchall()
        ]
    kept = {v.version for v in list_versions(con, schema, name)}
    earlier = [v for v in history[: _last_index(history, current)] if v != current and v in kept]
    if not earlier:
        raise UsageError(
            f"model {model} has no earlier default to roll back to",
            hint="`lakehouse ml versions MODEL` lists its versions; `lakehouse ml promote MODEL N` picks one",
        )
    return earlier[-1]


def _last_index(history: list[int], version: int) -> int:
    positions = [i for i, v in enumerate(history) if v == version]
    return positions[-1] if positions else len(history)


def rollback(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> Version:
    """Give ``default`` back to the version that held it before the current one."""
    return promote(con, schema, name, previous_default(con, schema, name), reason="rolled back")


def lake_tables(tree: exp.Expr, lake: str = "lake") -> list[exp.Table]:
    """The tables of the attached lake that ``tree`` (DuckDB SQL) reads: ``lake.t`` or ``lake.schema.t``."""
    return [
        t
        for t in tree.find_all(exp.Table)
        if t.name and (t.catalog == lake or (not t.catalog and t.db == lake))
    ]


def pin(tree: exp.Expr, snapshot: int, lake: str = "lake") -> dict[str, int]:
    """Read every lake table of ``tree`` at DuckLake snapshot ``snapshot`` (``AT (VERSION => n)``, in place);
    {table: snapshot} of what it read. A table already pinned keeps its own version."""
    pinned: dict[str, int] = {}
    for table in lake_tables(tree, lake):
        name = ".".join(p for p in (table.catalog, table.db, table.name) if p)
        when = table.args.get("when")
        if when is None:
            table.set(
                "when",
                exp.HistoricalData(this="AT", kind="VERSION", expression=exp.Literal.number(snapshot)),
            )
            pinned[name] = snapshot
        elif isinstance(when.expression, exp.Literal) and not when.expression.is_string:
            pinned[name] = int(when.expression.this)
    return pinned
