"""``lakehouse dbt build|sources|check-bigquery``: the dbt warehouse from the command line."""

from __future__ import annotations

from pathlib import Path

import click

from lakehouse.cli.context import AppContext, json_option, pass_app

TARGET_CHOICE = click.Choice(["dev", "bigquery"])


@click.group("dbt")
def dbt() -> None:
    """Build the warehouse with dbt (dbt_project/ or your own project), keep its sources in step with the lake."""


PROJECT_DIR_OPTION = click.option(
    "--project-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="the dbt project to build (default: the dbt_project_dir setting, LAKEHOUSE_DBT_PROJECT_DIR)",
)


@dbt.command("init")
@click.argument("project_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "-t", "--table", "tables", multiple=True, help="lake table the project reads (repeatable; default all)"
)
@click.option("--force", is_flag=True, help="replace an existing profiles.yml, merge into models/sources.yml")
@json_option
@pass_app
def init_command(
    app: AppContext, project_dir: Path, tables: tuple[str, ...], force: bool, as_json: bool
) -> int:
    """Give an existing dbt project a profile on the lake and a sources.yml of lake tables."""
    from lakehouse.cli.output import print_json, print_table
    from warehouse.dbt.init import init_project

    report = init_project(app.settings, project_dir, tables=list(tables) or None, force=force)
    if as_json:
        print_json(report)
        return 0
    rows = [
        ("profile", f"{report.profile} (target dev) in {report.profiles_file}"),
        ("sources", f"lake: {', '.join(report.tables)} in {report.sources_file}"),
        ("replaced", ", ".join(str(p) for p in report.replaced) or "nothing"),
        (
            "next",
            f"read them as {{{{ source('lake', 'TABLE') }}}}; lakehouse dbt build --project-dir {project_dir}",
        ),
    ]
    print_table(["dbt init", str(report.project_dir)], rows)
    return 0


@dbt.command("build")
@PROJECT_DIR_OPTION
@click.option("-s", "--select", multiple=True, help="dbt node selection (repeatable), e.g. -s marts")
@click.option("--target", type=TARGET_CHOICE, default="dev", show_default=True, help="profile target")
@click.option("--full-refresh", is_flag=True, help="rebuild incremental models from scratch")
@json_option
@pass_app
def build_command(
    app: AppContext,
    project_dir: Path | None,
    select: tuple[str, ...],
    target: str,
    full_refresh: bool,
    as_json: bool,
) -> int:
    """Run `dbt build`: models, then their tests, in DAG order. Exit 1 when a model or test fails."""
    from lakehouse.cli.output import print_json, print_table, progress_bar
    from lakehouse.wiring.pipeline import build_warehouse

    settings = app.settings
    if project_dir is not None:
        settings = settings.with_values("--project-dir", dbt_project_dir=project_dir.absolute())
    with progress_bar(enabled=not as_json) as progress:
        report = build_warehouse(
            settings,
            select=list(select) or None,
            target=target,
            progress=progress,
            full_refresh=full_refresh,
        )
    summary = report.summary()
    if as_json:
        print_json(summary)
    else:
        rows = [
            (k, summary[k])
            for k in ("models_built", "tests_passed", "tests_failed", "tests_warned", "skipped")
        ]
        rows += [
            (
                "seconds (start-up + SQL)",
                f"{report.seconds:.1f} ({report.startup_seconds:.1f} + {report.sql_seconds:.1f})",
            )
        ]
        print_table(["dbt build", target], rows)
        if report.errors:
            print_table(
                ["failed", "status", "message"], [(n.name, n.status, n.message) for n in report.errors]
            )
    return 0 if report.success else 1


@dbt.command("sources")
@PROJECT_DIR_OPTION
@json_option
@pass_app
def sources_command(app: AppContext, project_dir: Path | None, as_json: bool) -> int:
    """Regenerate the lake sources (models/staging/sources.yml, or the models/sources.yml `dbt init` wrote)
    from the lake's schemas, keeping hand-written descriptions."""
    from lakehouse.cli.output import print_json, print_table
    from warehouse.dbt.sources import generate_sources

    settings = app.settings
    if project_dir is not None:
        settings = settings.with_values("--project-dir", dbt_project_dir=project_dir.absolute())
    report = generate_sources(settings)
    if as_json:
        print_json(report)
        return 0
    rows = [
        ("file", report.path),
        ("changed", "yes" if report.changed else "no"),
        ("tables", ", ".join(report.tables)),
        ("tables added", ", ".join(report.tables_added)),
        ("columns added", ", ".join(report.columns_added)),
        ("columns removed", ", ".join(report.columns_removed)),
        ("types changed", ", ".join(report.types_changed)),
        ("declared, not in lake", ", ".join(report.tables_not_in_lake)),
    ]
    print_table(["dbt sources", ""], [r for r in rows if r[1] != ""])
    return 0


@dbt.command("check-bigquery")
@click.option(
    "--manifest",
    type=click.Path(dir_okay=False, path_type=Path),
    help="default: dbt_project/target/manifest.json",
)
@json_option
@pass_app
def check_bigquery_command(app: AppContext, manifest: Path | None, as_json: bool) -> int:
    """Check SQL compiled for BigQuery (`dbt compile --target bigquery`) for DuckDB-only SQL. Exit 1 on problems."""
    from lakehouse.cli.output import print_json, print_table
    from lakehouse.errors import NotFoundError, UsageError
    from warehouse.dbt.bigquery_check import check_manifest, compiled_nodes

    path = manifest or app.settings.dbt_project_dir / "target" / "manifest.json"
    if not path.exists():
        raise NotFoundError(
            f"no dbt manifest at {path}", hint="run `cd dbt_project && dbt compile --target bigquery`"
        )
    if compiled_nodes(path) == 0:
        raise UsageError(
            f"{path} holds no compiled SQL", hint="run `dbt compile --target bigquery`, not `dbt parse`"
        )
    problems = check_manifest(path)
    if as_json:
        print_json({"manifest": path, "nodes": compiled_nodes(path), "problems": [str(p) for p in problems]})
    elif problems:
        print_table(["node", "problem"], [(p.node, p.message) for p in problems])
    else:
        print_table(["check-bigquery", ""], [("nodes checked", compiled_nodes(path)), ("problems", 0)])
    return 1 if problems else 0
