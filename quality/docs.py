"""GX Data Docs (static HTML) from the suites in the repo and the stored validation results.

A GX file project under ``<quality_dir>/gx`` holds the rendered site; it is rebuilt from our own stores each
time, so results of either engine show up the same way.
"""

from __future__ import annotations

import datetime as dt
import logging
import warnings
from pathlib import Path
from typing import Any

from lakehouse.settings import Settings
from quality import results
from quality.outcome import Validation
from quality.suites import available, load_suite

log = logging.getLogger(__name__)
HISTORY = 20  # validation runs per dataset shown in the docs


def build_docs(settings: Settings) -> Path:
    """Render Data Docs for every suite and its last ``HISTORY`` results; return the site's index.html."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    from quality.gx_engine import gx_suite, quiet_gx

    quiet_gx()  # after the import: GX sets its loggers up when imported
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        context = gx.get_context(mode="file", project_root_dir=settings.quality_dir)
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        for name in available(settings):
            suite = load_suite(settings, name)
            context.suites.add_or_update(gx_suite(suite))
            for path in history(settings, name):
                key, value = _gx_validation(results.load(path))
                context.validation_results_store.set(key, value)
        sites = context.build_data_docs()
    index = Path(str(sites["local_site"]).removeprefix("file://"))
    log.info("data docs: %s", index)
    return index


def history(settings: Settings, dataset: str) -> list[Path]:
    return [p for p in results.history(settings, dataset, limit=HISTORY) if results.load(p).gated]


def _gx_validation(validation: Validation) -> tuple[Any, Any]:
    """Our stored result as GX's validation result and its store key."""
    from great_expectations.core import ExpectationSuiteValidationResult, ExpectationValidationResult
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    items = []
    for o in validation.outcomes:
        config = ExpectationConfiguration(type=o.expectation, kwargs=o.kwargs, meta={"severity": o.severity})
        result: dict[str, Any] = (
            {"observed_value": o.observed_value}
            if o.unexpected_count is None
            else {
                "element_count": o.element_count,
                "unexpected_count": o.unexpected_count,
                "unexpected_percent": 100.0 * o.unexpected_count / o.element_count
                if o.element_count
                else 0.0,
                "partial_unexpected_list": o.examples,
            }
        )
        info = {"raised_exception": bool(o.error), "exception_message": o.error, "exception_traceback": None}
        items.append(
            ExpectationValidationResult(
                success=o.success, expectation_config=config, result=result, exception_info=info
            )
        )
    passed = sum(1 for o in validation.outcomes if o.success)
    run_id = RunIdentifier(
        run_name=validation.source, run_time=dt.datetime.fromisoformat(validation.validated_at)
    )
    value = ExpectationSuiteValidationResult(
        success=validation.passed,
        results=items,
        suite_name=validation.suite,
        statistics={
            "evaluated_expectations": len(items),
            "successful_expectations": passed,
            "unsuccessful_expectations": len(items) - passed,
            "success_percent": 100.0 * passed / len(items) if items else 100.0,
        },
        meta={
            "run_id": run_id,
            "engine": validation.engine,
            "rows": validation.rows,
            "relation": validation.relation,
        },
    )
    key = ValidationResultIdentifier(
        expectation_suite_identifier=ExpectationSuiteIdentifier(name=validation.suite),
        run_id=run_id,
        batch_identifier=validation.relation,
    )
    return key, value
