-- The model registry: one row per trained model. The catalog reads this table as
-- lakehouse.contracts.RegisteredModel: keep its columns.
CREATE SCHEMA IF NOT EXISTS ml;
CREATE TABLE IF NOT EXISTS ml._models (
    name           VARCHAR PRIMARY KEY,  -- schema-qualified, e.g. ml.customer_segments
    model_type     VARCHAR NOT NULL,     -- a key of warehouse.ml.types.MODEL_TYPES
    options        JSON NOT NULL,        -- every option, defaults filled in
    features       JSON NOT NULL,        -- input columns with preprocessing statistics
    transform      VARCHAR,              -- the TRANSFORM clause (BigQuery SQL) or NULL
    training_query VARCHAR NOT NULL,     -- the AS query (BigQuery SQL)
    lake_snapshot  BIGINT,               -- the lake's snapshot id at training time, NULL without a lake
    metrics        JSON NOT NULL,        -- ML.EVALUATE of the training run (eval split if any)
    state          JSON NOT NULL,        -- model-type specifics: label, classes, dimensions, state tables
    created_at     TIMESTAMP NOT NULL DEFAULT current_timestamp
);
