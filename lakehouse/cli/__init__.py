"""The ``lakehouse`` command line: a thin layer that parses flags, calls one library function, renders.

Sub-commands are imported lazily (``COMMANDS`` maps a name to ``module:attribute``) so that
``lakehouse --help`` and light commands never pay for dbt, Great Expectations or sklearn imports.

Exit codes: 0 success, 1 a gate/check failed or the input is bad, 2 usage errors.
"""

from __future__ import annotations

import importlib
import logging
import sys
from typing import Any

import click

from lakehouse.cli.context import AppContext
from lakehouse.errors import LakehouseError, plain

#: name -> "module:attribute" of a click command or group; one line per command
COMMANDS: dict[str, tuple[str, str]] = {
    "access": (
        "lakehouse.cli.access:access",
        "access rules: compile to BigQuery, check what a principal sees",
    ),
    "catalog": ("lakehouse.cli.catalog:catalog_group", "search the catalog; show a dataset; refresh it"),
    "doctor": (
        "lakehouse.cli.doctor:doctor",
        "check the configuration end to end: extensions, catalog, storage",
    ),
    "demo": ("lakehouse.cli.demo:demo", "run the whole pipeline on generated sample data"),
    "sample": ("lakehouse.cli.sample:sample", "generate the sample raw data (JSON, CSV, images)"),
    "ingest": (
        "lakehouse.cli.ingest:ingest",
        "land JSON, CSV and image files in the lake (one atomic batch)",
    ),
    "lake": ("lakehouse.cli.lake:lake_group", "lake housekeeping (maintain) and the quarantine"),
    "ml": ("lakehouse.cli.ml:ml_group", "models: retrain on drift, promote only if better"),
    "dbt": ("lakehouse.cli.dbt:dbt", "build the warehouse with dbt, regenerate its lake sources"),
    "publish": ("lakehouse.cli.publish:publish", "publish the lake to BigQuery (Parquet + load jobs)"),
    "sql": ("lakehouse.cli.sql:sql", "run BigQuery SQL (BigQuery ML included) on the warehouse"),
    "ui": ("lakehouse.cli.ui:ui", "the web page on 127.0.0.1: search, datasets, lineage, models, SQL"),
    "quality": (
        "lakehouse.cli.quality:quality",
        "check tables against the GX suites, build Data Docs, suggest suites",
    ),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module_name, attr = COMMANDS[cmd_name][0].split(":")
        command = getattr(importlib.import_module(module_name), attr)
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][1]) for name in sorted(COMMANDS)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--home",
    type=click.Path(file_okay=False),
    help="LAKEHOUSE_HOME: lake, warehouse, catalog (default ./data)",
)
@click.option("--threads", type=int, help="DuckDB threads")
@click.option("--memory-limit", help="DuckDB memory limit, e.g. 4GB")
@click.option(
    "--dbt-project-dir",
    type=click.Path(file_okay=False),
    help="LAKEHOUSE_DBT_PROJECT_DIR: the dbt project (default ./dbt_project)",
)
@click.option(
    "--quality-suites-dir",
    type=click.Path(file_okay=False),
    help="LAKEHOUSE_QUALITY_SUITES_DIR: the GX suites (default ./quality/expectations)",
)
@click.option(
    "--policy-file",
    type=click.Path(dir_okay=False),
    help="LAKEHOUSE_POLICY_FILE: the access policy (default ./catalog/policy.yml)",
)
@click.option(
    "--metadata-file",
    type=click.Path(dir_okay=False),
    help="LAKEHOUSE_METADATA_FILE: the catalog's business metadata (default ./catalog/metadata.yml)",
)
@click.option("--debug", is_flag=True, help="show tracebacks")
@click.option("-v", "--verbose", count=True, help="more log output (-vv for debug)")
@click.version_option(package_name="lakehouse-toolkit")
@click.pass_context
def cli(ctx: click.Context, debug: bool, verbose: int, **overrides: str | int | None) -> None:
    """A data lakehouse on one laptop: DuckLake lake, catalog, access rules, quality gates, dbt, BigQuery ML SQL.

    Settings: flag > LAKEHOUSE_* environment variable > lakehouse.toml (in the current directory, or
    LAKEHOUSE_CONFIG) > default; project files default to the layout of the folder holding lakehouse.toml.
    """
    level = logging.DEBUG if (verbose > 1 or debug) else logging.INFO if verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    ctx.obj = AppContext(overrides=dict(overrides), debug=debug)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: one clear line per error, a traceback only with --debug."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        result: Any = cli.main(args=args, prog_name="lakehouse", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2 if isinstance(exc, click.UsageError) else exc.exit_code)
    except LakehouseError as exc:
        if debug:
            raise
        from lakehouse.cli.output import error

        error(str(exc))
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # a bug or an unexpected library error: still one line unless --debug
        if debug:
            raise
        from lakehouse.cli.output import error

        first = plain(str(exc).strip().split("\n")[0])  # DuckDB and sqlglot messages run over lines
        error(f"{type(exc).__name__}: {first} (run with --debug for the traceback)")
        sys.exit(1)
    sys.exit(result if isinstance(result, int) else 0)
