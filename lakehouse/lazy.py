"""Package attributes imported on first use (PEP 562), so importing a package stays cheap."""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Callable, Iterable, Mapping
from typing import Any


class _Package(types.ModuleType):
    """A package whose functions named like their own submodules stay functions.

    Importing ``pkg.name`` sets the package attribute ``name`` to the submodule; for the names in
    ``_functions`` that assignment is dropped, so ``pkg.name`` keeps resolving to the function.
    """

    _functions: frozenset[str] = frozenset()

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self._functions and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


def exports(package: str, modules: Mapping[str, str], functions: Iterable[str] = ()) -> Callable[[str], Any]:
    """A module ``__getattr__`` that imports ``name`` from ``modules[name]`` when first asked for.

    ``functions`` names the exports that share their name with the submodule they come from (such
    as ``catalog.refresh``, the function in ``catalog/refresh.py``): they stay functions after the
    submodule is imported.
    """
    module = sys.modules[package]
    if functions:
        module.__class__ = _Package
        assert isinstance(module, _Package)
        module._functions = frozenset(functions)

    def __getattr__(name: str) -> Any:
        if name in modules:
            value = getattr(importlib.import_module(modules[name]), name)
            types.ModuleType.__setattr__(module, name, value)  # bound once; later lookups skip this
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
