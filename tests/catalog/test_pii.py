"""PII detection: precision and recall on labeled fixture columns, validators, confidence, overrides."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from catalog import metadata, pii
from catalog.model import ColumnRecord, DatasetRecord, PiiFinding
from lakehouse.settings import load_settings
from tests.catalog.conftest import FIXTURES

CASES = yaml.safe_load((FIXTURES / "pii_columns.yml").read_text())


def _values(case: dict) -> list[object]:
    return [v if isinstance(v, dt.date | type(None)) else str(v) for v in case["values"]]


def test_precision_and_recall_on_fixtures() -> None:
    tp = fp = fn = 0
    wrong = []
    for case in CASES:
        found = pii.detect(case["name"], _values(case))
        kind = found.kind if found else None
        if kind == case["expect"] and kind is not None:
            tp += 1
        else:
            fp += kind is not None
            fn += case["expect"] is not None
            if kind != case["expect"]:
                wrong.append((case["name"], case["expect"], kind))
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    assert precision >= 0.95 and recall >= 0.95, (precision, recall, wrong)
    assert len(CASES) >= 40


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_each_fixture_column(case: dict) -> None:
    found = pii.detect(case["name"], _values(case))
    assert (found.kind if found else None) == case["expect"]
    if found:
        assert pii.THRESHOLD <= found.confidence <= 1


def test_luhn_and_iban_checks() -> None:
    assert pii.luhn_ok("4111 1111 1111 1111") and not pii.luhn_ok("4111 1111 1111 1112")
    assert pii.iban_ok("DE89 3704 0044 0532 0130 00") and not pii.iban_ok("DE88 3704 0044 0532 0130 00")


def test_name_and_values_together_are_surer_than_either() -> None:
    both = pii.detect("email", ["a@example.com", "b@example.com", "c@example.com"])
    by_name = pii.detect("email", [])
    by_values = pii.detect("contact", ["a@example.com", "b@example.com", "c@example.com"])
    assert both and by_name and by_values
    assert both.confidence > max(by_name.confidence, by_values.confidence)
    assert (both.source, by_name.source, by_values.source) == ("values+name", "name", "values")


def test_mixed_values_lower_the_confidence() -> None:
    found = pii.detect("contact", ["a@example.com", "b@example.com", "c@example.com", "n/a", "unknown"])
    assert found is not None and found.confidence == pytest.approx(0.95 * 3 / 5)
    assert pii.detect("contact", ["a@example.com", "n/a", "none", "unknown"]) is None


def test_yaml_overrides_detection(tmp_path: Path) -> None:
    path = tmp_path / "metadata.yml"
    path.write_text(
        "datasets:\n  customers:\n    owner: crm-team\n    tags: [gdpr]\n    columns:\n"
        "      email: {pii: false}\n      nickname: {pii: person_name, description: what friends call them}\n"
    )
    record = DatasetRecord("lake.customers", "table", "raw", "lake", tags=("crm",), columns=(
        ColumnRecord("email", "VARCHAR", 1, pii=PiiFinding("email", 0.99, "values+name")),
        ColumnRecord("nickname", "VARCHAR", 2),
    ))  # fmt: skip
    out = metadata.apply(record, metadata.load(load_settings({"metadata_file": path}, env={}, cwd=tmp_path)))
    assert out.owner == "crm-team" and out.tags == ("crm", "gdpr")
    assert out.columns[0].pii is None
    assert out.columns[1].pii == PiiFinding("person_name", 1.0, "override")
    assert out.columns[1].description == "what friends call them"


def test_bad_metadata_file_names_the_problem(tmp_path: Path) -> None:
    path = tmp_path / "metadata.yml"
    path.write_text("datasets:\n  orders:\n    ownr: sales\n")
    with pytest.raises(ValueError, match=r"dataset 'orders' has unknown keys \['ownr'\]"):
        metadata.load(load_settings({"metadata_file": path}, env={}, cwd=tmp_path))
