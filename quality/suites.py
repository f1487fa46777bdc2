"""Expectation suites as plain data: GX 1.x suite JSON files in ``settings.quality_suites_dir``.

The folder is a project file: a command that needs suites (an ingest with its gate, ``quality check``,
``quality docs``) fails naming the setting when the folder is missing; a folder without a dataset's suite
means that dataset is not validated.

A suite file is what ``ExpectationSuite.to_json_dict()`` writes, plus two conventions of ours:

- every expectation's ``meta.severity`` is ``critical`` (blocks a batch) or ``warning`` (reported);
- the suite's ``meta.relation`` names what ``lakehouse quality check`` validates (default ``lake.<dataset>``),
  and ``meta.database`` is ``lake`` (default) or ``warehouse`` for dbt models;
- an ``expect_column_values_to_be_in_set`` may take its set from another table: ``meta.value_set_from`` =
  ``"<relation>.<column>"`` (a referential check); the set is read when the suite runs.

Loading needs no GX import; the engines turn a ``Suite`` into whatever they run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from lakehouse.errors import InputError, NotFoundError
from lakehouse.gate import Severity
from lakehouse.settings import Settings
from quality.frame import TYPE_NAMES
from quality.suite_files import SUITE_SUFFIX, available, has_suite, suite_path

__all__ = [
    "SUITE_SUFFIX",
    "Expectation",
    "Suite",
    "available",
    "has_suite",
    "load_suite",
    "parse_suite",
    "suite_path",
]

SEVERITIES: tuple[Severity, ...] = ("critical", "warning")


@dataclass(frozen=True)
class Expectation:
    type: str
    kwargs: dict[str, Any]
    severity: Severity
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def column(self) -> str | None:
        value = self.kwargs.get("column")
        if value is None and "column_list" in self.kwargs:
            value = ",".join(self.kwargs["column_list"])
        return value

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "kwargs": self.kwargs, "meta": {**self.meta, "severity": self.severity}}


@dataclass(frozen=True)
class Suite:
    name: str
    dataset: str
    expectations: list[Expectation]
    relation: str
    database: Literal["lake", "warehouse"] = "lake"
    meta: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None

    def to_json(self) -> dict[str, Any]:
        """The GX suite dict (``ExpectationSuite(**suite.to_json())`` builds it)."""
        return {
            "name": self.name,
            "expectations": [e.to_json() for e in self.expectations],
            "meta": self.meta,
        }

    def with_expectations(self, expectations: list[Expectation]) -> Suite:
        return Suite(
            self.name, self.dataset, expectations, self.relation, self.database, self.meta, self.path
        )


def load_suite(settings: Settings, dataset: str) -> Suite:
    path = suite_path(settings, dataset)
    if not path.is_file():
        raise NotFoundError(
            f"no expectation suite for {dataset!r} in {settings.quality_suites_dir}",
            hint="suites: "
            + (", ".join(available(settings)) or "none")
            + f"; `lakehouse quality suggest {dataset}`",
        )
    return parse_suite(path.read_text(encoding="utf-8"), dataset=dataset, path=path)


def parse_suite(text: str, *, dataset: str, path: Path | None = None) -> Suite:
    where = str(path or f"suite {dataset}")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{where}:{exc.lineno}: not valid JSON: {exc.msg}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("expectations"), list):
        raise InputError(f"{where}: not a GX suite (expected an object with an 'expectations' list)")
    meta = dict(data.get("meta") or {})
    database = meta.get("database", "lake")
    if database not in ("lake", "warehouse"):
        raise InputError(f"{where}: meta.database is {database!r}; expected 'lake' or 'warehouse'")
    expectations = [
        _parse_expectation(item, f"{where} expectation {i + 1}")
        for i, item in enumerate(data["expectations"])
    ]
    return Suite(
        name=str(data.get("name") or dataset),
        dataset=dataset,
        expectations=expectations,
        relation=str(meta.get("relation") or f"lake.{dataset}"),
        database=database,
        meta=meta,
        path=path,
    )


def _parse_expectation(item: Any, where: str) -> Expectation:
    if not isinstance(item, dict) or not isinstance(item.get("type"), str):
        raise InputError(f"{where}: expected an object with a 'type'")
    meta = dict(item.get("meta") or {})
    severity = meta.pop("severity", None)
    if severity not in SEVERITIES:
        raise InputError(
            f"{where} ({item['type']}): meta.severity is {severity!r}; expected one of {', '.join(SEVERITIES)}",
            hint='add "meta": {"severity": "critical"} (blocks a batch) or "warning" (reported)',
        )
    kwargs = dict(item.get("kwargs") or {})
    names = [kwargs["type_"]] if "type_" in kwargs else list(kwargs.get("type_list") or [])
    unknown = [n for n in names if n not in TYPE_NAMES]
    if unknown:
        raise InputError(
            f"{where} ({item['type']}): unknown column type {unknown[0]!r}",
            hint="columns are checked in their canonical types: " + ", ".join(TYPE_NAMES),
        )
    return Expectation(type=item["type"], kwargs=kwargs, severity=severity, meta=meta)
