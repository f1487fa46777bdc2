-- The catalog entries a training query's table name (unqualified, or schema.table) may resolve to: its
-- database and schema, whether it is a view, its database's type, and whether a column of its own is named
-- rowid (hiding the row id) ($name, $schema: NULL for none).
-- Empty under a search_path of its own (then the name may resolve elsewhere).
SELECT c.database_name, c.schema_name, v.view_name IS NOT NULL AS is_view, d.type, c.rowid_column
FROM (
  SELECT database_name, schema_name, table_name, bool_or(lower(column_name) = 'rowid') AS rowid_column
  FROM duckdb_columns() WHERE lower(table_name) = lower($name) GROUP BY ALL
) AS c
JOIN duckdb_databases() AS d USING (database_name)
LEFT JOIN duckdb_views() AS v
  ON v.database_name = c.database_name AND v.schema_name = c.schema_name AND v.view_name = c.table_name
WHERE ((c.database_name = 'temp' AND lower(c.schema_name) = lower(coalesce($schema, 'main')))
    OR (c.database_name = current_database() AND lower(c.schema_name) = lower(coalesce($schema, current_schema()))))
  AND current_setting('search_path') = ''
