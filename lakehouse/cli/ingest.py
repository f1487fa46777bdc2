"""``lakehouse ingest PATH... --dataset NAME``: land files in the lake behind the quality gate, then
update the catalog (``lakehouse.wiring.pipeline.ingest``)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import click

from lakehouse.cli.context import AppContext, json_option, pass_app
from lakehouse.errors import InputError, UsageError

if TYPE_CHECKING:
    from lake import IngestReport

log = logging.getLogger(__name__)


def parse_schema(items: tuple[str, ...]) -> dict[str, str] | None:
    schema: dict[str, str] = {}
    for item in items:
        name, sep, type_ = item.partition("=")
        if not sep or not name.strip() or not type_.strip():
            raise UsageError(
                f"bad --schema {item!r}", hint="use --schema COLUMN=TYPE, e.g. --schema zip=VARCHAR"
            )
        schema[name.strip()] = type_.strip()
    return schema or None


def parse_date_formats(items: tuple[str, ...]) -> dict[str, str] | None:
    formats: dict[str, str] = {}
    for item in items:
        name, sep, fmt = item.partition("=")
        if not sep or not name.strip() or not fmt.strip():
            raise UsageError(
                f"bad --date-format {item!r}",
                hint="use --date-format COLUMN=FORMAT, e.g. --date-format day=%d/%m/%Y or ts=epoch",
            )
        formats[name.strip()] = fmt.strip()
    return formats or None


def render(report: IngestReport, as_json: bool) -> None:
    """The report on stdout (a table, or JSON); warnings on stderr either way."""
    from lakehouse.cli.output import print_json, print_table, warn

    if as_json:
        print_json({**report.summary(), **_details(report)})
    else:
        rows = [
            (
                _name(f.uri),
                f.status,
                f.rows_read,
                f.rows_landed,
                f.rows_quarantined,
                f.rows_skipped,
                f.reason or "",
            )
            for f in report.files
        ]
        columns = ["file", "status", "read", "landed", "quarantined", "skipped", "note"]
        print_table(columns, rows, title=f"lake.{report.dataset}")
    for f in report.files:
        if f.status == "quarantined":
            warn(f"{_name(f.uri)}: quarantined: {f.reason}")
        elif f.rows_quarantined:
            warn(
                f"{_name(f.uri)}: {f.rows_quarantined:,} of {f.rows_read:,} records quarantined "
                f"(lakehouse lake quarantine {report.dataset})"
            )
    for change in report.schema_changes:
        if change.change != "created":
            warn(f"schema change in lake.{report.dataset}: {change.describe()}")
    for text in report.warnings:
        warn(text)
    if report.gate_skipped:
        warn("the quality gate did not run for this batch")
    if report.gate is not None and report.gate.failures:
        from quality import describe_failures  # counts and a few failing values per expectation

        for line in describe_failures(report.gate):
            warn(line)
    for column, markers in report.null_markers.items():
        counts = ", ".join(f"{n:,} {marker!r}" for marker, n in markers.items())
        warn(f"null markers in {column}: {counts} read as NULL")
    s = report.summary()
    state = f"committed snapshot {report.snapshot_id}" if report.committed else "nothing committed"
    if not report.rows_landed:
        state = "nothing landed" + (
            f" (snapshot {report.snapshot_id} holds the quarantine)" if report.committed else ""
        )
        outcome = (
            f"{s['rows_quarantined']:,} quarantined, {s['rows_skipped']:,} skipped of {s['rows_read']:,} read"
        )
    else:
        outcome = (
            f"{s['rows_landed']:,} rows landed, {s['rows_quarantined']:,} quarantined, "
            f"{s['rows_skipped']:,} skipped of {s['rows_read']:,} read"
        )
    click.echo(f"{state}: {outcome} ({report.bytes / 1e6:,.1f} MB in {s['seconds']}s)", err=as_json)


def _name(uri: str) -> str:
    return uri.rsplit("/", 1)[-1]


def _details(report: IngestReport) -> dict[str, object]:
    from lakehouse.cli.output import to_jsonable

    data = to_jsonable(report)
    assert isinstance(data, dict)
    return data


@click.command("ingest")
@click.argument("paths", nargs=-1, required=True)
@click.option("--dataset", "-d", required=True, help="the lake table: lake.<dataset>")
@click.option(
    "--format", "fmt", type=click.Choice(["auto", "json", "csv", "image"]), default="auto", show_default=True
)
@click.option(
    "--mode", type=click.Choice(["append", "replace", "merge"]), default="append", show_default=True
)
@click.option("--key", help="merge key column (with --mode merge)")
@click.option("--partition-by", help="e.g. 'year(event_time)' or 'country, month(order_time)'")
@click.option("--encoding", help="CSV text encoding (default: detected; utf-8, cp1252, latin-1 …)")
@click.option(
    "--schema", "schema_items", multiple=True, metavar="COL=TYPE", help="type override (repeatable)"
)
@click.option(
    "--null-marker",
    "null_markers",
    multiple=True,
    metavar="TEXT",
    help="text meaning NULL in number/date/boolean columns, replacing NA, N/A, NaN, null, NULL, None, - (repeatable)",
)
@click.option(
    "--date-format",
    "date_format_items",
    multiple=True,
    metavar="COL=FMT",
    help="a column's date format: strptime (%d/%m/%Y, %b %d %Y …) or epoch, epoch_ms, epoch_us (repeatable)",
)
@click.option("--no-gate", is_flag=True, help="skip the quality gate (recorded in the report)")
@json_option
@pass_app
def ingest(
    app: AppContext,
    paths: tuple[str, ...],
    dataset: str,
    fmt: str,
    mode: str,
    key: str | None,
    partition_by: str | None,
    encoding: str | None,
    schema_items: tuple[str, ...],
    null_markers: tuple[str, ...],
    date_format_items: tuple[str, ...],
    no_gate: bool,
    as_json: bool,
) -> None:
    """Land JSON, CSV or image files (files, folders, globs; .gz/.zst) in lake.<dataset> in one commit."""
    import lake
    from lakehouse.cli.output import progress_bar, warn

    lake.validate_dataset(dataset)
    settings = app.settings
    if no_gate:
        warn("--no-gate: this batch lands without quality checks")
    from lakehouse.wiring.pipeline import ingest as ingest_batch

    try:
        with progress_bar(not as_json) as progress:
            report = ingest_batch(
                settings,
                list(paths),
                dataset,
                format=fmt,
                mode=mode,
                key=key,
                partition_by=partition_by,
                encoding=encoding,
                schema=parse_schema(schema_items),
                null_markers=list(null_markers) if null_markers else None,
                date_formats=parse_date_formats(date_format_items),
                gate=not no_gate,
                progress=progress,
            )
    except lake.BatchRejected as exc:
        render(exc.report, as_json)
        raise
    render(report, as_json)
    if report.rows_landed == 0 and report.rows_quarantined > 0:
        whole = [f.reason for f in report.files if f.status == "quarantined" and f.reason]
        why = f" ({whole[0]})" if len(whole) == 1 else ""
        raise InputError(
            f"nothing landed in lake.{dataset}: all {report.rows_quarantined:,} records were quarantined{why}",
            hint=f"see: lakehouse lake quarantine {dataset} --batch {report.batch_id}",
        )
