-- Rejected records of the running ingest, collected per file, committed with the batch.
CREATE OR REPLACE TEMP TABLE _quarantine_stage (
    dataset VARCHAR,
    batch_id VARCHAR,
    source_uri VARCHAR,
    source_line BIGINT,
    reason VARCHAR,
    raw VARCHAR,
    quarantined_at TIMESTAMP WITH TIME ZONE
);
