"""``lakehouse demo``: the whole pipeline on generated sample data, with a short report per step."""

from __future__ import annotations

import click

from lakehouse.cli.context import AppContext, json_option, pass_app


@click.command()
@click.option("--scale", type=float, default=1.0, show_default=True, help="size of the generated sample")
@json_option
@pass_app
def demo(app: AppContext, scale: float, as_json: bool) -> int:
    """Generate sample data into LAKEHOUSE_HOME, ingest it, gate it, build the warehouse, train and score a
    k-means model, search the catalog and query as two roles. Safe to run again: landed files are skipped.

    Uses this folder's dbt project, suites, policy and metadata where the settings find them, and the sample
    project bundled with the package (copied into HOME/sample_project) for the rest."""
    from lakehouse.cli.output import console, print_json, progress_bar
    from lakehouse.wiring.demo import run_demo

    with progress_bar(enabled=not as_json) as progress:
        report = run_demo(app.loaded, scale=scale, progress=progress)
    if as_json:
        print_json(report)
    else:
        console.print(f"[bold]lakehouse demo[/] in {report.home}")
        if report.sample_project is not None:
            console.print(report.sample_project.describe(), highlight=False, soft_wrap=True)
        for step in report.steps:
            mark = "[green]✓[/]" if step.ok else "[red]✗[/]"
            console.print(f"{mark} [bold]{step.name}[/] ({step.seconds:.1f} s)")
            for line in step.lines:
                console.print(f"    {line}", highlight=False)
        verdict = "[green]all steps passed[/]" if report.ok else "[red]a step failed[/]"
        console.print(f"{verdict} in {report.seconds:.1f} s")
    return 0 if report.ok else 1
