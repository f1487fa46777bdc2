"""BigQuery ML for principals: ML.* runs in the restricted session on the principal's own rows.

Real models (``conftest.MODELS``: CREATE MODEL on the shared lake), real restricted sessions. Ground
truth is the privileged warehouse running the same ML function over the rows the principal may see:
the principal's masked relation (read through ``run_query``) or the raw table with the row rule's
predicate written out.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from click.testing import CliRunner

import warehouse
from catalog.access import Principal, run_query
from catalog.access.audit import read_log
from lakehouse.cli import cli
from lakehouse.errors import AccessDenied, UsageError
from lakehouse.settings import Settings
from tests.catalog.access.conftest import SAMPLE_POLICY, with_policy
from tests.conftest import CliResult
from warehouse.ml import types
from warehouse.sql.principal import COMPILER

ANA = Principal.of(user="ana")  # analyst: email masked (last four), names denied
MARK = Principal.of(user="mark")  # marketing: EU customers only, email masked
ERIN = Principal.of(user="erin")  # data engineer: raw values, every row
EU = "country IN ('Germany', 'France', 'Spain', 'Netherlands', 'Ireland', 'Sweden')"  # mark's row rule


def as_principal(settings: Settings, principal: Principal, sql: str) -> list[tuple[Any, ...]]:
    return run_query(settings, principal, sql, compile_ml=COMPILER, timeout=60).rows


def privileged(settings: Settings, sql: str, **tables: pa.Table) -> list[tuple[Any, ...]]:
    """``sql`` on the warehouse as its administrator, with ``tables`` registered as relations."""
    con = warehouse.connect(settings, read_only=True)
    try:
        for name, data in tables.items():
            con.register(name, data)
        return warehouse.execute(con, sql).rows
    finally:
        con.close()


def last_audit(settings: Settings) -> dict[str, Any]:
    *_, last = read_log(settings)
    return last


def test_predict_as_the_analyst_scores_her_masked_values(ml_lake: Settings) -> None:
    """ml.premium uses email as a feature; ana sees emails masked, so the model sees them masked too."""
    visible = "SELECT * EXCEPT (first_name, last_name) FROM lake.customers"
    ana_rows = run_query(ml_lake, ANA, visible).arrow
    columns = "customer_id, email, predicted_premium, predicted_premium_probs"
    expected = privileged(
        ml_lake, f"SELECT {columns} FROM ML.PREDICT(MODEL ml.premium, TABLE ana_rows) ORDER BY customer_id",
        ana_rows=ana_rows,
    )  # fmt: skip
    got = as_principal(
        ml_lake, ANA, f"SELECT {columns} FROM ML.PREDICT(MODEL ml.premium, ({visible})) ORDER BY customer_id"
    )
    assert got == expected and len(got) == 6
    assert all(email is None or email.startswith("XXXXX") for _, email, _, _ in got)
    raw = privileged(
        ml_lake,
        f"SELECT {columns} FROM ML.PREDICT(MODEL ml.premium, TABLE lake.customers) ORDER BY customer_id",
    )
    assert [r[3] for r in got] != [r[3] for r in raw]  # the raw emails would have scored differently
    assert "ml.premium" in last_audit(ml_lake)["relations"]


def test_predict_as_marketing_scores_exactly_the_rows_his_rules_keep(ml_lake: Settings) -> None:
    query = "SELECT customer_id, predicted_spending_score FROM ML.PREDICT(MODEL ml.spend, {}) ORDER BY 1"
    got = as_principal(ml_lake, MARK, query.format("TABLE lake.customers"))
    expected = privileged(ml_lake, query.format(f"(SELECT * FROM lake.customers WHERE {EU})"))
    assert got == expected
    assert [customer for customer, _ in got] == [2, 3, 5, 6]


#: ml.premium's input needs its label, computed as in training
PREMIUM = "(SELECT *, loyalty_tier IN ('gold', 'platinum') AS premium FROM {})"


def test_explain_predict_as_the_analyst_explains_her_masked_values(ml_lake: Settings) -> None:
    """As ML.PREDICT: the attributions are computed on the email ana sees, masked."""
    visible = "SELECT * EXCEPT (first_name, last_name) FROM lake.customers"
    ana_rows = run_query(ml_lake, ANA, visible).arrow
    query = (
        "SELECT customer_id, predicted_premium, top_feature_attributions, prediction_value "
        "FROM ML.EXPLAIN_PREDICT(MODEL ml.premium, {}, STRUCT(3 AS top_k_features)) ORDER BY customer_id"
    )
    got = as_principal(ml_lake, ANA, query.format(f"({visible})"))
    assert got == privileged(ml_lake, query.format("TABLE ana_rows"), ana_rows=ana_rows) and len(got) == 6
    raw = privileged(ml_lake, query.format("TABLE lake.customers"))
    assert [r[2] for r in got] != [r[2] for r in raw]  # the raw emails would be explained differently
    assert "ml.premium" in last_audit(ml_lake)["relations"]


def test_tree_explanations_as_marketing_cover_exactly_the_rows_his_rules_keep(ml_lake: Settings) -> None:
    """TreeSHAP runs while compiling, in the restricted instance, on mark's rows only."""
    query = (
        "SELECT customer_id, predicted_spending_score, top_feature_attributions, baseline_prediction_value "
        "FROM ML.EXPLAIN_PREDICT(MODEL ml.spend_tree, {}) ORDER BY 1"
    )
    got = as_principal(ml_lake, MARK, query.format("TABLE lake.customers"))
    assert got == privileged(ml_lake, query.format(f"(SELECT * FROM lake.customers WHERE {EU})"))
    assert [customer for customer, *_ in got] == [2, 3, 5, 6]


@pytest.mark.parametrize("model", ["ml.spend", "ml.premium", "ml.demo_segments"])
def test_evaluate_computes_its_metrics_on_the_principals_rows(ml_lake: Settings, model: str) -> None:
    """EVALUATE computes while compiling: inside the restricted instance, on mark's masked rows only."""
    rows = PREMIUM if model == "ml.premium" else "(SELECT * FROM {})"
    query = f"SELECT * FROM ML.EVALUATE(MODEL {model}, {{}})"
    got = as_principal(ml_lake, MARK, query.format(rows.format("lake.customers")))
    mark_rows = run_query(ml_lake, MARK, "SELECT * FROM lake.customers").arrow
    assert got == privileged(ml_lake, query.format(rows.format("mark_rows")), mark_rows=mark_rows)
    assert got != privileged(ml_lake, query.format(rows.format("lake.customers")))


def test_detect_anomalies_without_input_reads_the_training_rows_the_principal_may_read(
    ml_lake: Settings,
) -> None:
    query = "SELECT normalized_distance FROM ML.DETECT_ANOMALIES(MODEL ml.demo_segments, STRUCT(0.2 AS contamination){})"
    got = sorted(as_principal(ml_lake, MARK, query.format("")))
    training_rows = f"(SELECT annual_income, spending_score, age FROM lake.customers WHERE {EU})"
    assert got == sorted(privileged(ml_lake, query.format(", " + training_rows)))
    assert len(got) == 4


#: one call of every ML table function the engine has, per model type (checked against its tables)
CALLS = [
    "ML.PREDICT(MODEL ml.demo_segments, TABLE lake.customers)",
    "ML.EVALUATE(MODEL ml.demo_segments, TABLE lake.customers)",
    "ML.EVALUATE(MODEL ml.demo_segments)",
    "ML.CENTROIDS(MODEL ml.demo_segments, STRUCT(TRUE AS standardize))",
    "ML.DETECT_ANOMALIES(MODEL ml.demo_segments, STRUCT(0.2 AS contamination), TABLE lake.customers)",
    "ML.FEATURE_INFO(MODEL ml.demo_segments)",
    "ML.TRAINING_INFO(MODEL ml.demo_segments)",
    "ML.VALIDATE_DATA_SKEW(MODEL ml.demo_segments, TABLE lake.customers)",
    "ML.PREDICT(MODEL ml.premium, TABLE lake.customers, STRUCT(0.3 AS threshold))",
    "ML.EVALUATE(MODEL ml.premium, " + PREMIUM.format("lake.customers") + ")",
    "ML.ROC_CURVE(MODEL ml.premium, " + PREMIUM.format("lake.customers") + ")",
    "ML.ROC_CURVE(MODEL ml.premium, " + PREMIUM.format("lake.customers") + ", GENERATE_ARRAY(0.1, 0.9, 0.2))",
    "ML.CONFUSION_MATRIX(MODEL ml.premium, " + PREMIUM.format("lake.customers") + ")",
    "ML.WEIGHTS(MODEL ml.premium)",
    "ML.EXPLAIN_PREDICT(MODEL ml.premium, "
    + PREMIUM.format("lake.customers")
    + ", STRUCT(2 AS top_k_features))",
    "ML.GLOBAL_EXPLAIN(MODEL ml.premium, STRUCT(TRUE AS class_level_explain))",
    "ML.FEATURE_INFO(MODEL ml.premium)",
    "ML.TRAINING_INFO(MODEL ml.premium)",
    "ML.VALIDATE_DATA_SKEW(MODEL ml.premium, "
    + PREMIUM.format("lake.customers")
    + ", STRUCT(0.1 AS categorical_default_threshold))",
    "ML.PREDICT(MODEL ml.spend, TABLE lake.customers)",
    "ML.EVALUATE(MODEL ml.spend, TABLE lake.customers)",
    "ML.WEIGHTS(MODEL ml.spend, STRUCT(TRUE AS standardize))",
    "ML.EXPLAIN_PREDICT(MODEL ml.spend, TABLE lake.customers)",
    "ML.GLOBAL_EXPLAIN(MODEL ml.spend)",
    "ML.FEATURE_INFO(MODEL ml.spend)",
    "ML.TRAINING_INFO(MODEL ml.spend)",
    "ML.VALIDATE_DATA_SKEW(MODEL ml.spend, TABLE lake.customers)",
]
MODEL_TYPES = {"ml.demo_segments": "KMEANS", "ml.premium": "LOGISTIC_REG", "ml.spend": "LINEAR_REG"}


def test_the_calls_cover_every_function_of_every_model_type() -> None:
    for model, model_type in MODEL_TYPES.items():
        table = types.FUNCTIONS[model_type]
        called = {
            c.removeprefix("ML.").split("(")[0]
            for c in CALLS
            if f"MODEL {model}," in c or f"MODEL {model})" in c
        }
        assert called == set(table), model


@pytest.mark.parametrize("call", CALLS)
def test_every_ml_function_runs_for_a_principal_as_it_does_privileged(ml_lake: Settings, call: str) -> None:
    """The engineer reads every row raw, so her results are the administrator's, function by function."""
    result = run_query(ml_lake, ERIN, f"SELECT * FROM {call}", compile_ml=COMPILER, timeout=60)
    assert sorted(map(repr, result.rows)) == sorted(map(repr, privileged(ml_lake, f"SELECT * FROM {call}")))
    assert "ML." not in result.sql  # compiled to plain DuckDB SQL before it ran


LIMITED = """
roles: {analyst: {}}
users: {ana: {roles: [analyst]}}
grants: [{to: [role:analyst], tables: [lake.customers, lake.orders], models: [ml.demo_segments]}]
"""


def test_a_model_without_a_grant_is_refused_like_a_missing_one(ml_lake: Settings, tmp_path: Path) -> None:
    settings = with_policy(ml_lake, tmp_path, LIMITED)
    query = "SELECT * FROM ML.PREDICT(MODEL {}, (SELECT annual_income, spending_score, email FROM lake.customers))"
    messages = []
    for model in ("ml.premium", "ml.no_such_model"):
        with pytest.raises(
            AccessDenied, match=rf"^model '{model}' does not exist or role:analyst,user:ana may not read it"
        ):
            as_principal(settings, ANA, query.format(model))
        messages.append(str(last_audit(settings)["reason"]).replace(model, "M"))
    assert messages[0] == messages[1] and "\n" not in messages[0]  # a denied principal learns nothing
    assert last_audit(settings)["outcome"] == "denied"
    granted = "SELECT count(*) FROM ML.PREDICT(MODEL ml.demo_segments, (SELECT annual_income, spending_score, age FROM lake.customers))"
    assert as_principal(settings, ANA, granted) == [(6,)]


@pytest.mark.parametrize(
    "model", ["lake.customers", "ml._models", "ml.demo_segments__centroids", "`my-project.lake.orders`"]
)
def test_model_names_that_are_no_model_are_refused(ml_lake: Settings, model: str) -> None:
    with pytest.raises(AccessDenied, match=r"^model '[\w.-]+' does not exist or .* may not read it"):
        as_principal(ml_lake, ERIN, f"SELECT * FROM ML.PREDICT(MODEL {model}, TABLE lake.customers)")


def test_an_ml_call_on_a_table_the_principal_may_not_read_is_refused(ml_lake: Settings) -> None:
    with pytest.raises(AccessDenied, match=r"^table 'lake.images' does not exist or .* may not read it"):
        as_principal(ml_lake, MARK, "SELECT * FROM ML.PREDICT(MODEL ml.demo_segments, TABLE lake.images)")


@pytest.mark.parametrize(
    ("rows", "named"),
    [
        ("TABLE lake.customers", "first_name, last_name"),
        ("(SELECT first_name AS email, annual_income, spending_score FROM lake.customers)", "first_name"),
        ("(SELECT * EXCEPT (last_name) FROM lake.customers)", "first_name"),
    ],
)
def test_a_denied_column_in_the_input_is_refused_and_named(ml_lake: Settings, rows: str, named: str) -> None:
    with pytest.raises(AccessDenied, match=rf"ana may not read column\(s\) {named} of lake.customers"):
        as_principal(ml_lake, ANA, f"SELECT predicted_premium FROM ML.PREDICT(MODEL ml.premium, {rows})")


@pytest.mark.parametrize(
    "statement",
    [
        "CREATE MODEL ml.mine OPTIONS (model_type = 'kmeans', num_clusters = 2) AS SELECT age FROM lake.customers",
        "CREATE OR REPLACE MODEL ml.demo_segments OPTIONS (model_type = 'kmeans') AS SELECT age FROM lake.customers",
        "DROP MODEL ml.demo_segments",
    ],
)
def test_model_statements_are_refused_in_one_line(ml_lake: Settings, statement: str) -> None:
    with pytest.raises(AccessDenied, match=r"^only queries may run under access rules, not (CREATE|DROP)"):
        as_principal(ml_lake, ERIN, statement)


def test_without_a_compiler_an_ml_call_is_refused_in_one_line(ml_lake: Settings) -> None:
    with pytest.raises(
        UsageError, match=r"^ML.PREDICT cannot run under access rules here: no ML compiler was given"
    ):
        run_query(ml_lake, ANA, "SELECT * FROM ML.PREDICT(MODEL ml.demo_segments, TABLE lake.customers)")


def _one_plain_line(result: CliResult) -> str:
    assert result.code != 0 and not result.out
    assert "\x1b" not in result.err and result.err.count("\n") == 1, repr(result.err)
    return result.err


def test_the_cli_reports_an_ml_refusal_in_one_plain_line(
    ml_home: Path, cli: Callable[..., CliResult]
) -> None:
    """The finding: this command ended with a raw parser error over two lines with colour codes."""
    query = "SELECT * FROM ML.PREDICT(MODEL ml.demo_segments, TABLE lake.customers)"
    err = _one_plain_line(cli("--home", str(ml_home), "sql", "--user", "ana", query))
    assert "may not read column(s) first_name, last_name of lake.customers" in err
    ok = cli("--home", str(ml_home), "sql", "--user", "ana", "--format", "csv",
             query.replace("TABLE lake.customers", "(SELECT annual_income, spending_score, age FROM lake.customers)")
             .replace("*", "count(*) AS n"))  # fmt: skip
    assert ok.code == 0 and ok.out.splitlines() == ["n", "6"], ok.err


@pytest.mark.parametrize("principal", [("--user", "ana"), ()])
def test_parse_errors_are_one_plain_line(
    ml_home: Path, cli: Callable[..., CliResult], principal: tuple[str, ...]
) -> None:
    err = _one_plain_line(
        cli("--home", str(ml_home), "sql", *principal, "SELECT * FROM ML.PREDICT(MODEL ml.x, TABLE")
    )
    assert "cannot parse the query at line 1, column " in err


def test_a_parameter_table_read_as_a_table_and_as_a_model_is_refused(
    ml_lake: Settings, tmp_path: Path
) -> None:
    """A grant may let a principal read a model's parameter table as a table (filtered by the table's own
    rules) too; one query cannot hold both versions under one name."""
    settings = with_policy(ml_lake, tmp_path, LIMITED.replace("lake.orders]", "ml.*]"))
    assert as_principal(settings, ANA, "SELECT count(*) FROM ml.demo_segments__centroids") == [(6,)]
    with pytest.raises(
        UsageError, match=r"^the query reads ml.demo_segments__centroids both as a table and as a model"
    ):
        as_principal(
            settings,
            ANA,
            "SELECT * FROM ML.CENTROIDS(MODEL ml.demo_segments) CROSS JOIN ml.demo_segments__centroids",
        )


def test_explanations_run_through_lakehouse_sql(ml_home: Path) -> None:
    """``lakehouse sql`` as administrator and as marketing (the CLI over the same engine)."""
    args = ["--home", str(ml_home), "--threads", "2", "--policy-file", str(SAMPLE_POLICY), "sql", "--json"]
    query = "SELECT feature FROM ML.GLOBAL_EXPLAIN(MODEL ml.spend_tree) ORDER BY attribution DESC"
    result = CliRunner().invoke(cli, [*args, query])
    assert result.exit_code == 0, result.output
    assert sorted(r["feature"] for r in json.loads(result.output)) == ["age", "annual_income", "country"]
    explain = "SELECT customer_id FROM ML.EXPLAIN_PREDICT(MODEL ml.spend, TABLE lake.customers) ORDER BY 1"
    result = CliRunner().invoke(cli, [*args, "--user", "mark", explain])
    assert result.exit_code == 0, result.output
    assert [r["customer_id"] for r in json.loads(result.output)] == [2, 3, 5, 6]
