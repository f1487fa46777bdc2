-- Reading the lake's own metadata. DuckLake keeps it in the attached metadata catalog, which DuckDB
-- exposes as __ducklake_metadata_lake (the lake is always attached as "lake").

-- name: tables
SELECT schema_name, table_name, coalesce(comment, '') AS comment
FROM duckdb_tables()
WHERE database_name = 'lake' AND NOT starts_with(table_name, '_')
ORDER BY schema_name, table_name;

-- name: columns
SELECT schema_name, table_name, column_name, data_type, coalesce(comment, '') AS comment
FROM duckdb_columns()
WHERE database_name = 'lake' AND NOT starts_with(table_name, '_')
ORDER BY schema_name, table_name, column_index;

-- name: bookkeeping_tables
SELECT table_name FROM duckdb_tables()
WHERE database_name = 'lake' AND schema_name = 'main' AND starts_with(table_name, '_');

-- name: table_ids
SELECT t.table_id, s.schema_name, t.table_name, t.begin_snapshot
FROM __ducklake_metadata_lake.ducklake_table AS t
JOIN __ducklake_metadata_lake.ducklake_schema AS s USING (schema_id)
WHERE t.end_snapshot IS NULL AND s.end_snapshot IS NULL;

-- name: snapshots
SELECT s.snapshot_id, CAST(s.snapshot_time AS TIMESTAMPTZ) AS snapshot_time, c.changes_made
FROM __ducklake_metadata_lake.ducklake_snapshot AS s
LEFT JOIN __ducklake_metadata_lake.ducklake_snapshot_changes AS c USING (snapshot_id)
ORDER BY s.snapshot_id;

-- name: column_versions
SELECT table_id, column_id, column_name, column_type, begin_snapshot, end_snapshot
FROM __ducklake_metadata_lake.ducklake_column
WHERE parent_column IS NULL
ORDER BY table_id, begin_snapshot, column_id;

-- name: live_comments
-- the live comment of every table (COMMENT ON TABLE; DuckLake keeps it as the tag "comment")
SELECT object_id, coalesce(value, '') AS comment
FROM __ducklake_metadata_lake.ducklake_tag
WHERE key = 'comment' AND end_snapshot IS NULL;
