"""A small lake shared by the access tests: customers, orders, products, images under the sample policy.

Raw values the principals must never see carry markers: names and emails contain ``Secret``,
phones ``SECRETPHONE``, and customers outside the EU live in cities marked ``HIDDENROW``.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from lakehouse.connect import connect
from lakehouse.settings import Settings, load_settings
from lakehouse.wiring.policy import with_policy_decisions
from tests.conftest import SAMPLE_PROJECT

SAMPLE_POLICY = SAMPLE_PROJECT["policy_file"]

CUSTOMERS = """
SELECT * FROM (VALUES
  (1, 'Adasecret', 'Lovelacesecret', 'ada.secret@example.com', '+44 SECRETPHONE 0101', 'female', DATE '1815-12-10', 36, 80, 61, DATE '2020-01-05', 'United Kingdom', 'LondonHIDDENROW', 'gold'),
  (2, 'Maxsecret', 'Mustersecret', 'max.secret@example.de', '+49 SECRETPHONE 0202', 'male', DATE '1990-05-02', 35, 50, 40, DATE '2021-02-01', 'Germany', 'Berlin', 'silver'),
  (3, 'Zoesecret', 'Martinsecret', 'zoe.secret@example.fr', '+33 SECRETPHONE 0303', 'female', DATE '1985-07-14', 40, 95, 85, DATE '2022-03-01', 'France', 'Paris', 'platinum'),
  (4, 'Bobsecret', 'Smithsecret', 'bob.secret@example.com', '+1 SECRETPHONE 0404', 'male', DATE '1970-01-31', 55, 30, 20, DATE '2019-04-01', 'United States', 'AustinHIDDENROW', 'bronze'),
  (5, 'Evasecret', 'Lindsecret', 'not-an-email-secret', '0505', 'female', DATE '2001-11-30', 24, 20, 90, DATE '2023-05-01', 'Sweden', 'Malmo', 'platinum'),
  (6, 'Iansecret', 'Byrnesecret', NULL, NULL, 'nonbinary', NULL, NULL, 60, 55, DATE '2024-06-01', 'Ireland', 'Dublin', 'silver')
) t(customer_id, first_name, last_name, email, phone, gender, birth_date, age, annual_income, spending_score,
    signup_date, country, city, loyalty_tier)
"""
ORDERS = """
SELECT * FROM (VALUES
  (101, 1, 11, TIMESTAMPTZ '2026-01-02 10:00:00+00', 1, 10.0, 0.0, 'delivered', 'web'),
  (102, 2, 12, TIMESTAMPTZ '2026-01-03 11:00:00+00', 2, 20.0, 0.1, 'shipped', 'app'),
  (103, 3, 11, TIMESTAMPTZ '2026-01-04 12:00:00+00', 1, 10.0, 0.0, 'placed', 'store'),
  (104, 4, 13, TIMESTAMPTZ '2026-01-05 13:00:00+00', 3, 30.0, 0.0, 'cancelled', 'web'),
  (105, 5, 12, TIMESTAMPTZ '2026-01-06 14:00:00+00', 1, 20.0, 0.2, 'delivered', 'app'),
  (106, 2, 13, TIMESTAMPTZ '2026-01-07 15:00:00+00', 2, 30.0, 0.0, 'returned', 'web')
) t(order_id, customer_id, product_id, order_time, quantity, unit_price, discount, status, channel)
"""
PRODUCTS = """
SELECT * FROM (VALUES (11, 'SKU-11', 'Mug', 'kitchen', 'Acme', 10.0, 'product_00011.jpg'),
                      (12, 'SKU-12', 'Lamp', 'home', 'Lumo', 20.0, 'product_00012.png'),
                      (13, 'SKU-13', 'Kettle', 'kitchen', 'Acme', 30.0, 'product_00013.jpg'))
  t(product_id, sku, name, category, brand, list_price, image_file)
"""
IMAGES = """
SELECT * FROM (VALUES ('product_00011.jpg', 'Canon', 51.5007, -0.1246), ('product_00012.png', 'Nikon', NULL, NULL))
  t(file_name, camera_make, gps_lat, gps_lon)
"""
TABLES = {"customers": CUSTOMERS, "orders": ORDERS, "products": PRODUCTS, "images": IMAGES}

#: every raw value that the sample policy hides from marketing (EU rows, masked identities)
MARKETING_SECRETS = ("secret", "SECRETPHONE", "HIDDENROW", "1815-12-10")


def make_settings(home: Path, policy: Path = SAMPLE_POLICY) -> Settings:
    """Settings as the command line resolves them: the policy decides whether a new lake is encrypted."""
    settings = load_settings({"home": home, "threads": 2, "policy_file": policy}, env={}, cwd=home)
    return with_policy_decisions(settings)


def with_policy(settings: Settings, tmp_path: Path, text: str) -> Settings:
    """The same lake under another policy file."""
    path = tmp_path / "policy.yml"
    path.write_text(text, encoding="utf-8")
    return settings.model_copy(update={"policy_file": path})


@pytest.fixture(scope="session")
def lake_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("access") / "home"
    home.mkdir()
    con = connect(make_settings(home))
    try:
        for name, select in TABLES.items():
            con.execute(f"CREATE TABLE lake.{name} AS {select}")
        con.execute(
            "CALL ducklake_flush_inlined_data('lake')"
        )  # real Parquet files for the file-reader attacks
    finally:
        con.close()
    yield home
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def lake(lake_home: Path) -> Settings:
    """Settings for the shared lake under the sample policy (catalog/policy.yml)."""
    return make_settings(lake_home)


#: models trained on the shared lake by real CREATE MODEL statements (privileged): k-means on numbers,
#: a logistic regression with a feature the analyst sees masked (email), a linear regression and a
#: boosted tree regressor (all three with ML.GLOBAL_EXPLAIN's table)
MODELS = {
    "ml.demo_segments": "CREATE MODEL ml.demo_segments OPTIONS (model_type = 'kmeans', num_clusters = 2, "
    "kmeans_init_method = 'KMEANS++') AS SELECT annual_income, spending_score, age FROM lake.customers",
    "ml.premium": "CREATE MODEL ml.premium OPTIONS (model_type = 'logistic_reg', input_label_cols = ['premium'], "
    "enable_global_explain = TRUE) "
    "AS SELECT annual_income, spending_score, email, loyalty_tier IN ('gold', 'platinum') AS premium "
    "FROM lake.customers",
    "ml.spend": "CREATE MODEL ml.spend OPTIONS (model_type = 'linear_reg', input_label_cols = ['spending_score'], "
    "enable_global_explain = TRUE) "
    "AS SELECT annual_income, age, country, spending_score FROM lake.customers",
    "ml.spend_tree": "CREATE MODEL ml.spend_tree OPTIONS (model_type = 'boosted_tree_regressor', "
    "input_label_cols = ['spending_score'], max_iterations = 3, enable_global_explain = TRUE) "
    "AS SELECT annual_income, age, country, spending_score FROM lake.customers",
}


@pytest.fixture(scope="session")
def ml_home(lake_home: Path) -> Path:
    """The shared lake plus a warehouse holding ``MODELS`` (trained once per session)."""
    import warehouse

    con = warehouse.connect(make_settings(lake_home))
    try:
        for statement in MODELS.values():
            warehouse.execute(con, statement)
    finally:
        con.close()
    return lake_home


@pytest.fixture
def ml_lake(ml_home: Path) -> Settings:
    """Settings for the shared lake with its models, under the sample policy."""
    return make_settings(ml_home)
