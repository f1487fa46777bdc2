"""The warehouse: DuckDB built by dbt from the lake, its SQL front end and BigQuery-ML-style models."""
