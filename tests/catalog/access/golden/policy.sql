-- generated from policy.yml by `lakehouse access compile --target bigquery`; do not edit

GRANT `roles/bigquery.dataViewer` ON SCHEMA `lakehouse-demo`.`lake` TO 'group:data_engineer@example.com', 'group:auditor@example.com';

GRANT `roles/bigquery.dataViewer` ON SCHEMA `lakehouse-demo`.`ml` TO 'group:data_engineer@example.com', 'group:auditor@example.com';

GRANT `roles/bigquery.dataViewer` ON TABLE `lakehouse-demo`.`lake`.`customers` TO 'group:analyst@example.com';

GRANT `roles/bigquery.dataViewer` ON TABLE `lakehouse-demo`.`lake`.`orders` TO 'group:analyst@example.com';

GRANT `roles/bigquery.dataViewer` ON TABLE `lakehouse-demo`.`lake`.`products` TO 'group:analyst@example.com';

GRANT `roles/bigquery.dataViewer` ON TABLE `lakehouse-demo`.`lake`.`events` TO 'group:analyst@example.com';

GRANT `roles/bigquery.dataViewer` ON TABLE `lakehouse-demo`.`lake`.`images` TO 'group:analyst@example.com';

GRANT `roles/bigquery.dataViewer` ON SCHEMA `lakehouse-demo`.`ml` TO 'group:analyst@example.com';

GRANT `roles/bigquery.dataViewer` ON TABLE `lakehouse-demo`.`lake`.`customers` TO 'group:marketing@example.com';

GRANT `roles/bigquery.dataViewer` ON TABLE `lakehouse-demo`.`lake`.`orders` TO 'group:marketing@example.com';

GRANT `roles/bigquery.dataViewer` ON TABLE `lakehouse-demo`.`lake`.`products` TO 'group:marketing@example.com';

GRANT `roles/bigquery.dataViewer` ON SCHEMA `lakehouse-demo`.`ml` TO 'group:marketing@example.com';

CREATE OR REPLACE FUNCTION `lakehouse-demo`.`access`.`initial_only`(value STRING) RETURNS STRING
OPTIONS (data_governance_type = 'DATA_MASKING') AS (CONCAT(SUBSTR(value, 1, 1), '.'));

CREATE OR REPLACE ROW ACCESS POLICY customers_all
ON `lakehouse-demo`.`lake`.`customers`
GRANT TO ('group:data_engineer@example.com', 'group:auditor@example.com', 'group:analyst@example.com')
FILTER USING (TRUE);

CREATE OR REPLACE ROW ACCESS POLICY customers_eu_marketing
ON `lakehouse-demo`.`lake`.`customers`
GRANT TO ('group:marketing@example.com')
FILTER USING (country IN ('Germany', 'France', 'Spain', 'Netherlands', 'Ireland', 'Sweden'));

CREATE OR REPLACE ROW ACCESS POLICY orders_all
ON `lakehouse-demo`.`lake`.`orders`
GRANT TO ('group:data_engineer@example.com', 'group:auditor@example.com', 'group:analyst@example.com')
FILTER USING (TRUE);

CREATE OR REPLACE ROW ACCESS POLICY orders_completed_marketing
ON `lakehouse-demo`.`lake`.`orders`
GRANT TO ('group:marketing@example.com')
FILTER USING (status IN ('shipped', 'delivered'));
