"""The catalog with the real access layer (``catalog.access``): --role/--user end to end.

Assertions are structural so they hold for any policy file: a principal never sees a table or
column its ``visibility`` view denies, and sees a subset of
what an unrestricted search finds.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import catalog
import catalog.access as access
from lakehouse.cli import main
from lakehouse.connect import connect
from lakehouse.settings import Settings


@pytest.fixture
def lake(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """A small lake; the policy is the repository's, next to the access package that was imported."""
    policy = Path(access.__file__).resolve().parent.parent / "policy.yml"
    settings = settings.model_copy(update={"policy_file": policy})
    monkeypatch.setenv("LAKEHOUSE_POLICY_FILE", str(policy))  # for the CLI runs
    con = connect(settings)
    con.execute("CREATE TABLE lake.customers AS SELECT 1 AS customer_id, 'a@example.com' AS email, "
                "'+49 30 1234567' AS phone, 'Ann' AS first_name, DATE '1990-01-01' AS birth_date, 'Germany' AS country")  # fmt: skip
    con.execute("CREATE TABLE lake.orders AS SELECT 1 AS order_id, 1 AS customer_id, 'shipped' AS status")
    con.execute(
        "CREATE TABLE lake.secret_payments AS SELECT 1 AS payment_id, 'DE89370400440532013000' AS iban"
    )
    con.close()
    catalog.refresh(settings)
    return settings


def test_every_role_sees_only_what_it_may_select(lake: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    policy = access.load_policy(lake)
    everything = {(h.name, h.column) for h in catalog.search(lake, "type=column", limit=1000).hits}
    for role in sorted(getattr(policy, "roles", {})):
        view = access.visibility(lake, access.Principal.of(roles=[role]))
        found = {(h.name, h.column) for h in catalog.search(lake, "type=column", limit=1000, view=view).hits}
        assert found <= everything
        assert all(view.column(table, column) != "denied" for table, column in found)
        assert all(view.column(table, column) == "denied" for table, column in everything - found)
        with pytest.raises(SystemExit) as done:
            main(
                [
                    "--home",
                    str(lake.home),
                    "catalog",
                    "search",
                    "type=column",
                    "--limit",
                    "1000",
                    "--role",
                    role,
                    "--json",
                ]
            )
        assert done.value.code == 0
        hits = json.loads(capsys.readouterr().out)["hits"]
        assert {(h["name"], h["column"]) for h in hits} == found
