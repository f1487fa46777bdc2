"""The wiring: where the domains meet (ingest → gate → lake commit → catalog; dbt → catalog; the demo).

It sits above the domain packages (``lake``, ``quality``, ``catalog``, ``warehouse``), which never
import each other, and below the CLI. Each function here takes settings and a progress callback,
calls the domains in order and returns their typed reports; it never prints.
"""
