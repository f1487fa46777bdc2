-- Every relation the privileged session can read, for BigQuery's INFORMATION_SCHEMA views: the lake's
-- tables (catalog lake, schema main) and the warehouse's tables and views (the current database).
WITH relations AS (
    SELECT database_name, schema_name, table_name, 'table' AS kind
    FROM duckdb_tables() WHERE NOT temporary
    UNION ALL
    SELECT database_name, schema_name, view_name, 'view'
    FROM duckdb_views() WHERE NOT internal AND NOT temporary
)
SELECT
    CASE WHEN r.database_name = 'lake' THEN 'lake' ELSE r.schema_name END AS dataset,
    r.table_name,
    r.kind,
    list((c.column_name, c.data_type, c.is_nullable) ORDER BY c.column_index) AS columns
FROM relations AS r
JOIN duckdb_columns() AS c USING (database_name, schema_name, table_name)
WHERE (r.database_name = 'lake' AND r.schema_name = 'main') OR r.database_name = current_database()
GROUP BY ALL
