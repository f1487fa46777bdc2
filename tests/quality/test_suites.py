"""The suites shipped in quality/expectations: valid GX 1.x suites, every expectation with a severity."""

from __future__ import annotations

import json

import pytest

from lakehouse.errors import InputError, NotFoundError
from lakehouse.settings import Settings
from quality.suites import available, load_suite, parse_suite

SAMPLE_DATASETS = {"customers", "products", "orders", "events", "images"}


def test_every_sample_dataset_has_a_suite(settings: Settings) -> None:
    assert set(available(settings)) >= SAMPLE_DATASETS


@pytest.mark.parametrize("dataset", sorted(SAMPLE_DATASETS | {"dim_customers"}))
def test_shipped_suite_is_a_valid_gx_suite_with_severities(settings: Settings, dataset: str) -> None:
    from quality.gx_engine import gx_suite

    suite = load_suite(settings, dataset)
    assert suite.expectations
    assert {e.severity for e in suite.expectations} <= {"critical", "warning"}
    gx = gx_suite(suite)  # GX validates every expectation's kwargs when it builds the suite
    assert len(gx.expectations) == len(suite.expectations)
    assert {e.meta["severity"] for e in gx.expectations} == {e.severity for e in suite.expectations}


def test_lake_suites_cover_the_kinds_of_check_the_issue_names(settings: Settings) -> None:
    kinds = {e.type for name in SAMPLE_DATASETS for e in load_suite(settings, name).expectations}
    references = [
        e
        for name in SAMPLE_DATASETS
        for e in load_suite(settings, name).expectations
        if e.meta.get("value_set_from")
    ]
    assert {
        "expect_column_values_to_not_be_null",
        "expect_column_values_to_be_unique",
        "expect_compound_columns_to_be_unique",
        "expect_column_values_to_be_between",
        "expect_column_values_to_be_in_set",
        "expect_column_values_to_match_regex",
        "expect_table_row_count_to_be_between",
        "expect_table_columns_to_match_set",
        "expect_column_values_to_be_in_type_list",
        "expect_column_mean_to_be_between",
        "expect_column_quantile_values_to_be_between",
    } <= kinds
    assert references, "no referential check"


def test_missing_severity_is_refused() -> None:
    text = json.dumps(
        {"name": "t", "expectations": [{"type": "expect_column_to_exist", "kwargs": {"column": "a"}}]}
    )
    with pytest.raises(InputError, match=r"expectation 1 \(expect_column_to_exist\): meta.severity is None"):
        parse_suite(text, dataset="t")


def test_unknown_type_name_is_refused_with_the_valid_names() -> None:
    item = {
        "type": "expect_column_values_to_be_of_type",
        "kwargs": {"column": "a", "type_": "int64"},
        "meta": {"severity": "warning"},
    }
    with pytest.raises(InputError, match=r"unknown column type 'int64'.*Int64Dtype"):
        parse_suite(json.dumps({"name": "t", "expectations": [item]}), dataset="t")


def test_bad_json_names_the_line() -> None:
    with pytest.raises(InputError, match=r"suite t:2: not valid JSON"):
        parse_suite('{"name": "t",\n "expectations": [,]}', dataset="t")


def test_unknown_dataset_lists_the_suites(settings: Settings) -> None:
    with pytest.raises(NotFoundError, match=r"no expectation suite for 'nope'.*customers"):
        load_suite(settings, "nope")
