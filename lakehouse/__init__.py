"""Shared plumbing of the lakehouse toolkit: settings, the DuckDB connection factory, errors, the CLI.

Domain packages (``lake``, ``catalog``, ``quality``, ``warehouse``) build on this one; this package
never imports them at module level, so ``lakehouse --help`` starts fast.
"""

from lakehouse.errors import LakehouseError
from lakehouse.settings import Settings, load_settings

__all__ = ["LakehouseError", "Settings", "load_settings"]
__version__ = "0.1.0"
