"""``lakehouse lake maintain|quarantine``: housekeeping and the quarantine (thin layer over ``lake``)."""

from __future__ import annotations

import datetime as dt

import click

from lakehouse.cli.context import AppContext, json_option, pass_app


@click.group("lake")
def lake_group() -> None:
    """Lake housekeeping and the quarantine."""


@lake_group.command("maintain")
@click.option(
    "--keep-days", type=float, default=7.0, show_default=True, help="expire snapshots older than this"
)
@click.option(
    "--orphan-hours",
    type=float,
    default=1.0,
    show_default=True,
    help="delete unreferenced files older than this",
)
@json_option
@pass_app
def maintain(app: AppContext, keep_days: float, orphan_hours: float, as_json: bool) -> None:
    """Flush inlined rows, compact small files, expire old snapshots, delete orphaned files.

    Snapshots that kept model versions were trained on are never expired (listed in the report)."""
    from lakehouse.cli.output import print_json, print_table
    from lakehouse.wiring.maintenance import maintain as maintain_lake

    report = maintain_lake(
        app.settings, keep=dt.timedelta(days=keep_days), orphan_age=dt.timedelta(hours=orphan_hours)
    )
    if as_json:
        print_json(report)
        return
    print_table(["step", "result rows"], list(report.steps.items()), title="lake maintenance")
    click.echo(f"snapshots: {report.snapshots_before} -> {report.snapshots_after} ({report.seconds:.1f}s)")
    for kept in report.kept_for_models:
        read = f" ({kept.table})" if kept.table else ""
        click.echo(
            f"kept snapshot {kept.snapshot}{read}: model {kept.model} version {kept.version} was trained on it"
        )


@lake_group.command("quarantine")
@click.argument("dataset", required=False)
@click.option("--batch", "batch_id", help="only this batch")
@click.option("--limit", type=int, default=50, show_default=True)
@json_option
@pass_app
def quarantine(app: AppContext, dataset: str | None, batch_id: str | None, limit: int, as_json: bool) -> None:
    """List quarantined records (newest first): source, line, reason, raw text."""
    import lake
    from lakehouse.cli.output import print_json, print_table

    if dataset is not None:
        lake.validate_dataset(dataset)
    records = lake.list_quarantine(app.settings, dataset, batch_id=batch_id, limit=limit)
    if as_json:
        print_json(records)
        return
    rows = [
        (r.dataset, r.source_uri.rsplit("/", 1)[-1], r.source_line, r.reason, (r.raw or "")[:80])
        for r in records
    ]
    print_table(["dataset", "file", "line", "reason", "raw"], rows, title="lake._quarantine")
