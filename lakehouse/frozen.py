"""Typed, frozen settings objects that start without pydantic (``Settings``, ``BigQuerySettings``).

Importing pydantic, finding its plugins (a scan of every installed package's entry points) and building
the two models cost about a quarter of a short command such as ``lakehouse sql "SELECT 1"``. So a
settings class is a frozen dataclass whose fields carry their description and bounds (``setting``), and
``FrozenModel.model_validate`` converts the values a command meets every day (strings from the
environment, TOML scalars, typed values from flags and code) with a small table of converters.

Any value the table does not convert exactly as pydantic would (a bad value, an unusual spelling) is
handed to pydantic, which is imported only then, with a model built from the same fields and
validators: it produces the error (``Invalid``, carrying pydantic's error list and messages), or the
converted values. Behaviour and messages are pydantic's either way;
``tests/lakehouse/test_frozen.py`` checks the fast table against pydantic on a battery of inputs.

The method names (``model_validate``, ``model_dump``, ``model_copy``) are pydantic's, with the same
meaning: ``model_copy`` does not validate, ``model_dump`` keeps secrets as ``SecretStr``.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re
import types
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, ClassVar, Literal, Self

T = typing.TypeVar("T", bound=type)

#: the field validators of a class: field name -> (mode "before" | "after", function of the value)
Validators = Mapping[str, tuple[Literal["before", "after"], Callable[[Any], Any]]]


class SecretStr:
    """A string never shown in ``repr``/``str`` (pydantic's ``SecretStr``, same spelling)."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"SecretStr('{self}')"

    def __str__(self) -> str:
        return "**********" if self._value else ""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SecretStr) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


class Invalid(ValueError):
    """Validation failed: ``errors`` is pydantic's error list (``loc``, ``msg``, ``type`` …)."""

    def __init__(self, message: str, errors: list[dict[str, Any]]) -> None:
        super().__init__(message)
        self.errors = errors


class FrozenError(ValueError):
    """An attempt to change a field of a frozen settings object."""


class _NotFast(Exception):
    """The converter table does not handle this value: pydantic decides."""


def setting(
    *,
    default: Any = dataclasses.MISSING,
    description: str,
    factory: Callable[[], Any] | None = None,
    ge: float | None = None,
    le: float | None = None,
    repr: bool = True,  # noqa: A002 - the name dataclasses and pydantic use
) -> Any:
    """A field with its description and bounds (``ge``/``le``), as pydantic's ``Field`` spells them."""
    meta = {"description": description, "ge": ge, "le": le}
    if factory is not None:
        return dataclasses.field(default_factory=factory, repr=repr, metadata=meta)
    return dataclasses.field(default=default, repr=repr, metadata=meta)


_TRUE = frozenset({"1", "on", "t", "true", "y", "yes"})
_FALSE = frozenset({"0", "off", "f", "false", "n", "no"})
_INT = re.compile(r"-?[0-9]{1,18}")
_FLOAT = re.compile(r"-?[0-9]{1,15}(\.[0-9]{1,15})?")


def _to_bool(value: Any) -> bool:
    if type(value) is bool:
        return value
    if isinstance(value, str) and value in _TRUE | _FALSE:
        return value in _TRUE
    raise _NotFast


def _to_int(value: Any) -> int:
    if type(value) is int:
        return value
    if isinstance(value, str) and _INT.fullmatch(value):
        return int(value)
    raise _NotFast


def _to_float(value: Any) -> float:
    if type(value) in (int, float) and math.isfinite(value):
        return float(value)
    if isinstance(value, str) and _FLOAT.fullmatch(value):
        return float(value)
    raise _NotFast


def _to_str(value: Any) -> str:
    if type(value) is str:
        return value
    raise _NotFast


def _to_path(value: Any) -> Path:
    if isinstance(value, Path):
        return value
    if type(value) is str and value:
        return Path(value)
    raise _NotFast


def _to_secret(value: Any) -> SecretStr:
    if isinstance(value, SecretStr):
        return value
    if type(value) is str:
        return SecretStr(value)
    raise _NotFast


#: the converters of the fast path, by field type
CONVERTERS: dict[Any, Callable[[Any], Any]] = {
    bool: _to_bool,
    int: _to_int,
    float: _to_float,
    str: _to_str,
    Path: _to_path,
    SecretStr: _to_secret,
}


@typing.dataclass_transform(frozen_default=True, field_specifiers=(setting,))
def settings_class(cls: T) -> T:
    """Make ``cls`` (a ``FrozenModel``) a frozen dataclass whose changes raise ``FrozenError``."""
    made: Any = dataclasses.dataclass(frozen=True)(cls)
    del made.__setattr__, made.__delattr__  # FrozenModel's: a ValueError, as pydantic raises
    return typing.cast(T, made)


def fields_of(cls: type[FrozenModel] | FrozenModel) -> tuple[dataclasses.Field[Any], ...]:
    """The fields of a settings class, in declaration order."""
    return dataclasses.fields(cls)


class FrozenModel:
    """Base of a frozen settings dataclass: validation, copies and dumps with pydantic's method names."""

    #: field validators (``Validators``); a ValueError they raise becomes pydantic's "Value error, …"
    validators: ClassVar[Validators] = {}
    __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenError(f"{type(self).__name__} is frozen: cannot set {name!r} (use model_copy)")

    def __delattr__(self, name: str) -> None:
        raise FrozenError(f"{type(self).__name__} is frozen: cannot delete {name!r}")

    @classmethod
    def model_validate(cls, data: Mapping[str, Any]) -> Self:
        """A validated instance from ``data`` (unknown keys are refused); raises ``Invalid``."""
        try:
            return cls._fast(data)
        except _NotFast:
            return _with_pydantic(cls, data)

    @classmethod
    def _fast(cls, data: Mapping[str, Any]) -> Self:
        fields = {f.name: f for f in dataclasses.fields(cls)}
        if not set(data) <= set(fields):
            raise _NotFast
        hints = _hints(cls)
        values = {name: _convert(cls, fields[name], hints[name], value) for name, value in data.items()}
        return cls(**values)

    def model_dump(self) -> dict[str, Any]:
        """The fields as a dict (nested settings as dicts, secrets still ``SecretStr``)."""
        return {
            f.name: value.model_dump() if isinstance(value := getattr(self, f.name), FrozenModel) else value
            for f in fields_of(self)
        }

    def model_copy(self, *, update: Mapping[str, Any] | None = None) -> Self:
        """A copy with ``update`` applied, not validated (as pydantic's), keeping non-field state."""
        copy = dataclasses.replace(self, **(update or {}))
        for name, value in vars(self).items():
            if name not in vars(copy):
                object.__setattr__(copy, name, value)
        return copy


def _convert(cls: type[FrozenModel], field: dataclasses.Field[Any], hint: Any, value: Any) -> Any:
    mode, check = cls.validators.get(field.name, ("after", None))
    if check is not None and mode == "before":
        value = _checked(check, value)
    value = _typed(hint, value)
    low, high = field.metadata.get("ge"), field.metadata.get("le")
    if value is not None and ((low is not None and value < low) or (high is not None and value > high)):
        raise _NotFast
    if check is not None and mode == "after":
        value = _checked(check, value)
    return value


def _checked(check: Callable[[Any], Any], value: Any) -> Any:
    try:
        return check(value)
    except ValueError as exc:
        raise _NotFast from exc


def _typed(hint: Any, value: Any) -> Any:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if value is None:
            return None
        if len(args) != 1:
            raise _NotFast
        hint, origin = args[0], typing.get_origin(args[0])
    if origin is Literal:
        if type(value) is str and value in typing.get_args(hint):
            return value
        raise _NotFast
    if isinstance(hint, type) and issubclass(hint, FrozenModel):
        if isinstance(value, hint):
            return value
        if isinstance(value, Mapping):
            return hint._fast(value)
        raise _NotFast
    converter = CONVERTERS.get(hint)
    if converter is None:
        raise _NotFast
    return converter(value)


_HINTS: dict[type, dict[str, Any]] = {}
_MODELS: dict[type, Any] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


# --- the general path: pydantic, imported only here ---------------------------------------------------


def _with_pydantic(cls: type[FrozenModel], data: Mapping[str, Any]) -> Any:
    """Validate ``data`` with pydantic: its error (``Invalid``) or its values as a ``cls`` instance."""
    from pydantic import ValidationError

    try:
        validated = _pydantic_model(cls).model_validate(pydantic_input(data))
    except ValidationError as exc:
        raise Invalid(str(exc), [dict(e) for e in exc.errors()]) from exc
    return _from_pydantic(cls, validated)


def pydantic_input(data: Any) -> Any:
    """``data`` with this module's ``SecretStr`` values (``model_dump`` keeps them) as pydantic's."""
    from pydantic import SecretStr as PydanticSecret

    if isinstance(data, SecretStr):
        return PydanticSecret(data.get_secret_value())
    if isinstance(data, Mapping):
        return {key: pydantic_input(value) for key, value in data.items()}
    return data


def _from_pydantic(cls: type[FrozenModel], validated: Any) -> Any:
    hints = _hints(cls)
    values = {}
    for field in dataclasses.fields(cls):
        value = getattr(validated, field.name)
        nested = _nested(hints[field.name])
        if nested is not None and value is not None:
            value = _from_pydantic(nested, value)
        elif hasattr(value, "get_secret_value"):
            value = SecretStr(value.get_secret_value())
        values[field.name] = value
    return cls(**values)


def _nested(hint: Any) -> type[FrozenModel] | None:
    """The settings class a field holds (``X`` or ``X | None``), else None."""
    candidates = [hint, *typing.get_args(hint)]
    return next((c for c in candidates if isinstance(c, type) and issubclass(c, FrozenModel)), None)


def _pydantic_model(cls: type[FrozenModel]) -> Any:
    """A pydantic model with ``cls``'s fields, bounds, defaults and validators (frozen, extra keys refused)."""
    if cls not in _MODELS:
        _MODELS[cls] = _build_pydantic_model(cls)
    return _MODELS[cls]


def _build_pydantic_model(cls: type[FrozenModel]) -> Any:
    import pydantic

    fields: dict[str, Any] = {}
    for field in dataclasses.fields(cls):
        hint = _pydantic_hint(_hints(cls)[field.name])
        meta = field.metadata
        default: dict[str, Any] = (
            {"default_factory": field.default_factory}
            if field.default_factory is not dataclasses.MISSING
            else {"default": field.default}
        )
        info = pydantic.Field(
            **default, ge=meta.get("ge"), le=meta.get("le"), description=meta["description"]
        )
        fields[field.name] = (hint, info)
    checks = {
        f"check_{name}": pydantic.field_validator(name, mode=mode)(check)
        for name, (mode, check) in cls.validators.items()
    }
    config = pydantic.ConfigDict(frozen=True, extra="forbid")
    return pydantic.create_model(cls.__name__, __config__=config, __validators__=checks, **fields)


def _pydantic_hint(hint: Any) -> Any:
    """``hint`` with this module's ``SecretStr`` and settings classes swapped for pydantic's."""
    import pydantic

    if hint is SecretStr:
        return pydantic.SecretStr
    if isinstance(hint, type) and issubclass(hint, FrozenModel):
        return _pydantic_model(hint)
    args = typing.get_args(hint)
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return functools.reduce(lambda a, b: a | b, [_pydantic_hint(a) for a in args])
    return hint
