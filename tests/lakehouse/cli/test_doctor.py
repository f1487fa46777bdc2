"""``lakehouse doctor`` on the embedded layout and against real servers (team layout)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.conftest import CliResult
from tests.servers import PG_PASSWORD, Postgres, free_port


def test_the_embedded_layout_is_healthy(cli: Callable[..., CliResult]) -> None:
    result = cli("doctor", "--json")
    assert result.code == 0, result.err
    assert [c["name"] for c in result.json()["checks"]] == ["extensions", "catalog", "storage", "lake"]


@pytest.mark.team
@pytest.mark.parametrize("lake_layout", ["team"])
def test_the_team_layout_is_healthy(cli: Callable[..., CliResult], lake_layout: str) -> None:
    result = cli("doctor")
    assert result.code == 0, result.out + result.err
    assert "ok      catalog: PostgreSQL dbname=" in result.out and "bucket reachable: s3://" in result.out


@pytest.mark.team
@pytest.mark.parametrize("lake_layout", ["team"])
def test_each_problem_is_named_in_one_line_without_secrets(
    cli: Callable[..., CliResult],
    lake_layout: str,
    monkeypatch: pytest.MonkeyPatch,
    postgres_server: Postgres,
) -> None:
    monkeypatch.setenv("PGPASSWORD", "Wrong-Pa55-xyz")
    monkeypatch.setenv("LAKEHOUSE_LAKE_DATA_PATH", "s3://no-such-bucket/lake/")
    result = cli("doctor", "--json")
    assert result.code == 1
    checks = {c["name"]: c for c in result.json()["checks"]}
    assert checks["catalog"]["detail"].startswith("bad credentials: ")
    assert checks["storage"]["detail"].startswith("missing bucket: ")
    assert "Wrong-Pa55-xyz" not in result.out and PG_PASSWORD not in result.out
    monkeypatch.setenv(
        "LAKEHOUSE_LAKE_METADATA",
        "postgres:" + postgres_server.dsn("x").replace(f"port={postgres_server.port}", f"port={free_port()}"),
    )
    result = cli("doctor")
    assert result.code == 1 and "PROBLEM catalog: server unreachable: " in result.out
