-- Whether lake.main.<name> exists, read from DuckLake's metadata (the lake is attached as "lake"); the
-- caller formats in {name}, a quoted literal. Not duckdb_tables(): listing tables through DuckDB's
-- catalog makes DuckLake gather every table's statistics (measured in an ingest: 56-96 ms against
-- 2-24 ms for this query, more on a lake with many tables).
SELECT 1
FROM __ducklake_metadata_lake.ducklake_table AS t
JOIN __ducklake_metadata_lake.ducklake_schema AS s USING (schema_id)
WHERE t.end_snapshot IS NULL AND s.end_snapshot IS NULL AND s.schema_name = 'main'
    AND t.table_name = {name}
