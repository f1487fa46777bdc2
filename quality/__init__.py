"""Great Expectations quality gates: suites in ``quality/expectations``, the ingest gate, checks, Data Docs.

Importing this package does not import Great Expectations (about 3 s); GX loads when a batch is first
validated with it.

- ``gate_for(settings)`` -> the ``lakehouse.gate.Gate`` that ``lake.ingest`` calls before committing;
- ``check(settings, datasets=None, progress=None)`` validates lake tables and warehouse models;
- ``build_docs(settings)`` builds GX Data Docs (HTML) from the stored results; ``latest_page(settings, dataset)``
  names the page of a dataset's newest validation in them and ``page_file`` serves the site's files;
  ``suggest(settings, dataset)``
  profiles a table and writes a starter suite;
- ``latest_results(settings)`` / ``history(settings, dataset)`` / ``record_ungated(settings, dataset)``: the
  stored results the catalog shows.
"""

from __future__ import annotations

from quality.docs import DocsPage, build_docs, latest_page, page_file
from quality.gate import QualityGate, check, describe_failures, gate_for
from quality.results import history, latest_results, record_ungated
from quality.suggest import suggest
from quality.suites import available as suites
from quality.suites import load_suite

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
