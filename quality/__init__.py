"""Great Expectations quality gates: suites in ``quality/expectations``, the ingest gate, checks, Data Docs.

Importing this package imports none of its parts: each public name loads its module on first use
(``lakehouse.lazy``), so an ingest whose dataset has no suite never imports the suite parser, sqlglot or
Great Expectations (about 3 s; GX loads when a batch is first validated with it).

- ``gate_for(settings)`` -> the ``lakehouse.gate.Gate`` that ``lake.ingest`` calls before committing;
- ``check(settings, datasets=None, progress=None)`` validates lake tables and warehouse models;
- ``build_docs(settings)`` builds GX Data Docs (HTML) from the stored results; ``latest_page(settings, dataset)``
  names the page of a dataset's newest validation in them and ``page_file`` serves the site's files;
  ``suggest(settings, dataset)``
  profiles a table and writes a starter suite;
- ``latest_results(settings)`` / ``history(settings, dataset)`` / ``record_ungated(settings, dataset)``: the
  stored results the catalog shows; ``suites(settings)`` / ``load_suite(settings, dataset)``: the suites.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lakehouse.lazy import exports
from quality.suite_files import available

if TYPE_CHECKING:
    from lakehouse.settings import Settings
    from quality.docs import DocsPage, build_docs, latest_page, page_file
    from quality.gate import check, describe_failures
    from quality.ingest_gate import QualityGate, gate_for
    from quality.results import history, latest_results, record_ungated
    from quality.suggest import suggest
    from quality.suites import load_suite

_EXPORTS = {
    "DocsPage": "quality.docs",
    "build_docs": "quality.docs",
    "latest_page": "quality.docs",
    "page_file": "quality.docs",
    "check": "quality.gate",
    "describe_failures": "quality.gate",
    "QualityGate": "quality.ingest_gate",
    "gate_for": "quality.ingest_gate",
    "history": "quality.results",
    "latest_results": "quality.results",
    "record_ungated": "quality.results",
    "suggest": "quality.suggest",
    "load_suite": "quality.suites",
}


def suites(settings: Settings) -> list[str]:
    """Datasets (and models) that have a suite, sorted."""
    return available(settings)


__getattr__ = exports("quality", _EXPORTS, functions=("suggest", "suites"))

__all__ = [
    "DocsPage",
    "QualityGate",
    "build_docs",
    "check",
    "describe_failures",
    "gate_for",
    "history",
    "latest_page",
    "latest_results",
    "load_suite",
    "page_file",
    "record_ungated",
    "suggest",
    "suites",
]
