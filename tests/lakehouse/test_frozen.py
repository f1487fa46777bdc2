"""The settings' fast converters agree with pydantic, whose behaviour and messages they stand in for.

``lakehouse.frozen`` converts everyday values itself and hands anything else to pydantic (a model
built from the same fields). Here every field meets a battery of values as the environment, a
lakehouse.toml or the code would give them: whatever the fast path accepts, pydantic accepts with the
same result; whatever pydantic refuses, ``model_validate`` refuses with pydantic's message.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pydantic
import pytest

from lakehouse.bigquery_settings import BigQuerySettings
from lakehouse.frozen import (
    FrozenError,
    FrozenModel,
    Invalid,
    SecretStr,
    _NotFast,
    _pydantic_model,
    fields_of,
    pydantic_input,
)
from lakehouse.settings import Settings, load_settings

TEXT = ["x", "", " padded ", "4GB", 3, 3.5, True, None, ["a"], {"a": 1}]
BY_FIELD: dict[str, list[Any]] = {
    "threads": [
        "3",
        "007",
        "-1",
        "0",
        "1",
        "1024",
        "1025",
        "3.0",
        " 3",
        "+3",
        "zero",
        "",
        3,
        0,
        3.0,
        3.5,
        True,
        None,
    ],
    "seed": ["42", "-7", "4.2", "x", 42, 4.0, False, "99999999999999999999"],
    "lock_timeout": ["60", "1.5", "-1", "0", "inf", "nan", "1e3", ".5", "x", 60, 1.5, -0.5, True, None],
    "s3_use_ssl": [
        "true",
        "True",
        "TRUE",
        "1",
        "yes",
        "on",
        "t",
        "y",
        "0",
        "off",
        "no",
        "f",
        "n",
        "false",
        "maybe",
        "",
        1,
        0,
        2,
        1.0,
        True,
        False,
        None,
    ],  # fmt: skip
    "lake_encrypted": ["1", "0", "x", True, None],
    "s3_url_style": ["path", "vhost", "PATH", "", 1, None],
    "home": ["a/b", "/abs", "", Path("p"), 3, None],
    "warehouse_path": ["w.duckdb", "", Path("w"), 3, None],
    "s3_secret": ["s3cr3t", "", SecretStr("k"), 3, None],
    "lake_metadata": ["postgres:dbname=x", "postgres:dbname=x password=p", "postgres://u:pw@h/db", 3, None],
    "lake_data_path": ["s3://b/p", "ftp://h/p", "local/dir", Path("a/../b"), "", None],
    "memory_limit": TEXT,
    "bigquery": [{}, {"project": "p"}, {"method": "password"}, {"nope": 1}, "x", None],
}
BIGQUERY_FIELDS: dict[str, list[Any]] = {
    "method": ["oauth", "service-account", "oauth-secrets", "OAUTH", None],
    "token": ["tok", SecretStr("t"), 1, None],
    "keyfile": ["k.json", Path("k"), "", None],
    "dataset": TEXT,
}


def _pydantic_outcome(cls: type[FrozenModel], data: dict[str, Any]) -> tuple[str, Any]:
    try:
        return "ok", _pydantic_model(cls).model_validate(pydantic_input(data))
    except pydantic.ValidationError as exc:
        return "error", [(e["loc"], e["msg"]) for e in exc.errors()]


def _same(cls: type[FrozenModel], ours: FrozenModel, theirs: Any) -> None:
    for field in fields_of(cls):
        mine, other = getattr(ours, field.name), getattr(theirs, field.name)
        if isinstance(mine, FrozenModel):
            _same(type(mine), mine, other)
        elif isinstance(mine, SecretStr):
            assert mine.get_secret_value() == other.get_secret_value(), field.name
        else:
            assert (type(mine), mine) == (type(other), other), field.name


CASES = [(Settings, name, value) for name, values in BY_FIELD.items() for value in values] + [
    (BigQuerySettings, name, value) for name, values in BIGQUERY_FIELDS.items() for value in values
]


@pytest.mark.parametrize(
    ("cls", "name", "value"), CASES, ids=[f"{c.__name__}.{n}={v!r}" for c, n, v in CASES]
)
def test_fast_path_agrees_with_pydantic(cls: type[FrozenModel], name: str, value: Any) -> None:
    data = {name: value}
    verdict, theirs = _pydantic_outcome(cls, data)
    try:
        fast: FrozenModel | None = cls._fast(data)
    except _NotFast:
        fast = None
    if fast is not None:  # the fast path may only accept what pydantic accepts, converted alike
        assert verdict == "ok", f"fast path accepted {value!r}, pydantic refused: {theirs}"
        _same(cls, fast, theirs)
    if verdict == "ok":
        _same(cls, cls.model_validate(data), theirs)
    else:
        with pytest.raises(Invalid, match=r"validation error") as err:
            cls.model_validate(data)
        assert [(e["loc"], e["msg"]) for e in err.value.errors] == theirs


def test_unknown_field_is_refused_with_pydantics_message() -> None:
    with pytest.raises(Invalid, match=r"Extra inputs are not permitted") as err:
        Settings.model_validate({"hoem": "x"})
    assert err.value.errors[0]["loc"] == ("hoem",)


def test_defaults_equal_pydantics(tmp_path: Path) -> None:
    _same(
        Settings,
        Settings.model_validate({"home": tmp_path}),
        _pydantic_model(Settings).model_validate({"home": tmp_path}),
    )


def test_frozen_and_copies_keep_where_values_came_from(tmp_path: Path) -> None:
    settings = load_settings({"threads": 2}, env={}, cwd=tmp_path)
    with pytest.raises(FrozenError, match=r"Settings is frozen: cannot set 'threads'"):
        settings.threads = 4  # type: ignore[misc]
    copy = settings.model_copy(update={"seed": 7})
    assert (copy.seed, copy.threads, copy.origin("threads")) == (7, 2, "command-line option --threads")
    assert settings.seed == 42


def test_secrets_are_not_shown(tmp_path: Path) -> None:
    settings = load_settings(env={"LAKEHOUSE_S3_SECRET": "Hunter2pw"}, cwd=tmp_path)
    assert "Hunter2pw" not in repr(settings) and "Hunter2pw" not in str(settings.s3_secret)
    assert settings.s3_secret is not None and settings.s3_secret.get_secret_value() == "Hunter2pw"


def test_loading_settings_does_not_import_pydantic(tmp_path: Path) -> None:
    code = (
        "import sys; from lakehouse.settings import load_settings; "
        "load_settings(env={'LAKEHOUSE_THREADS': '2', 'LAKEHOUSE_S3_USE_SSL': 'false'}); "
        "print('pydantic' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "False"
