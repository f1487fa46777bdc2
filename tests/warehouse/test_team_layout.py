"""dbt and BigQuery ML on the team layout (lake catalog on PostgreSQL, data on S3; real servers): the dbt
plugin attaches the same lake, and models train on and score lake tables read from the bucket."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult

pytestmark = [pytest.mark.team, pytest.mark.slow]

ROWS = "x,amount\n" + "".join(f"{x},{2 * x + 1}\n" for x in range(1, 41))


@pytest.fixture
def lake_layout() -> str:
    return "team"


@pytest.fixture
def landed(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    path = tmp_path / "sales.csv"
    path.write_text(ROWS)
    result = cli("ingest", str(path), "--dataset", "sales")
    assert result.code == 0, result.err


@pytest.mark.usefixtures("landed")
def test_a_model_trains_on_and_scores_a_lake_table_on_s3(cli: Callable[..., CliResult]) -> None:
    created = cli(
        "sql",
        "CREATE MODEL ml.sales_line OPTIONS(model_type='linear_reg', input_label_cols=['amount']) "
        "AS SELECT x, amount FROM lake.sales",
    )
    assert created.code == 0, created.err
    scored = cli(
        "sql",
        "SELECT x, predicted_amount FROM ML.PREDICT(MODEL ml.sales_line, (SELECT x FROM lake.sales)) ORDER BY x",
        "--json",
    )
    assert scored.code == 0, scored.err
    rows = scored.json()
    assert len(rows) == 40
    assert all(row["predicted_amount"] == pytest.approx(2 * row["x"] + 1, abs=1e-6) for row in rows)


@pytest.mark.usefixtures("landed")
def test_dbt_builds_a_users_project_from_the_lake_on_s3(
    cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    project = tmp_path / "shop"
    (project / "models").mkdir(parents=True)
    (project / "dbt_project.yml").write_text(
        "name: shop\nversion: '1.0'\nprofile: shop\nmodel-paths: [models]\n"
        "models:\n  shop:\n    +materialized: table\n"
    )
    (project / "models" / "big_sales.sql").write_text(
        "select x, amount from {{ source('lake', 'sales') }} where x > 30\n"
    )
    assert cli("dbt", "init", str(project), "--table", "sales").code == 0
    built = cli("dbt", "build", "--project-dir", str(project))
    assert built.code == 0, built.out + built.err
    counted = cli("sql", "SELECT count(*) AS n, sum(amount) AS total FROM main.big_sales", "--json")
    assert counted.code == 0, counted.err
    assert counted.json() == [{"n": 10, "total": sum(2 * x + 1 for x in range(31, 41))}]
