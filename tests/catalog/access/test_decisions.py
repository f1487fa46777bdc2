"""Decision table (Apache Ranger style): policy x principal x query -> rows, values or error.

Runs real queries through ``run_query``: a real DuckLake lake, real restricted DuckDB sessions.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import shutil
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from catalog.access import Principal, check, run_query, visibility
from catalog.access.audit import read_log
from lakehouse.errors import AccessDenied, NotFoundError, UsageError
from lakehouse.settings import Settings
from tests.catalog.access.conftest import with_policy

ERIN = Principal.of(user="erin")  # data engineer
ANA = Principal.of(user="ana")  # analyst
MARK = Principal.of(user="mark")  # marketing
OLGA = Principal.of(user="olga")  # auditor
SAM = Principal.of(user="sam")  # analyst + marketing: two roles, two masks


def sha256_b64(text: str) -> str:
    """BigQuery's SHA256 masking output, computed independently of DuckDB."""
    return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


SHA_ADA = sha256_b64("ada.secret@example.com")

#: (principal, query, expected rows) under the sample policy
SAMPLE_CASES: list[tuple[str, Principal, str, list[tuple[Any, ...]]]] = [
    (
        "engineer sees raw values",
        ERIN,
        "SELECT email FROM lake.customers WHERE customer_id = 1",
        [("ada.secret@example.com",)],
    ),
    ("analyst: last four", ANA, "SELECT phone FROM lake.customers WHERE customer_id = 2", [("XXXXX0202",)]),
    (
        "analyst: short value hashed",
        ANA,
        "SELECT phone = to_base64(unhex(sha256('0505'))) FROM lake.customers WHERE customer_id = 5",
        [(True,)],
    ),
    ("analyst: NULL stays NULL", ANA, "SELECT email FROM lake.customers WHERE customer_id = 6", [(None,)]),
    (
        "analyst: year of birth",
        ANA,
        "SELECT birth_date FROM lake.customers WHERE customer_id = 1",
        [(dt.date(1815, 1, 1),)],
    ),
    ("auditor: SHA256", OLGA, "SELECT email FROM lake.customers WHERE customer_id = 1", [(SHA_ADA,)]),
    (
        "marketing: EU rows only",
        MARK,
        "SELECT customer_id FROM lake.customers ORDER BY 1",
        [(2,), (3,), (5,), (6,)],
    ),
    (
        "marketing: email mask",
        MARK,
        "SELECT email FROM lake.customers WHERE customer_id = 2",
        [("XXXXX@example.de",)],
    ),
    (
        "marketing: invalid email hashed",
        MARK,
        "SELECT email = to_base64(unhex(sha256('not-an-email-secret'))) FROM lake.customers WHERE customer_id = 5",
        [(True,)],
    ),
    (
        "marketing: custom routine",
        MARK,
        "SELECT first_name, last_name FROM lake.customers WHERE customer_id = 3",
        [("Z.", "M.")],
    ),
    (
        "marketing: completed orders only",
        MARK,
        "SELECT order_id FROM lake.orders ORDER BY 1",
        [(101,), (102,), (105,)],
    ),
    (
        "marketing: join sees both filters",
        MARK,
        "SELECT o.order_id FROM lake.orders o JOIN lake.customers c USING (customer_id) ORDER BY 1",
        [(102,), (105,)],
    ),
    ("two roles: union of row rules", SAM, "SELECT count(*) FROM lake.customers", [(6,)]),
    (
        "two roles: strongest mask wins (EMAIL_MASK over LAST_FOUR)",
        SAM,
        "SELECT email FROM lake.customers WHERE customer_id = 1",
        [("XXXXX@example.com",)],
    ),
    (
        "two roles: masked beats denied",
        SAM,
        "SELECT first_name FROM lake.customers WHERE customer_id = 1",
        [("A.",)],
    ),
    ("no row rule on the table: all rows", ANA, "SELECT count(*) FROM lake.products", [(3,)]),
    (
        "user predicates see masked values",
        ANA,
        "SELECT count(*) FROM lake.customers WHERE email = 'ada.secret@example.com'",
        [(0,)],
    ),
    (
        "group by on a masked column",
        MARK,
        "SELECT email LIKE 'XXXXX@%' AS masked, count(*) FROM lake.customers GROUP BY 1 ORDER BY 1 NULLS LAST",
        [(False, 1), (True, 2), (None, 1)],
    ),
    (
        "ALWAYS_NULL",
        ANA,
        "SELECT gps_lat, gps_lon FROM lake.images ORDER BY file_name",
        [(None, None), (None, None)],
    ),
    (
        "EXCEPT the denied columns",
        ANA,
        "SELECT * EXCEPT (first_name, last_name, email, phone, birth_date) FROM `lake.customers` WHERE customer_id = 2",
        [(2, "male", 35, 50, 40, dt.date(2021, 2, 1), "Germany", "Berlin", "silver")],
    ),
    ("unqualified table names", MARK, "SELECT count(*) FROM customers", [(4,)]),
    (
        "BigQuery dialect",
        MARK,
        "SELECT SAFE_CAST(customer_id AS STRING) AS id FROM `lake.customers` WHERE customer_id = 2",
        [("2",)],
    ),
]


@pytest.mark.parametrize(
    ("principal", "sql", "expected"), [c[1:] for c in SAMPLE_CASES], ids=[c[0] for c in SAMPLE_CASES]
)
def test_sample_policy(
    lake: Settings, principal: Principal, sql: str, expected: list[tuple[Any, ...]]
) -> None:
    assert run_query(lake, principal, sql).rows == expected


DENIED_CASES = [
    (
        "analyst selects a denied column",
        ANA,
        "SELECT first_name FROM lake.customers",
        r"may not read column\(s\) first_name of lake.customers",
    ),
    (
        "SELECT * includes denied columns",
        ANA,
        "SELECT * FROM lake.customers",
        r"first_name, last_name of lake.customers.*EXCEPT",
    ),
    (
        "denied column in WHERE",
        ANA,
        "SELECT customer_id FROM lake.customers WHERE last_name LIKE 'L%'",
        r"last_name",
    ),
    (
        "table without a grant",
        MARK,
        "SELECT * FROM lake.events",
        r"table 'lake.events' does not exist or .* may not read it",
    ),
    (
        "missing table looks the same",
        MARK,
        "SELECT * FROM lake.nope",
        r"table 'lake.nope' does not exist or .* may not read it",
    ),
]


@pytest.mark.parametrize(
    ("principal", "sql", "message"), [c[1:] for c in DENIED_CASES], ids=[c[0] for c in DENIED_CASES]
)
def test_denied(lake: Settings, principal: Principal, sql: str, message: str) -> None:
    with pytest.raises(AccessDenied, match=message):
        run_query(lake, principal, sql)


POLICY_HEAD = """
roles: {intern: {}, reviewer: {}, owner: {}}
users: {kim: {email: kim@example.com, roles: [owner]}}
grants: [{to: [role:intern, role:reviewer, role:owner], tables: ["lake.*"]}]
"""


def test_no_rule_applies_means_zero_rows(lake: Settings, tmp_path: Path) -> None:
    settings = with_policy(
        lake,
        tmp_path,
        POLICY_HEAD
        + """
row_rules:
  - {name: reviewers_only, table: lake.customers, grant_to: [role:reviewer], filter: "TRUE"}
""",
    )
    result = run_query(settings, Principal.of(roles=["intern"]), "SELECT * FROM lake.customers")
    assert result.rows == [] and "email" in result.columns
    assert run_query(
        settings, Principal.of(roles=["reviewer"]), "SELECT count(*) FROM lake.customers"
    ).rows == [(6,)]


def test_row_filter_applies_to_raw_values_before_masking(lake: Settings, tmp_path: Path) -> None:
    settings = with_policy(
        lake,
        tmp_path,
        POLICY_HEAD
        + """
row_rules:
  - {name: german_mail, table: lake.customers, grant_to: [role:reviewer], filter: "ENDS_WITH(email, '.de')"}
policy_tags:
  contact: {columns: [lake.customers.email], masked_readers: [{name: hide, rule: SHA256, to: [role:reviewer]}]}
""",
    )
    result = run_query(
        settings, Principal.of(roles=["reviewer"]), "SELECT customer_id, email FROM lake.customers"
    )
    assert result.rows == [(2, sha256_b64("max.secret@example.de"))]


def test_session_user_in_a_filter(lake: Settings, tmp_path: Path) -> None:
    settings = with_policy(
        lake,
        tmp_path,
        POLICY_HEAD
        + """
row_rules:
  - {name: own_rows, table: lake.customers, grant_to: [role:owner], filter: "CONCAT(LOWER(first_name), '@example.com') = SESSION_USER()"}
""",
    )
    assert run_query(settings, Principal.of(user="kim"), "SELECT count(*) FROM lake.customers").rows == [(0,)]


@pytest.mark.parametrize(
    ("rule", "column", "expected"),
    [
        ("DEFAULT_MASKING_VALUE", "annual_income", 0),
        ("DEFAULT_MASKING_VALUE", "city", ""),
        ("DEFAULT_MASKING_VALUE", "signup_date", dt.date(1970, 1, 1)),
        ("ALWAYS_NULL", "country", None),
        ("FIRST_FOUR_CHARACTERS", "city", "BerlXXXXX"),
    ],
)
def test_masking_rule_through_a_session(
    lake: Settings, tmp_path: Path, rule: str, column: str, expected: Any
) -> None:
    settings = with_policy(
        lake,
        tmp_path,
        POLICY_HEAD
        + f"""
policy_tags:
  t: {{columns: [lake.customers.{column}], masked_readers: [{{name: m, rule: {rule}, to: [role:intern]}}]}}
""",
    )
    sql = f"SELECT {column} FROM lake.customers WHERE customer_id = 2"
    assert run_query(settings, Principal.of(roles=["intern"]), sql).rows == [(expected,)]


def test_random_hash_changes_per_query_but_joins_within_one(lake: Settings, tmp_path: Path) -> None:
    settings = with_policy(
        lake,
        tmp_path,
        POLICY_HEAD
        + """
policy_tags:
  t: {columns: [lake.customers.email], masked_readers: [{name: m, rule: RANDOM_HASH, to: [role:intern]}]}
""",
    )
    sql = "SELECT a.email, a.email = b.email FROM lake.customers a JOIN lake.customers b USING (customer_id) WHERE customer_id = 1"
    before = _cached(lake)
    first = run_query(settings, Principal.of(roles=["intern"]), sql).rows
    second = run_query(settings, Principal.of(roles=["intern"]), sql).rows
    assert first[0][1] is True and first[0][0] != second[0][0]
    assert _cached(lake) == before  # salted relations stay in memory: nothing to reuse, nothing at rest


def _cached(settings: Settings) -> set[Path]:
    return set((settings.home / "access" / "relations").glob("*"))


def test_a_session_builds_only_the_columns_the_query_reads(lake: Settings) -> None:
    shutil.rmtree(lake.home / "access" / "relations", ignore_errors=True)  # a cache: safe to drop
    rows = run_query(lake, MARK, "SELECT status, count(*) FROM lake.orders GROUP BY 1 ORDER BY 1").rows
    (narrow,) = _cached(lake)
    with pa.memory_map(str(narrow)) as source:
        assert pa.ipc.open_file(source).schema.names == ["status"]  # only what the query reads
    every = run_query(lake, MARK, "SELECT * FROM lake.orders")
    assert len(_cached(lake)) == 2
    # every later query needing a subset of the columns reuses the widest entry
    fewer = run_query(lake, MARK, "SELECT * EXCEPT (channel) FROM `lake.orders`", dialect="bigquery")
    assert fewer.columns == [c for c in every.columns if c != "channel"]
    assert fewer.row_count == every.row_count == sum(n for _, n in rows)
    assert run_query(lake, MARK, "SELECT count(*) FROM lake.orders").rows == [(every.row_count,)]
    assert len(_cached(lake)) == 2


def test_unknown_user_is_a_clear_error(lake: Settings) -> None:
    with pytest.raises(NotFoundError, match=r"unknown user 'erni'.*did you mean 'erin'"):
        run_query(lake, Principal.of(user="erni"), "SELECT 1")


def test_audit_log_records_allowed_and_denied(lake: Settings) -> None:
    run_query(lake, MARK, "SELECT count(*) FROM lake.orders")
    with pytest.raises(AccessDenied, match="does not exist"):
        run_query(lake, MARK, "SELECT * FROM lake.events")
    *_, allowed, denied = read_log(lake)
    assert allowed["user"] == "mark" and allowed["roles"] == ["marketing"] and allowed["allowed"] is True
    assert allowed["relations"] == ["lake.orders"] and allowed["rows"] == 1
    assert denied["allowed"] is False and denied["outcome"] == "denied" and denied["rows"] is None
    assert "lake.events" in denied["reason"]
    assert set(allowed) >= {"time", "user", "groups", "roles", "relations", "rows", "allowed", "query"}


def test_check_reports_columns_and_rows(lake: Settings) -> None:
    access = check(lake, MARK, "customers")
    kinds = {c.name: (c.kind, c.rule) for c in access.columns}
    assert kinds["email"] == ("masked", "EMAIL_MASK") and kinds["country"] == ("raw", None)
    assert access.rows.applied == ("customers_eu_marketing",)
    denied = check(lake, ANA, "lake.customers")
    assert denied.denied_columns == ("first_name", "last_name")
    assert not check(lake, MARK, "lake.images").readable


def test_visibility_view_for_catalog_search(lake: Settings) -> None:
    view = visibility(lake, ANA)
    assert view.table("lake.customers") and view.column("lake.customers", "email") == "masked"
    assert view.column("lake.customers", "first_name") == "denied"
    assert not visibility(lake, MARK).table("lake.events")
    assert (
        view.column("customers", "country") == "raw"
        and view.column("lake.main.customers", "email") == "masked"
    )
    assert not view.table("warehouse.main.dim_customers")
    assert (
        view.column("lake.events", "event_id") != "denied" and view.column("lake.payments", "x") == "denied"
    )


def test_relation_files_are_reused_until_the_lake_changes(lake: Settings) -> None:
    run_query(lake, OLGA, "SELECT count(*) FROM lake.products")
    store = lake.home / "access" / "relations"
    before = {p.name for p in store.glob("lake__products-*.arrow")}
    run_query(lake, OLGA, "SELECT count(*) FROM lake.products")
    assert {p.name for p in store.glob("lake__products-*.arrow")} == before and len(before) == 1


def test_warehouse_models_are_governed_too(tmp_path: Path) -> None:
    import duckdb

    from tests.catalog.access.conftest import make_settings

    policy = tmp_path / "policy.yml"
    policy.write_text(
        """
roles: {analyst: {}}
grants: [{to: [role:analyst], tables: ["main.*"]}]
row_rules: [{name: big, table: main.dim_customers, grant_to: [role:analyst], filter: "lifetime_value > 100"}]
policy_tags: {contact: {columns: [main.dim_customers.email], masked_readers: [{name: m, rule: EMAIL_MASK, to: [role:analyst]}]}}
""",
        encoding="utf-8",
    )
    settings = make_settings(tmp_path / "home", policy)
    settings.warehouse_file.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(settings.warehouse_file))
    con.execute(
        "CREATE TABLE dim_customers AS SELECT * FROM (VALUES (1, 'a@x.io', 50), (2, 'b@y.io', 500)) t(id, email, lifetime_value)"
    )
    con.close()
    analyst = Principal.of(roles=["analyst"])
    assert run_query(settings, analyst, "SELECT id, email FROM main.dim_customers").rows == [
        (2, "XXXXX@y.io")
    ]
    assert run_query(settings, analyst, "SELECT count(*) FROM dim_customers").rows == [(1,)]
    with pytest.raises(AccessDenied, match="lake.customers' does not exist"):
        run_query(settings, analyst, "SELECT * FROM lake.customers")


def test_a_masking_rule_that_does_not_fit_the_column_type_is_reported(lake: Settings, tmp_path: Path) -> None:
    settings = with_policy(lake, tmp_path, POLICY_HEAD + """
policy_tags:
  t: {columns: [lake.customers.annual_income], masked_readers: [{name: m, rule: EMAIL_MASK, to: [role:intern]}]}
""")  # fmt: skip
    with pytest.raises(
        UsageError, match=r"EMAIL_MASK does not apply to lake.customers.annual_income of type INTEGER"
    ):
        check(settings, Principal.of(roles=["intern"]), "lake.customers")
