"""The catalog packages import their parts on first use, and the floor's connection factory imports no
domain package (it used to read the access policy through ``catalog.access.encryption``)."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path
from types import FunctionType

import pytest

import catalog
import catalog.access

ROOT = Path(__file__).resolve().parents[2]


def test_a_lake_connection_imports_no_domain_package() -> None:
    code = (
        "import sys\n"
        "from lakehouse.settings import load_settings\n"
        "from lakehouse.connect import connect\n"
        "import tempfile\n"
        "connect(load_settings({'home': tempfile.mkdtemp()}, env={})).close()\n"
        "heavy = ['catalog', 'lake', 'quality', 'warehouse', 'pyarrow', 'pandas', 'polars']\n"
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_public_names_still_resolve() -> None:
    for name in catalog.__all__:
        assert getattr(catalog, name) is not None
    for name in catalog.access.__all__:
        assert getattr(catalog.access, name) is not None
    with pytest.raises(AttributeError, match="module 'catalog' has no attribute 'nope'"):
        catalog.nope  # noqa: B018
    with pytest.raises(AttributeError, match="module 'catalog.access' has no attribute 'nope'"):
        catalog.access.nope  # noqa: B018


def test_functions_named_like_their_modules_stay_functions() -> None:
    importlib.import_module("catalog.search")
    importlib.import_module("catalog.access.compile_bigquery")
    for function in (catalog.search, catalog.refresh, catalog.show, catalog.access.compile_bigquery):
        assert isinstance(function, FunctionType)
