-- How many of the lake's own tables exist, read from DuckLake's metadata (the lake is attached as "lake").
-- Not duckdb_tables(): listing tables through DuckDB's catalog makes DuckLake gather every table's
-- statistics (~0.1-0.3 s per command).
SELECT count(*)
FROM __ducklake_metadata_lake.ducklake_table AS t
JOIN __ducklake_metadata_lake.ducklake_schema AS s USING (schema_id)
WHERE t.end_snapshot IS NULL AND s.end_snapshot IS NULL AND s.schema_name = 'main'
    AND t.table_name IN ('_quarantine', '_files', '_schema_changes', '_columns', '_null_markers')
