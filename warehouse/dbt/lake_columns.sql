-- Columns of the lake's user tables in declaration order; internal tables (_quarantine, ...) are left out.
SELECT table_name, column_name, data_type
FROM duckdb_columns()
WHERE database_name = 'lake'
  AND schema_name = 'main'
  AND NOT starts_with(table_name, '_')
ORDER BY table_name, column_index
