-- Does a table or view named $name exist (in schema or database $schema, when given)?
SELECT count(*) > 0
FROM (
    SELECT database_name, schema_name, table_name AS name FROM duckdb_tables()
    UNION ALL
    SELECT database_name, schema_name, view_name AS name FROM duckdb_views() WHERE NOT internal
)
WHERE name = $name AND ($schema IS NULL OR schema_name = $schema OR database_name = $schema)
