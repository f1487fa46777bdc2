"""The catalog as each principal sees it, checked against what that principal can SELECT.

The shared access lake (``conftest``) is catalogued once with ``catalog.refresh`` (a real scan, with
business metadata whose descriptions name denied columns). Then, for every user of the sample policy
and every lake table, what ``catalog show`` and ``catalog search`` reveal is compared with ground truth
from ``run_query`` as that user: every column named is one they may select, every statistic shown is
the one their own SELECT gives (else it is withheld, None), every value shown is one they can read.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlglot import exp

import catalog
from catalog.access import Principal, check, run_query, visibility
from catalog.model import ColumnStats, DatasetInfo
from catalog.view import HIDDEN, WITHHELD, Redactor
from lakehouse.cli import main
from lakehouse.cli.output import to_jsonable
from lakehouse.errors import NotFoundError
from lakehouse.settings import Settings
from tests.catalog.access.conftest import MARKETING_SECRETS, SAMPLE_POLICY, TABLES, with_policy

USERS = tuple(sorted(yaml.safe_load(SAMPLE_POLICY.read_text())["users"]))
LAKE_TABLES = tuple(f"lake.{t}" for t in TABLES)
#: business metadata whose free text names columns some principals may not select
METADATA = """
datasets:
  lake.customers:
    description: "CRM customers; first_name and last_name as typed by the customer"
    owner: crm-team
    columns:
      country: {description: "country of the address (first_name is kept apart)"}
  lake.orders:
    description: "Order lines placed on the web, in the app and in stores"
"""
#: a role with grants but no row rule covering it: it reads zero customers
INTERN_POLICY = """
roles: {intern: {}, reviewer: {}}
grants: [{to: [role:intern, role:reviewer], tables: ["lake.*"]}]
row_rules:
  - {name: reviewers_only, table: lake.customers, grant_to: [role:reviewer], filter: "TRUE"}
"""


@pytest.fixture(scope="module")
def lake_catalog(ml_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The shared access lake with its models (``ml_home``: trained here when no earlier test of this
    process did), catalogued (lake source and warehouse models; no dbt project)."""
    from tests.catalog.access.conftest import make_settings

    folder = tmp_path_factory.mktemp("catalog-views")
    (folder / "metadata.yml").write_text(METADATA, encoding="utf-8")
    settings = make_settings(ml_home).model_copy(update={"dbt_project_dir": folder / "no_dbt"})
    catalog.refresh(settings, metadata_file=folder / "metadata.yml")
    return settings


@dataclass(frozen=True)
class Truth:
    """What a principal's own SELECT gives for one table."""

    rows: int
    selectable: frozenset[str]
    denied: frozenset[str]
    masked: frozenset[str]
    nulls: dict[str, int]
    distinct: dict[str, int]  # approx_count_distinct, as the catalog profiles
    values: dict[str, frozenset[str]]  # every value of the column, cast to VARCHAR


def truth(settings: Settings, who: Principal, table: str) -> Truth | None:
    """Ground truth for ``who`` on ``table`` from ``check`` and one ``run_query``; None when unreadable."""
    access = check(settings, who, table)
    if not access.readable:
        return None
    names = [c.name for c in access.visible_columns]
    select: list[exp.Expr] = [exp.Count(this=exp.Star()).as_("n")]
    for i, name in enumerate(names):
        text = exp.cast(exp.column(name, quoted=True), "VARCHAR")
        select += [
            exp.Count(this=exp.column(name, quoted=True)).as_(f"c{i}"),
            # the catalog profiles with approx_count_distinct: the same estimate on the same rows
            exp.Anonymous(this="approx_count_distinct", expressions=[exp.column(name, quoted=True)]).as_(
                f"d{i}"
            ),
            exp.Anonymous(this="list", expressions=[exp.Distinct(expressions=[text])]).as_(f"v{i}"),
        ]
    schema, _, short = table.partition(".")
    sql = exp.select(*select).from_(exp.table_(short, db=schema)).sql("duckdb")
    row = run_query(settings, who, sql, dialect="duckdb").arrow.to_pylist()[0]
    return Truth(
        rows=row["n"],
        selectable=frozenset(names),
        denied=frozenset(access.denied_columns),
        masked=frozenset(c.name for c in access.visible_columns if c.kind == "masked"),
        nulls={n: row["n"] - row[f"c{i}"] for i, n in enumerate(names)},
        distinct={n: row[f"d{i}"] for i, n in enumerate(names)},
        values={n: frozenset(v for v in row[f"v{i}"] or () if v is not None) for i, n in enumerate(names)},
    )


Ground = Callable[[str, str], Truth | None]


@pytest.fixture(scope="module")
def ground(lake_catalog: Settings) -> Ground:
    """``truth`` as a user of the sample policy, each (user, table) queried once per module."""
    cache: dict[tuple[str, str], Truth | None] = {}

    def get(user: str, table: str) -> Truth | None:
        if (user, table) not in cache:
            cache[user, table] = truth(lake_catalog, Principal.of(user=user), table)
        return cache[user, table]

    return get


def as_json(value: Any) -> str:
    return json.dumps(to_jsonable(value)).lower()


def assert_stats_are_theirs(stats: ColumnStats, column: str, seen: Truth) -> None:
    """A statistic shown is the principal's own; a withheld one is empty."""
    if stats.withheld:
        assert stats == ColumnStats(withheld=stats.withheld), column
        return
    assert column not in seen.masked, f"{column}: statistics of a masked column shown"
    assert stats.null_fraction == round(seen.nulls[column] / seen.rows, 4), column
    assert stats.distinct_count == seen.distinct[column], column
    shown = [v for v in (stats.min, stats.max, *stats.top_values) if v is not None]
    assert set(shown) <= seen.values[column], f"{column}: {shown} not all in {sorted(seen.values[column])}"


def assert_show_is_theirs(info: DatasetInfo, seen: Truth) -> None:
    record = info.dataset
    assert {c.name for c in record.columns} == seen.selectable
    assert info.hidden_columns == len(seen.denied)
    text = as_json(info)
    assert not [d for d in seen.denied if d.lower() in text], text
    assert record.row_count in (None, seen.rows)
    if record.row_count is None:
        assert info.withheld == WITHHELD["rows"]
        assert all(c.stats.withheld == WITHHELD["rows"] for c in record.columns)
    for column in record.columns:
        assert_stats_are_theirs(column.stats, column.name, seen)


@pytest.mark.parametrize("user", USERS)
@pytest.mark.parametrize("table", LAKE_TABLES)
def test_show_reveals_only_what_the_principal_can_select(
    lake_catalog: Settings, ground: Ground, user: str, table: str
) -> None:
    seen = ground(user, table)
    view = visibility(lake_catalog, Principal.of(user=user))
    if seen is None:
        with pytest.raises(NotFoundError, match=f"no dataset '{table}' in the catalog"):
            catalog.show(lake_catalog, table, view=view)
        return
    everything = ground("erin", table)  # the data engineer reads every row, raw
    assert everything is not None
    assert view.full_rows(table) == (seen.rows == everything.rows), "full rows means every row"
    assert_show_is_theirs(catalog.show(lake_catalog, table, view=view), seen)


def test_sam_reads_every_customer_through_two_rules(lake_catalog: Settings) -> None:
    """analyst (TRUE) OR marketing (EU only) is TRUE: sam keeps the row count and raw columns' statistics."""
    view = visibility(lake_catalog, Principal.of(user="sam"))
    info = catalog.show(lake_catalog, "lake.customers", view=view)
    assert info.withheld is None and info.dataset.row_count == 6
    assert {c.name for c in info.dataset.columns if c.stats.withheld} == {
        "email", "phone", "first_name", "last_name", "birth_date"
    }  # fmt: skip


def test_redactor_drops_list_items_and_masks_prose() -> None:
    redact = Redactor(["first_name", "Email"])
    assert redact.drop_items("customer_id int64, first_name varchar, email varchar, age int64") == (
        "customer_id int64, age int64"
    )
    assert redact.mask_names("CRM first_name; EMAIL, email_domain and firstname") == (
        f"CRM {HIDDEN}; {HIDDEN}, {HIDDEN}_domain and firstname"
    )
    assert redact.value({"tests": ["not_null_customers_first_name", "unique_customer_id"], "q": "email"}) == {
        "tests": ["unique_customer_id"],
        "q": HIDDEN,
    }
    assert Redactor([]).mask_names("first_name") == "first_name"


@pytest.mark.parametrize("user", USERS)
def test_search_reveals_only_what_the_principal_can_select(
    lake_catalog: Settings, ground: Ground, user: str
) -> None:
    view = visibility(lake_catalog, Principal.of(user=user))
    seen = {t: ground(user, t) for t in LAKE_TABLES}
    columns = catalog.search(lake_catalog, "type=column", limit=1000, view=view)
    found = {(h.name, h.column) for h in columns.hits}
    assert found == {(t, c) for t, s in seen.items() if s is not None for c in s.selectable}
    for query in ("", "customers", "orders", "name", "crm", "description:kept"):
        result = catalog.search(lake_catalog, query, limit=100, explain=True, view=view)
        for hit in result.hits:
            if hit.kind == "model":  # a model the principal may use (features are BigQuery's FEATURE_INFO)
                assert view.model(hit.name), (query, hit)
                continue
            own = seen[hit.name]
            assert own is not None, f"{hit.name} found by {query!r}"
            assert not [d for d in own.denied if d.lower() in as_json(hit)], (query, hit)
            assert hit.rows in (None, own.rows) and (hit.rows is None) == (hit.withheld is not None)


def test_denied_column_names_leave_the_schema_history(lake_catalog: Settings) -> None:
    """Finding: as ana, the history's 'created' detail listed first_name (denied for analysts)."""
    info = catalog.show(
        lake_catalog, "lake.customers", view=visibility(lake_catalog, Principal.of(user="ana"))
    )
    created = [h for h in info.schema_history if h.change == "created" and h.column is None]
    assert created and all("customer_id" in h.detail for h in created)
    assert not [h for h in info.schema_history if "first_name" in h.detail or "last_name" in h.detail]
    assert info.dataset.description.count("(hidden column)") == 2
    everyone = catalog.show(lake_catalog, "lake.customers")
    assert any("first_name" in h.detail for h in everyone.schema_history)  # the control


def test_masked_columns_keep_no_raw_statistics(lake_catalog: Settings) -> None:
    """Finding: ana saw the raw distinct count of email (she reads it masked) and gps_lat's null share."""
    view = visibility(lake_catalog, Principal.of(user="ana"))
    customers = {
        c.name: c.stats for c in catalog.show(lake_catalog, "lake.customers", view=view).dataset.columns
    }
    images = {c.name: c.stats for c in catalog.show(lake_catalog, "lake.images", view=view).dataset.columns}
    for stats in (customers["email"], customers["birth_date"], images["gps_lat"], images["gps_lon"]):
        assert stats == ColumnStats(withheld=WITHHELD["masked"])
    assert customers["country"].distinct_count == 6  # raw column, every row: kept
    raw = {c.name: c.stats for c in catalog.show(lake_catalog, "lake.images").dataset.columns}
    assert raw["gps_lat"].null_fraction == 0.5  # the control


def test_row_filtered_tables_keep_no_statistics(lake_catalog: Settings) -> None:
    """Finding: mark (EU customers, shipped/delivered orders) saw min/max and counts of every row."""
    view = visibility(lake_catalog, Principal.of(user="mark"))
    for table in ("lake.customers", "lake.orders"):
        info = catalog.show(lake_catalog, table, view=view)
        assert info.dataset.row_count is None and info.withheld == WITHHELD["rows"]
        assert all(c.stats == ColumnStats(withheld=WITHHELD["rows"]) for c in info.dataset.columns)
        text = as_json(info)
        assert not [
            s for s in (*MARKETING_SECRETS, "united kingdom", "cancelled", "returned") if s.lower() in text
        ]
    products = catalog.show(lake_catalog, "lake.products", view=view)  # no row rules: everything kept
    assert products.dataset == catalog.show(lake_catalog, "lake.products").dataset


def test_zero_rows_means_no_statistics(lake_catalog: Settings, tmp_path: Path) -> None:
    """A role with grants but no row rule covering it reads no customer: it sees no statistic of them."""
    settings = with_policy(lake_catalog, tmp_path, INTERN_POLICY)
    intern, reviewer = Principal.of(roles=["intern"]), Principal.of(roles=["reviewer"])
    seen = truth(settings, intern, "lake.customers")
    assert seen is not None and seen.rows == 0
    info = catalog.show(settings, "lake.customers", view=visibility(settings, intern))
    assert info.dataset.row_count is None and all(c.stats.withheld for c in info.dataset.columns)
    assert_show_is_theirs(info, seen)
    full = catalog.show(settings, "lake.customers", view=visibility(settings, reviewer))
    assert full.dataset == catalog.show(settings, "lake.customers").dataset  # TRUE filter: no regression


def test_models_follow_model_grants(lake_catalog: Settings, tmp_path: Path) -> None:
    """A catalogued ML model is shown to whoever may use it (a model grant), and to no one else: its
    page, its search hits and the lineage edges that lead to it."""
    models = [e.downstream for e in catalog.show(lake_catalog, "lake.customers").downstream if e.via == "ml"]
    assert models, "the shared lake has models trained on lake.customers"
    settings = with_policy(lake_catalog, tmp_path, INTERN_POLICY)  # intern: every lake table, no model
    intern = visibility(settings, Principal.of(roles=["intern"]))
    assert not [e for e in catalog.show(settings, "lake.customers", view=intern).downstream if e.via == "ml"]
    for model in models:
        with pytest.raises(NotFoundError, match=f"no dataset '{model}'"):
            catalog.show(settings, model, view=intern)
        assert model not in {h.name for h in catalog.search(settings, model.split(".")[1], view=intern).hits}
    erin = visibility(lake_catalog, Principal.of(user="erin"))  # the sample policy grants her ml.*
    assert catalog.show(lake_catalog, models[0], view=erin).dataset.name == models[0]
    assert models[0] in {
        h.name for h in catalog.search(lake_catalog, models[0].split(".")[1], view=erin).hits
    }


@pytest.mark.parametrize("table", LAKE_TABLES)
def test_full_readers_keep_every_statistic(lake_catalog: Settings, ground: Ground, table: str) -> None:
    """erin reads every row and raw values: her show equals the unrestricted one, statistics included."""
    info = catalog.show(lake_catalog, table, view=visibility(lake_catalog, Principal.of(user="erin")))
    assert info == catalog.show(lake_catalog, table)
    seen = ground("erin", table)
    assert seen is not None and info.dataset.row_count == seen.rows
    assert not [c for c in info.dataset.columns if c.stats.withheld]
    assert_show_is_theirs(info, seen)


def test_search_does_not_match_hidden_text(lake_catalog: Settings) -> None:
    """A word only a denied column's name or a withheld statistic holds finds nothing for that principal."""
    ana = visibility(lake_catalog, Principal.of(user="ana"))
    for query in ("first_name", "description:first_name", "last_name", "first_name type=column"):
        result = catalog.search(lake_catalog, query, view=ana)
        assert "lake.customers" not in {h.name for h in result.hits}, query
        assert "lake.customers" in {h.name for h in catalog.search(lake_catalog, query).hits}, (
            query
        )  # control
    assert not any(catalog.search(lake_catalog, "first_name", view=ana).facets.values())
    mark = visibility(lake_catalog, Principal.of(user="mark"))
    for value in ("LondonHIDDENROW", "United Kingdom", "cancelled"):
        assert catalog.search(lake_catalog, value, view=mark).hits == (), value
    hit = next(
        h for h in catalog.search(lake_catalog, "customers", view=mark).hits if h.name == "lake.customers"
    )
    assert hit.rows is None and hit.withheld == WITHHELD["rows"]


def run_cli(capsys: pytest.CaptureFixture[str], settings: Settings, *args: str) -> tuple[int, str, str]:
    """``lakehouse --home HOME ARGS`` in-process (as the ``cli`` fixture does, on the shared lake)."""
    capsys.readouterr()
    try:
        main(["--home", str(settings.home), "--threads", "2", *args])
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_show_and_search_json(
    lake_catalog: Settings, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in [v for v in os.environ if v.startswith("LAKEHOUSE_")]:
        monkeypatch.delenv(var)
    code, out, err = run_cli(
        capsys, lake_catalog, "catalog", "show", "lake.customers", "--user", "ana", "--json"
    )
    assert code == 0, err
    shown = json.loads(out)
    assert "first_name" not in out and "last_name" not in out
    email = next(c for c in shown["dataset"]["columns"] if c["name"] == "email")
    assert email["stats"] == {"null_fraction": None, "distinct_count": None, "min": None, "max": None,
                              "top_values": [], "withheld": WITHHELD["masked"]}  # fmt: skip
    assert shown["hidden_columns"] == 2 and shown["withheld"] is None and shown["dataset"]["row_count"] == 6
    code, out, err = run_cli(
        capsys, lake_catalog, "catalog", "show", "lake.customers", "--user", "mark", "--json"
    )
    assert code == 0, err
    assert json.loads(out)["dataset"]["row_count"] is None and json.loads(out)["withheld"] == WITHHELD["rows"]
    assert not [s for s in MARKETING_SECRETS if s.lower() in out.lower()]
    code, out, err = run_cli(capsys, lake_catalog, "catalog", "show", "lake.customers", "--user", "mark")
    assert code == 0 and "withheld" in out, err
    code, out, err = run_cli(
        capsys, lake_catalog, "catalog", "search", "customers", "--user", "mark", "--json"
    )
    hit = next(h for h in json.loads(out)["hits"] if h["name"] == "lake.customers")
    assert code == 0 and hit["rows"] is None and hit["withheld"] == WITHHELD["rows"]
