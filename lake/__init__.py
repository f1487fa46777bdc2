"""Ingest: raw files (JSON, CSV, images) into the DuckLake lake; ``lake.sample`` generates sample raw data."""
