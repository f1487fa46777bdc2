"""``lakehouse publish --target bigquery``: load the lake, at one snapshot, into BigQuery."""

from __future__ import annotations

import click

from lakehouse.cli.context import AppContext, json_option, pass_app


@click.command("publish")
@click.option("--target", type=click.Choice(["bigquery"]), required=True, help="where to publish")
@click.option("--project", help="BigQuery project (setting bigquery.project, LAKEHOUSE_BQ_PROJECT)")
@click.option(
    "--dataset", help="the lake's dataset (setting bigquery.lake_dataset, LAKEHOUSE_BQ_LAKE_DATASET; lake)"
)
@click.option("--location", help="dataset location (setting bigquery.location, LAKEHOUSE_BQ_LOCATION; US)")
@click.option("--table", "tables", multiple=True, help="only this lake table (repeatable; default all)")
@click.option("--snapshot", type=int, help="DuckLake snapshot id (default: the latest)")
@click.option(
    "--write-disposition",
    type=click.Choice(["truncate", "append", "empty"]),
    default="truncate",
    show_default=True,
    help="replace the tables, append to them, or refuse to write into non-empty ones",
)
@json_option
@pass_app
def publish(
    app: AppContext,
    target: str,
    project: str | None,
    dataset: str | None,
    location: str | None,
    tables: tuple[str, ...],
    snapshot: int | None,
    write_disposition: str,
    as_json: bool,
) -> int:
    """Export lake tables at one snapshot to Parquet and load them with BigQuery load jobs."""
    from lakehouse.cli.output import print_json, print_table, progress_bar
    from warehouse.publish import publish as run_publish

    with progress_bar(enabled=not as_json) as progress:
        report = run_publish(
            app.settings,
            target,
            tables=list(tables) or None,
            snapshot=snapshot,
            project=project,
            dataset=dataset,
            location=location,
            write_disposition=write_disposition,
            progress=progress,
        )
    if as_json:
        print_json(report)
        return 0
    rows = [
        (t.destination, t.rows, t.bytes, t.partition or "", ", ".join(t.clustering), t.job_id)
        for t in report.tables
    ]
    print_table(
        ["table", "rows", "bytes", "partitioned by", "clustered by", "job"],
        rows,
        title=f"published lake snapshot {report.snapshot} to {report.dataset} in {report.seconds:.1f}s",
    )
    return 0
