"""GX Data Docs (static HTML) from the suites in the repo and the stored validation results.

A GX file project under ``<quality_dir>/gx`` holds the rendered site; it is rebuilt from our own stores each
time, so results of either engine show up the same way. Beside it, ``data_docs.json`` names the page of each
dataset's newest validation in the site (GX's own URL for it), so a reader (the web page) finds that page
without importing GX; ``page_file`` hands out files of the site only, never a path outside the home.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from lakehouse.errors import NotFoundError
from lakehouse.settings import Settings
from quality import results
from quality.outcome import Validation
from quality.suites import available, load_suite

log = logging.getLogger(__name__)
HISTORY = 20  # validation runs per dataset shown in the docs
SITE = ("gx", "uncommitted", "data_docs", "local_site")  # GX's default local site in the project
PAGES = "data_docs.json"  # dataset -> its newest validation's page in the site (under quality_dir)


@dataclass(frozen=True)
class DocsPage:
    """The Data Docs page of one validation: its path inside the site and the validation's time."""

    path: str  # relative to ``site_dir``, with forward slashes
    validated_at: str


def site_dir(settings: Settings) -> Path:
    return settings.quality_dir.joinpath(*SITE)


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
        newest_keys: dict[str, tuple[Any, str]] = {}
        for name in available(settings):
            suite = load_suite(settings, name)
            context.suites.add_or_update(gx_suite(suite))
            newest: tuple[Any, str] | None = None
            for path in history(settings, name):
                validation = results.load(path)
                key, value = _gx_validation(validation)
                context.validation_results_store.set(key, value)
                newest = newest or (key, validation.validated_at)
            if newest:
                newest_keys[name] = newest
        sites = context.build_data_docs()
        pages = {name: _page(context, settings, key, at) for name, (key, at) in newest_keys.items()}
    index = Path(unquote(urlsplit(str(sites["local_site"])).path))
    (settings.quality_dir / PAGES).write_text(
        json.dumps({n: vars(p) for n, p in pages.items()}, indent=1), encoding="utf-8"
    )
    log.info("data docs: %s", index)
    return index


def _page(context: Any, settings: Settings, key: Any, validated_at: str) -> DocsPage:
    """The site page GX rendered for the validation stored under ``key``."""
    (found,) = context.get_docs_sites_urls(resource_identifier=key, site_name="local_site")
    page = Path(unquote(urlsplit(found["site_url"]).path)).resolve()
    return DocsPage(page.relative_to(site_dir(settings).resolve()).as_posix(), validated_at)


def latest_page(settings: Settings, dataset: str) -> DocsPage | None:
    """The Data Docs page of ``dataset``'s newest validation when the docs were last built (None: no
    docs, or none for it)."""
    manifest = settings.quality_dir / PAGES
    if not manifest.is_file():
        return None
    entry = json.loads(manifest.read_text(encoding="utf-8")).get(dataset)
    return DocsPage(**entry) if entry else None


def page_file(settings: Settings, relative: str) -> Path:
    """The file of the Data Docs site at ``relative``; ``NotFoundError`` for anything else (a path that
    leaves the site or the home, also through a symbolic link, or a file that is not there)."""
    home, site = settings.home.resolve(), site_dir(settings).resolve()
    target = (site / relative).resolve()
    if not (site.is_relative_to(home) and target.is_relative_to(site) and target.is_file()):
        raise NotFoundError(
            f"no Data Docs file {relative!r}", hint="build the docs with `lakehouse quality docs`"
        )
    return target


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
