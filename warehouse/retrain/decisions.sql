-- The retrain decisions: one row per `lakehouse ml retrain` run (warehouse/retrain/loop.py).
CREATE SCHEMA IF NOT EXISTS ml;
CREATE TABLE IF NOT EXISTS ml._retrain_decisions (
    model         VARCHAR NOT NULL,     -- schema-qualified, e.g. ml.demo_segments
    decided_at    TIMESTAMP NOT NULL DEFAULT current_timestamp,
    retrained     BOOLEAN NOT NULL,     -- a challenger was trained (drift found, or --force)
    promoted      BOOLEAN NOT NULL,     -- the challenger replaced the champion
    reason        VARCHAR NOT NULL,
    metric        VARCHAR,              -- the ML.EVALUATE column compared
    margin        DOUBLE NOT NULL,
    champion      JSON NOT NULL,        -- {version, name (where it is kept now), metrics on the hold-out}
    challenger    JSON NOT NULL,
    drifted       JSON NOT NULL,        -- the ML.VALIDATE_DATA_SKEW rows that were anomalies
    thresholds    JSON NOT NULL,        -- the STRUCT given to ML.VALIDATE_DATA_SKEW
    lake_snapshot BIGINT                -- the lake's snapshot the current data was read at
);
