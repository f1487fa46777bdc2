-- Which version of a model held the `default` alias, and since when (warehouse/ml/versions.py):
-- one row each time `default` moves (a new version, lakehouse ml promote, lakehouse ml rollback).
CREATE SCHEMA IF NOT EXISTS ml;
CREATE SEQUENCE IF NOT EXISTS ml._model_defaults_seq;
CREATE TABLE IF NOT EXISTS ml._model_defaults (
    seq     BIGINT NOT NULL DEFAULT nextval('ml._model_defaults_seq'),
    model   VARCHAR NOT NULL,    -- schema-qualified, e.g. ml.demo_segments
    version INTEGER NOT NULL,    -- the version that took `default`
    reason  VARCHAR NOT NULL,    -- created, promoted, rolled back, ...
    set_at  TIMESTAMP NOT NULL DEFAULT current_timestamp
);
