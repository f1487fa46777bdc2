"""Bypass battery: every trick access.md lists against a DuckDB sandbox, run as a principal. None may work.

An attempt fails safely when it raises a LakehouseError (denied, refused, or failed inside the
restricted instance) or returns only what the principal may see - no raw marked value
(``conftest.MARKETING_SECRETS``), no lake path, no denied column name - and, for queries that
count rows, only the rows its row rules keep. Attempts run through ``run_query`` (the front door,
with the warehouse's BigQuery ML compiler) and, for the sandbox itself, straight against a restricted
instance (as if the analysis missed).
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from catalog.access import Principal, run_query
from catalog.access.sandbox import open_sandbox
from catalog.access.store import RelationFile
from lakehouse.connect import extension_path
from lakehouse.errors import LakehouseError
from lakehouse.settings import Settings
from tests.catalog.access.conftest import MARKETING_SECRETS
from warehouse.sql.principal import COMPILER

MARK = Principal.of(user="mark")  # marketing: EU customers only, masked identities, no events/images
ANA = Principal.of(user="ana")  # analyst: first_name/last_name denied


def lake_paths(settings: Settings) -> dict[str, str]:
    meta = settings.lake_metadata_uri.removeprefix("sqlite:")
    parquet = next(settings.lake_data_dir.rglob("*.parquet"), None)
    return {
        "DATA": str(settings.lake_data_dir),
        "META": meta,
        "FILE": str(parquet or settings.lake_data_dir / "x.parquet"),
        "DUCKLAKE": str(extension_path("ducklake")),
        "OUT": str(settings.home / "stolen.csv"),
    }


#: (category, sql) run as marketing; {DATA} {META} {FILE} {DUCKLAKE} {OUT} are filled in
ATTEMPTS: list[tuple[str, str]] = [
    # raw objects behind the relations
    ("raw object", "SELECT * FROM lake.main.customers"),
    ("raw object", "SELECT * FROM _r0.main.data"),
    ("raw object", "SELECT * FROM memory.main.customers"),
    ("raw object", 'SELECT * FROM "LAKE"."CUSTOMERS"'),
    ("raw object", "SELECT * FROM lake.customers AT (VERSION => 1)"),
    ("raw object", "WITH lake AS (SELECT 1 AS x) SELECT * FROM lake.customers"),
    # query_table / query
    ("query_table", "SELECT * FROM query_table('lake.customers')"),
    ("query_table", "SELECT * FROM query_table('_r0.main.data')"),
    ("query", "SELECT * FROM query('SELECT * FROM lake.customers')"),
    ("query", "SELECT * FROM query('SELECT * FROM read_parquet(''{FILE}'')')"),
    # file readers on lake paths
    ("file reader", "SELECT * FROM read_parquet('{FILE}')"),
    ("file reader", "SELECT * FROM read_parquet('{DATA}/**/*.parquet')"),
    ("file reader", "SELECT * FROM '{FILE}'"),
    ("file reader", "SELECT * FROM read_text('{META}')"),
    ("file reader", "SELECT * FROM read_blob('{FILE}')"),
    ("file reader", "SELECT * FROM read_csv('{META}', all_varchar = true)"),
    ("file reader", "SELECT * FROM glob('{DATA}/**')"),
    ("file reader", "SELECT * FROM parquet_metadata('{FILE}')"),
    ("file reader", "SELECT * FROM sqlite_scan('{META}', 'ducklake_data_file')"),
    # ATTACH / COPY / EXPORT
    ("attach", "ATTACH '{META}' AS m (TYPE sqlite)"),
    ("attach", "ATTACH 'ducklake:sqlite:{META}' AS l2"),
    ("attach", "ATTACH ':memory:' AS scratch"),
    ("copy", "COPY (SELECT * FROM lake.customers) TO '{OUT}'"),
    ("copy", "COPY lake.customers FROM '{FILE}'"),
    ("export", "EXPORT DATABASE '{DATA}/export'"),
    ("multi-statement", "SELECT 1; ATTACH '{META}' AS m (TYPE sqlite)"),
    # settings
    ("settings", "SET enable_external_access = true"),
    ("settings", "SET lock_configuration = false"),
    ("settings", "RESET enable_external_access"),
    ("settings", "SET temp_directory = '{DATA}'"),
    ("settings", "PRAGMA enable_profiling"),
    (
        "settings",
        "SELECT * FROM duckdb_settings() WHERE name IN ('enable_external_access', 'temp_directory')",
    ),
    # extension loading
    ("extension", "INSTALL ducklake"),
    ("extension", "LOAD '{DUCKLAKE}'"),
    ("extension", "LOAD sqlite_scanner"),
    ("extension", "SELECT * FROM ducklake_snapshots('lake')"),
    # metadata leaks
    ("metadata", "SELECT * FROM duckdb_views()"),
    ("metadata", "SELECT * FROM duckdb_databases()"),
    ("metadata", "SELECT * FROM duckdb_tables()"),
    ("metadata", "SELECT * FROM information_schema.tables"),
    ("metadata", "SELECT * FROM pg_catalog.pg_tables"),
    ("metadata", "SELECT * FROM sqlite_master"),
    ("metadata", "SELECT * FROM duckdb_secrets()"),
    # view replacement and writes
    ("view replacement", "CREATE OR REPLACE VIEW lake.customers AS SELECT 1 AS x"),
    ("view replacement", "DROP VIEW lake.customers"),
    ("view replacement", "DETACH lake"),
    ("write", "UPDATE lake.customers SET email = 'x'"),
    ("write", "DELETE FROM lake.orders"),
    ("write", "INSERT INTO lake.customers SELECT * FROM lake.customers"),
    ("write", "CREATE MACRO leak(x) AS x"),
    # side channels through errors in predicates
    (
        "error side channel",
        "SELECT customer_id FROM lake.customers WHERE CASE WHEN city LIKE '%HIDDENROW' THEN error('found ' || city) ELSE TRUE END",
    ),
    ("error side channel", "SELECT CAST(email AS INTEGER) FROM lake.customers"),
    ("error side channel", "SELECT 1 / 0 FROM lake.customers WHERE email = 'max.secret@example.de'"),
    (
        "error side channel",
        "SELECT customer_id FROM lake.orders WHERE status = 'placed' AND error('placed order exists') IS NULL",
    ),
    # inference through GROUP BY and joins on masked columns
    ("inference", "SELECT email, count(*) FROM lake.customers GROUP BY email"),
    (
        "inference",
        "SELECT c.customer_id FROM lake.customers c JOIN (VALUES ('max.secret@example.de')) g(e) ON c.email = g.e",
    ),
    ("inference", "SELECT min(email), max(email), string_agg(phone, ',') FROM lake.customers"),
    (
        "inference",
        "SELECT o.customer_id, c.city FROM lake.orders o LEFT JOIN lake.customers c USING (customer_id)",
    ),
    ("inference", "SELECT count(*) AS n FROM lake.customers WHERE country = 'United Kingdom'"),
    ("inference", "SELECT length(first_name), first_name FROM lake.customers"),
]

ML_UK_COUNT = "SELECT count(*) AS n FROM ML.PREDICT(MODEL ml.spend, TABLE lake.customers) WHERE country = 'United Kingdom'"
#: BigQuery ML calls as marketing (with the warehouse's compiler, on the session's models: conftest.MODELS)
ML_ATTEMPTS: list[tuple[str, str]] = [
    # raw data as the input rows
    ("ml input", "SELECT * FROM ML.PREDICT(MODEL ml.demo_segments, (SELECT * FROM read_parquet('{FILE}')))"),
    ("ml input", "SELECT * FROM ML.PREDICT(MODEL ml.spend, (SELECT * FROM query_table('lake.customers')))"),
    ("ml input", "SELECT * FROM ML.PREDICT(MODEL ml.spend, (SELECT * FROM _r0.main.data))"),
    ("ml input", "SELECT * FROM ML.PREDICT(MODEL ml.spend, (SELECT * FROM lake.main.customers))"),
    ("ml input", "SELECT * FROM ML.PREDICT(MODEL ml.spend, (SELECT * FROM query('SELECT * FROM lake.customers')))"),
    ("ml input", "SELECT * FROM ML.EVALUATE(MODEL ml.spend, (SELECT * FROM read_csv('{META}', all_varchar = true)))"),
    (
        "ml input",
        "SELECT * FROM ML.DETECT_ANOMALIES(MODEL ml.demo_segments, STRUCT(0.1 AS contamination), "
        "(SELECT 1.0 AS annual_income, 2.0 AS spending_score, 3.0 AS age FROM sqlite_scan('{META}', 'ducklake_data_file')))",
    ),
    ("ml input", "SELECT * FROM ML.PREDICT(MODEL ml.demo_segments, TABLE lake.images)"),
    ("ml input", "SELECT * FROM ML.PREDICT(MODEL ml.spend, (SELECT * FROM duckdb_tables()))"),
    # model names pointing at raw tables, the registry or a model's parameter tables
    ("ml model name", "SELECT * FROM ML.PREDICT(MODEL lake.customers, TABLE lake.customers)"),
    ("ml model name", "SELECT * FROM ML.WEIGHTS(MODEL `lakehouse-demo.lake.customers`)"),
    ("ml model name", "SELECT * FROM ML.FEATURE_INFO(MODEL ml._models)"),
    ("ml model name", "SELECT * FROM ML.CENTROIDS(MODEL ml.demo_segments__centroids)"),
    ("ml model name", "SELECT * FROM ML.PREDICT(MODEL main.customers, TABLE lake.customers)"),
    ("ml model name", "SELECT * FROM ml._models"),
    ("ml model name", "SELECT * FROM ML.CENTROIDS(MODEL ml.demo_segments) CROSS JOIN ml._models"),
    # rows the row rules hide, through the model
    ("ml rows", ML_UK_COUNT),
    ("ml rows", "SELECT * FROM ML.PREDICT(MODEL ml.spend, (SELECT * FROM lake.customers WHERE city LIKE '%HIDDENROW'))"),
    ("ml rows", "SELECT * FROM ML.DETECT_ANOMALIES(MODEL ml.demo_segments, STRUCT(0.5 AS contamination))"),
    (
        "ml rows",
        "SELECT * FROM ML.EVALUATE(MODEL ml.spend, (SELECT * FROM lake.customers WHERE error('found ' || city) IS NULL))",
    ),
    # statements other than one query
    ("ml statement", "CREATE OR REPLACE MODEL ml.demo_segments OPTIONS (model_type = 'kmeans') AS SELECT * FROM lake.customers"),
    ("ml statement", "DROP MODEL ml.demo_segments"),
    ("ml statement", "SELECT * FROM ML.CENTROIDS(MODEL ml.demo_segments); ATTACH '{META}' AS m (TYPE sqlite)"),
]  # fmt: skip

#: attempts that return data must not return more rows than the rules allow (name -> max rows)
MAX_ROWS = {
    "SELECT count(*) AS n FROM lake.customers WHERE country = 'United Kingdom'": 1,
    ML_UK_COUNT: 1,
}


def _leaks(values: str, settings: Settings, forbidden: tuple[str, ...], sql: str) -> list[str]:
    """Hidden values, or lake paths the attacker did not type in (echoing their own input is fine)."""
    found = [s for s in forbidden if s.lower() in values.lower()]
    paths = (str(settings.lake_data_dir), settings.lake_metadata_uri.removeprefix("sqlite:"))
    return found + [p for p in paths if p in values and p not in sql]


def attempt(
    settings: Settings,
    principal: Principal,
    sql: str,
    forbidden: tuple[str, ...],
    hidden_names: tuple[str, ...] = (),
) -> str:
    """Run an attack; return 'refused' or 'harmless', fail the test on any leak.

    ``hidden_names`` (denied column names) may appear in a refusal - BigQuery's error names the
    column too - but never in returned data.
    """
    try:
        result = run_query(settings, principal, sql, timeout=20, compile_ml=COMPILER)
    except LakehouseError as exc:
        leaked = _leaks(str(exc), settings, forbidden, sql)
        assert not leaked, f"the error message leaks {leaked}: {exc}"
        return "refused"
    text = repr(result.arrow.to_pylist())
    leaked = _leaks(text, settings, forbidden + hidden_names, sql)
    assert not leaked, f"{sql!r} returned hidden values {leaked}"
    if "found" in text or "placed order exists" in text:
        pytest.fail(f"{sql!r} observed hidden rows through an error")
    if sql in MAX_ROWS:
        assert result.rows == [(0,)]
    return "harmless"


@pytest.mark.parametrize(
    ("category", "sql"), ATTEMPTS, ids=[f"{i:02d}-{c}" for i, (c, _) in enumerate(ATTEMPTS)]
)
def test_marketing_bypass_attempt(lake: Settings, category: str, sql: str) -> None:
    paths = lake_paths(lake)
    outcome = attempt(lake, MARK, sql.format(**paths), MARKETING_SECRETS)
    assert outcome in ("refused", "harmless")
    assert not Path(paths["OUT"]).exists(), "a file was written"
    assert not (lake.lake_data_dir / "export").exists()


@pytest.mark.parametrize(
    ("category", "sql"), ML_ATTEMPTS, ids=[f"{i:02d}-{c}" for i, (c, _) in enumerate(ML_ATTEMPTS)]
)
def test_marketing_ml_bypass_attempt(ml_lake: Settings, category: str, sql: str) -> None:
    paths = lake_paths(ml_lake)
    outcome = attempt(ml_lake, MARK, sql.format(**paths), MARKETING_SECRETS)
    assert outcome in ("refused", "harmless")
    assert not Path(paths["OUT"]).exists(), "a file was written"


DENIED_COLUMN_ATTEMPTS = [
    "SELECT * FROM lake.customers",
    "SELECT c FROM lake.customers c",
    "SELECT to_json(c) FROM lake.customers c",
    "SELECT COLUMNS('.*name') FROM lake.customers",
    "SELECT customers.first_name FROM lake.customers",
    "SELECT * FROM duckdb_columns() WHERE table_name = 'customers'",
    "SELECT struct_pack(*COLUMNS(*)) FROM lake.customers",
    "SELECT customer_id FROM lake.customers ORDER BY last_name",
    "SELECT * FROM ML.PREDICT(MODEL ml.premium, TABLE lake.customers)",
    "SELECT * FROM ML.PREDICT(MODEL ml.premium, (SELECT first_name AS email, annual_income, spending_score FROM lake.customers))",
    "SELECT * FROM ML.PREDICT(MODEL ml.spend, (SELECT c, * EXCLUDE (first_name, last_name) FROM lake.customers c))",
    "SELECT * FROM ML.PREDICT(MODEL ml.spend, (SELECT * EXCEPT (last_name) FROM lake.customers))",
]


@pytest.mark.parametrize("sql", DENIED_COLUMN_ATTEMPTS)
def test_denied_column_never_reaches_the_analyst(ml_lake: Settings, sql: str) -> None:
    # analysts may not read names at all: neither values nor the column names may show up
    attempt(ml_lake, ANA, sql, ("Adasecret", "Lovelacesecret"), hidden_names=("first_name", "last_name"))


SANDBOX_ATTACKS = [
    "SELECT * FROM read_parquet('{FILE}')",
    "SELECT * FROM read_text('{META}')",
    "COPY (SELECT 42) TO '{OUT}'",
    "ATTACH '{META}' AS m",
    "SET enable_external_access = true",
    "LOAD '{DUCKLAKE}'",
    "SELECT * FROM raw_customers",
    "SELECT * FROM parquet_scan('{FILE}')",
]


@pytest.mark.parametrize("sql", SANDBOX_ATTACKS)
def test_the_restricted_instance_itself_holds(lake: Settings, tmp_path: Path, sql: str) -> None:
    """Defence in depth: attacks sent straight to a restricted instance, bypassing the analysis."""
    raw_customers = pa.table({"email": ["max.secret@example.de"]})  # a Python object in scope
    assert raw_customers.num_rows == 1
    masked = tmp_path / "rel.duckdb"
    import duckdb

    con = duckdb.connect(str(masked))
    con.execute("CREATE TABLE data AS SELECT 'XXXXX@example.de' AS email")
    con.close()
    paths = lake_paths(lake)
    relation = RelationFile("lake.customers", masked, temporary=True, built=True)
    with (
        open_sandbox(lake, {"lake.customers": relation}, {}) as box,
        pytest.raises(LakehouseError, match=r"\w"),
    ):
        box.run(sql.format(**paths))
    assert not Path(paths["OUT"]).exists()


def test_a_runaway_query_is_stopped(lake: Settings) -> None:
    with pytest.raises(LakehouseError, match="longer than 0.5 s"):
        run_query(lake, MARK, "SELECT count(*) FROM range(100000000000) a", timeout=0.5)


def test_there_are_at_least_forty_attempts() -> None:
    total = len(ATTEMPTS) + len(ML_ATTEMPTS) + len(DENIED_COLUMN_ATTEMPTS) + len(SANDBOX_ATTACKS)
    assert total >= 40
    categories = {c for c, _ in ATTEMPTS}
    assert {
        "raw object",
        "query_table",
        "query",
        "file reader",
        "attach",
        "copy",
        "export",
        "settings",
    } <= categories
    assert {"extension", "metadata", "view replacement", "error side channel", "inference"} <= categories


def test_the_attached_relation_file_cannot_be_overwritten(lake: Settings, tmp_path: Path) -> None:
    """DuckDB allows the paths of attached files even with external access off: only SELECT runs, so
    nothing can write there, and reading the file's bytes shows only what the principal may see."""
    import duckdb

    masked = tmp_path / "rel.duckdb"
    con = duckdb.connect(str(masked))
    con.execute("CREATE TABLE data AS SELECT 'XXXXX@example.de' AS email")
    con.close()
    before = masked.read_bytes()
    relation = RelationFile("lake.customers", masked, temporary=True, built=True)
    with open_sandbox(lake, {"lake.customers": relation}, {}) as box:
        for sql in (
            f"COPY (SELECT 1) TO '{masked}.wal'",
            f"COPY (SELECT 1) TO '{masked}'",
            f"EXPORT DATABASE '{tmp_path}'",
        ):
            with pytest.raises(LakehouseError, match="only one SELECT may run"):
                box.run(sql)
        raw = box.run(f"SELECT content FROM read_blob('{masked}')").column(0)[0].as_py()
    assert b"secret" not in raw and masked.read_bytes() == before
    assert not Path(f"{masked}.wal").exists()
