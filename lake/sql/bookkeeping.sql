-- The lake's own tables, created on first ingest. They live in the lake, so a batch's rows, its
-- quarantined records, its file hashes and its schema changes commit in one DuckLake transaction.
CREATE TABLE IF NOT EXISTS lake.main._quarantine (
    dataset VARCHAR,
    batch_id VARCHAR,
    source_uri VARCHAR,
    source_line BIGINT,
    reason VARCHAR,
    raw VARCHAR,
    quarantined_at TIMESTAMP WITH TIME ZONE
);
CREATE TABLE IF NOT EXISTS lake.main._files (
    dataset VARCHAR,
    sha256 VARCHAR,
    source_uri VARCHAR,
    bytes BIGINT,
    rows_read BIGINT,
    batch_id VARCHAR,
    landed_at TIMESTAMP WITH TIME ZONE
);
CREATE TABLE IF NOT EXISTS lake.main._schema_changes (
    dataset VARCHAR,
    batch_id VARCHAR,
    column_name VARCHAR,
    change VARCHAR,
    old_type VARCHAR,
    new_type VARCHAR,
    changed_at TIMESTAMP WITH TIME ZONE
);
CREATE TABLE IF NOT EXISTS lake.main._columns (
    dataset VARCHAR,
    column_name VARCHAR,
    source_name VARCHAR,
    batch_id VARCHAR
);
CREATE TABLE IF NOT EXISTS lake.main._null_markers (
    dataset VARCHAR,
    column_name VARCHAR,
    marker VARCHAR,
    values_nulled BIGINT,
    batch_id VARCHAR
);
