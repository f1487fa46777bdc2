"""BigQuery ML on DuckDB: model types, preprocessing, the ML.* functions and the model registry."""
