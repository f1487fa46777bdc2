-- Rejected records of the running ingest, collected per file, committed with the batch.
-- A table of the connection's in-memory database (not TEMP): readers staging files side by side on
-- cursors of the connection insert into it too.
CREATE OR REPLACE TABLE memory.main._quarantine_stage (
    dataset VARCHAR,
    batch_id VARCHAR,
    source_uri VARCHAR,
    source_line BIGINT,
    reason VARCHAR,
    raw VARCHAR,
    quarantined_at TIMESTAMP WITH TIME ZONE
);
