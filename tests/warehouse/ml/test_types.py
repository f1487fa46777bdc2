"""The table of model types: every row is a folder with the same parts, wired the same way, and every
function in the table is one the SQL front end parses."""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from types import ModuleType

import pytest
from sqlglot import exp

import warehouse.ml
from warehouse.ml import functions, options, types
from warehouse.sql.dialect import MLTableFunction, parse

ROOT = Path(warehouse.ml.__file__).parent
PARTS = {"__init__.py", "options.py", "train.py", "sql.py", "functions.py"}


def _folders() -> dict[str, ModuleType]:
    return {
        path.name: importlib.import_module(f"warehouse.ml.models.{path.name}")
        for path in sorted((ROOT / "models").iterdir())
        if (path / "__init__.py").exists()
    }


def test_every_model_type_folder_is_one_row_with_the_same_parts() -> None:
    folders = {name: module for name, module in _folders().items() if hasattr(module, "MODEL_TYPE")}
    assert sorted(f.MODEL_TYPE.name for f in folders.values()) == sorted(types.MODEL_TYPES)
    for name, module in folders.items():
        model_type = module.MODEL_TYPE
        assert types.MODEL_TYPES[model_type.name] is model_type
        assert name.upper() == model_type.name
        assert {p.name for p in (ROOT / "models" / name).glob("*.py")} == PARTS
        parts = {
            p: importlib.import_module(f"warehouse.ml.models.{name}.{p}")
            for p in ("options", "train", "functions")
        }
        assert model_type.options is parts["options"].OPTIONS
        assert model_type.train is parts["train"].train
        assert model_type.functions is parts["functions"].FUNCTIONS


def test_family_folders_are_not_model_types() -> None:
    families = {name for name, module in _folders().items() if not hasattr(module, "MODEL_TYPE")}
    assert families == {"glm", "trees", "dnn"}


@pytest.mark.parametrize("name", list(types.MODEL_TYPES))
def test_a_model_type_accepts_what_it_uses(name: str) -> None:
    model_type = types.MODEL_TYPES[name]
    assert set(options.COMMON) <= set(model_type.options)
    assert set(model_type.roles.values()) <= set(model_type.options)
    assert ("warm_start" in model_type.options) == (model_type.warm_start is not None)
    assert model_type.options["model_type"].default is None


def test_the_function_table() -> None:
    table = {name: sorted(functions_) for name, functions_ in types.FUNCTIONS.items()}
    assert table == {
        "KMEANS": [
            "CENTROIDS",
            "DETECT_ANOMALIES",
            "EVALUATE",
            "FEATURE_INFO",
            "PREDICT",
            "TRAINING_INFO",
            "VALIDATE_DATA_SKEW",
        ],
        "LINEAR_REG": [
            "EVALUATE",
            "EXPLAIN_PREDICT",
            "FEATURE_INFO",
            "GLOBAL_EXPLAIN",
            "PREDICT",
            "TRAINING_INFO",
            "VALIDATE_DATA_SKEW",
            "WEIGHTS",
        ],
        "LOGISTIC_REG": [
            "CONFUSION_MATRIX",
            "EVALUATE",
            "EXPLAIN_PREDICT",
            "FEATURE_INFO",
            "GLOBAL_EXPLAIN",
            "PREDICT",
            "ROC_CURVE",
            "TRAINING_INFO",
            "VALIDATE_DATA_SKEW",
            "WEIGHTS",
        ],
        **{
            name: [
                "CONFUSION_MATRIX",
                "EVALUATE",
                "EXPLAIN_PREDICT",
                "FEATURE_IMPORTANCE",
                "FEATURE_INFO",
                "GLOBAL_EXPLAIN",
                "PREDICT",
                "ROC_CURVE",
                "TRAINING_INFO",
                "VALIDATE_DATA_SKEW",
            ]
            for name in ("BOOSTED_TREE_CLASSIFIER", "RANDOM_FOREST_CLASSIFIER")
        },
        **{
            name: [
                "EVALUATE",
                "EXPLAIN_PREDICT",
                "FEATURE_IMPORTANCE",
                "FEATURE_INFO",
                "GLOBAL_EXPLAIN",
                "PREDICT",
                "TRAINING_INFO",
                "VALIDATE_DATA_SKEW",
            ]
            for name in ("BOOSTED_TREE_REGRESSOR", "RANDOM_FOREST_REGRESSOR")
        },
        "DNN_CLASSIFIER": [
            "CONFUSION_MATRIX",
            "EVALUATE",
            "EXPLAIN_PREDICT",
            "FEATURE_INFO",
            "GLOBAL_EXPLAIN",
            "PREDICT",
            "ROC_CURVE",
            "TRAINING_INFO",
            "VALIDATE_DATA_SKEW",
        ],
        "DNN_REGRESSOR": [
            "EVALUATE",
            "EXPLAIN_PREDICT",
            "FEATURE_INFO",
            "GLOBAL_EXPLAIN",
            "PREDICT",
            "TRAINING_INFO",
            "VALIDATE_DATA_SKEW",
        ],
        "PCA": [
            "DETECT_ANOMALIES",
            "EVALUATE",
            "FEATURE_INFO",
            "PREDICT",
            "PRINCIPAL_COMPONENTS",
            "PRINCIPAL_COMPONENT_INFO",
            "TRAINING_INFO",
            "VALIDATE_DATA_SKEW",
        ],
    }
    for table_ in types.FUNCTIONS.values():
        assert set(functions.FUNCTIONS) <= set(table_)


def test_every_function_in_the_table_parses() -> None:
    names = {f for table in types.FUNCTIONS.values() for f in table}
    for name in sorted(names):
        found = list(parse(f"SELECT * FROM ML.{name}(MODEL ml.m)")[0].find_all(MLTableFunction))
        assert [f.function for f in found] == [name]
        assert isinstance(found[0].this, exp.Table)


def test_generic_modules_name_no_model_type() -> None:
    """Only types.py (and the package docstring's recipe) names the model types; generic modules and
    their SQL know none of them."""
    words = {*types.MODEL_TYPES, *_folders()}
    pattern = re.compile(r"\b(" + "|".join(sorted(words)) + r")\b", re.IGNORECASE)
    generic = [
        p
        for p in sorted(ROOT.rglob("*"))
        if p.suffix in (".py", ".sql")
        and "models" not in p.relative_to(ROOT).parts
        and p.relative_to(ROOT).as_posix() not in ("types.py", "__init__.py")
    ]
    assert len(generic) > 15
    named = [f"{p.relative_to(ROOT)}: {m.group(0)}" for p in generic for m in pattern.finditer(p.read_text())]
    assert named == []


def test_an_unknown_function_names_the_ones_the_type_has() -> None:
    with pytest.raises(
        Exception, match=r"ML\.CENTROIDS is not available for LINEAR_REG model ml\.m.*ML\.WEIGHTS"
    ):
        types.function("LINEAR_REG", "CENTROIDS", "ml.m")
