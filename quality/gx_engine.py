"""Validate a suite with Great Expectations' pandas engine (imported here, and only when first used).

One ephemeral GX context per process, progress bars off; the batch is the canonical frame from
``frame.to_pandas``. Results come back as engine-independent ``Outcome``s (``quality.docs`` turns stored
outcomes back into GX validation results for Data Docs).
"""

from __future__ import annotations

import logging
import warnings
from functools import cache
from typing import TYPE_CHECKING, Any

from quality.outcome import EXAMPLES, Outcome, plain
from quality.suites import Expectation, Suite

if TYPE_CHECKING:
    import pandas as pd
    from great_expectations.core.batch_definition import BatchDefinition
    from great_expectations.data_context import AbstractDataContext

log = logging.getLogger(__name__)
POSITION = "lakehouse_position"
RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": EXAMPLES}


def quiet_gx() -> None:
    """GX sets some of its loggers to INFO when imported; keep them out of the user's output."""
    for name in [n for n in logging.root.manager.loggerDict if n.startswith("great_expectations")]:
        logging.getLogger(name).setLevel(logging.ERROR)


@cache
def context() -> AbstractDataContext:
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    quiet_gx()

    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    return ctx


@cache
def _batch_definition() -> BatchDefinition:
    source = context().data_sources.add_pandas("lakehouse")
    return source.add_dataframe_asset("batch").add_batch_definition_whole_dataframe("whole")


def gx_suite(suite: Suite, *, numbered: bool = False) -> Any:
    """GX's ExpectationSuite; ``numbered`` tags each expectation with its position (GX reorders results)."""
    from great_expectations.core import ExpectationSuite

    data = suite.to_json()
    if numbered:
        for index, item in enumerate(data["expectations"]):
            item["meta"] = {**item["meta"], POSITION: index}
    return ExpectationSuite(**data)


def validate_gx(frame: pd.DataFrame, suite: Suite) -> list[Outcome]:
    """Run ``suite`` on ``frame``; outcomes come back in suite order."""
    batch = _batch_definition().get_batch(batch_parameters={"dataframe": frame})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = batch.validate(gx_suite(suite, numbered=True), result_format=RESULT_FORMAT)
    outcomes: list[Outcome | None] = [None] * len(suite.expectations)
    for item in result.results:
        index = item.expectation_config.meta[POSITION]
        outcomes[index] = _outcome(suite.expectations[index], item)
    assert all(o is not None for o in outcomes), "GX returned fewer results than expectations"
    return [o for o in outcomes if o is not None]


def _outcome(e: Expectation, item: Any) -> Outcome:
    message = _exception(item.exception_info or {})
    if message is not None:
        return Outcome(e.type, e.kwargs, e.severity, success=False, error=message)
    result = item.result or {}
    unexpected = result.get("unexpected_count")
    return Outcome(
        expectation=e.type,
        kwargs=e.kwargs,
        severity=e.severity,
        success=bool(item.success),
        element_count=result.get("element_count"),
        unexpected_count=None if unexpected is None else int(unexpected),
        examples=[plain(v) for v in result.get("partial_unexpected_list") or []][:EXAMPLES],
        observed_value=plain(result.get("observed_value")),
    )


def _exception(info: dict[str, Any]) -> str | None:
    """The first exception message in GX's exception_info (flat, or keyed by metric)."""
    if info.get("raised_exception"):
        text = str(info.get("exception_message") or "GX could not evaluate the expectation")
        return text.strip().splitlines()[0] if text.strip() else text
    for value in info.values():
        if isinstance(value, dict) and (found := _exception(value)) is not None:
            return found
    return None
