"""The quality gate ``lake.ingest`` calls before committing a batch (a ``lakehouse.gate.Gate``).

Start-up time: most datasets of a short ``lakehouse ingest`` have no suite, and knowing that is one file
lookup. Only a batch whose dataset has a suite imports the suite parser and the validation engines
(sqlglot, and Great Expectations when that engine runs) through ``quality.gate.judge``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import duckdb

from lakehouse.gate import GateResult
from lakehouse.settings import Settings
from quality.suite_files import has_suite

if TYPE_CHECKING:
    from quality.validate import EngineChoice

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class QualityGate:
    """Validates a staged batch against its dataset's suite and stores the result (``lakehouse.gate.Gate``)."""

    settings: Settings
    engine: EngineChoice = "auto"

    def __call__(self, con: duckdb.DuckDBPyConnection, dataset: str, relation: str) -> GateResult:
        if not has_suite(self.settings, dataset):
            log.info("no expectation suite for %s: batch not validated", dataset)
            return GateResult(dataset=dataset, suite=None, checks=0)
        from quality.gate import judge  # start-up time: only a batch with a suite pays for the engines

        return judge(self.settings, con, dataset, relation, self.engine)


def gate_for(settings: Settings, engine: EngineChoice = "auto") -> QualityGate:
    return QualityGate(settings, engine)
