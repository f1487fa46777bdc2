"""The interactive ``lakehouse sql`` session: a statement's error is one line and the session goes on."""

from __future__ import annotations

from pathlib import Path

import pytest

import warehouse
from lakehouse.cli.sql import _interactive
from lakehouse.settings import load_settings


def test_an_error_keeps_the_session(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = iter(["SELECT * FROM no_such_table;", "SELECT", "  41 + 1 AS answer;", "\\q"])
    monkeypatch.setattr("builtins.input", lambda prompt: next(lines))
    con = warehouse.connect(load_settings({"home": tmp_path / "home"}))
    try:
        _interactive(con, "csv", debug=False)
    finally:
        con.close()
    out, err = capsys.readouterr()
    assert "no_such_table" in err and len(err.strip().splitlines()) == 1
    assert out.splitlines() == ["answer", "42"]


def test_a_bug_is_not_swallowed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the statement's own errors (DuckDB, the SQL parser) are shown and passed over."""
    lines = iter(["SELECT 1;"])
    monkeypatch.setattr("builtins.input", lambda prompt: next(lines))

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("a bug")

    monkeypatch.setattr(warehouse, "run_script", broken)
    with pytest.raises(KeyError, match="a bug"):
        _interactive(object(), "csv", debug=False)
