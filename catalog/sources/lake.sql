-- Reading the lake's own metadata. DuckLake keeps it in the attached metadata catalog, which DuckDB
-- exposes as __ducklake_metadata_lake (the lake is always attached as "lake").

-- name: tables
SELECT schema_name, table_name, coalesce(comment, '') AS comment
FROM duckdb_tables()
WHERE database_name = 'lake' AND NOT starts_with(table_name, '_')
ORDER BY schema_name, table_name;

-- name: columns
SELECT schema_name, table_name, column_name, data_type, coalesce(comment, '') AS comment, column_index
FROM duckdb_columns()
WHERE database_name = 'lake' AND NOT starts_with(table_name, '_')
ORDER BY schema_name, table_name, column_index;

-- name: table_ids
SELECT t.table_id, s.schema_name, t.table_name, t.begin_snapshot
FROM __ducklake_metadata_lake.ducklake_table AS t
JOIN __ducklake_metadata_lake.ducklake_schema AS s USING (schema_id)
WHERE t.end_snapshot IS NULL AND s.end_snapshot IS NULL;

-- name: snapshot_changes
SELECT c.snapshot_id, CAST(s.snapshot_time AS TIMESTAMPTZ) AS snapshot_time, c.changes_made
FROM __ducklake_metadata_lake.ducklake_snapshot_changes AS c
JOIN __ducklake_metadata_lake.ducklake_snapshot AS s USING (snapshot_id)
ORDER BY c.snapshot_id;

-- name: column_versions
SELECT c.table_id, c.column_id, c.column_name, c.column_type, c.begin_snapshot, c.end_snapshot,
       CAST(s.snapshot_time AS TIMESTAMPTZ) AS snapshot_time
FROM __ducklake_metadata_lake.ducklake_column AS c
JOIN __ducklake_metadata_lake.ducklake_snapshot AS s ON s.snapshot_id = c.begin_snapshot
WHERE c.parent_column IS NULL
ORDER BY c.table_id, c.begin_snapshot, c.column_id;

-- name: has_schema_changes
SELECT count(*) FROM duckdb_tables() WHERE database_name = 'lake' AND table_name = '_schema_changes';
