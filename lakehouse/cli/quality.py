"""``lakehouse quality check|docs|suggest``: validate tables with the GX suites, build Data Docs, draft suites."""

from __future__ import annotations

import click

from lakehouse.cli.context import AppContext, json_option, pass_app
from lakehouse.cli.output import console, print_json, print_table, progress_bar, to_jsonable, warn

ENGINES = click.Choice(["auto", "gx", "sql"])


@click.group("quality")
def quality() -> None:
    """Great Expectations quality gates: check tables, build Data Docs, suggest suites."""


@quality.command("check")
@click.argument("datasets", nargs=-1)
@click.option(
    "--engine", type=ENGINES, default="auto", show_default=True, help="where to validate (auto: by size)"
)
@json_option
@pass_app
def check_command(app: AppContext, datasets: tuple[str, ...], engine: str, as_json: bool) -> int:
    """Validate lake tables and warehouse models (all with a suite, or DATASET...); exit 1 on a critical failure."""
    import quality

    with progress_bar(enabled=not as_json) as progress:
        results = quality.check(app.settings, list(datasets) or None, progress=progress, engine=engine)  # type: ignore[arg-type]
    failed = any(not r.passed for r in results)
    if as_json:
        print_json([{**to_jsonable(r), "passed": r.passed} for r in results])
        return 1 if failed else 0
    if not results:
        warn("nothing to check: no suite has a table yet (ingest data or build the warehouse first)")
        return 0
    rows = [
        (
            r.dataset,
            r.suite,
            r.checks,
            _count(r, "critical"),
            _count(r, "warning"),
            "FAILED" if not r.passed else "passed",
        )
        for r in results
    ]
    print_table(
        ["dataset", "suite", "checks", "critical failed", "warnings", "status"], rows, title="quality check"
    )
    for r in results:
        for line in quality.describe_failures(r):
            console.print(
                line,
                style="red" if ": critical " in line else "yellow",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
    return 1 if failed else 0


@quality.command("docs")
@json_option
@pass_app
def docs_command(app: AppContext, as_json: bool) -> None:
    """Build GX Data Docs (HTML) from the suites and stored results; print the index path."""
    import quality

    path = quality.build_docs(app.settings)
    print_json({"index": str(path)}) if as_json else click.echo(str(path))


@quality.command("suggest")
@click.argument("dataset")
@click.option("--relation", help="table to profile (default lake.DATASET)")
@json_option
@pass_app
def suggest_command(app: AppContext, dataset: str, relation: str | None, as_json: bool) -> None:
    """Profile a table and write a starter suite for a human to review (under HOME/quality/suggested/)."""
    import quality

    path = quality.suggest(app.settings, dataset, relation=relation)
    print_json({"suite": str(path)}) if as_json else click.echo(str(path))


def _count(result: object, severity: str) -> int:
    return sum(1 for f in getattr(result, "failures", []) if f.severity == severity)
