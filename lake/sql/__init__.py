"""The lake's SQL kept in files (bookkeeping tables, the quarantine stage, catalog lookups)."""

from importlib.resources import files


def sql_file(name: str) -> str:
    """The text of the SQL file ``name`` kept in this package."""
    return files(__name__).joinpath(name).read_text(encoding="utf-8")
