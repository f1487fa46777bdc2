"""``lakehouse catalog search|show|refresh``: thin wrappers over the ``catalog`` package."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import click

from lakehouse.cli.context import AppContext, json_option, pass_app
from lakehouse.cli.principal import principal_of, principal_options
from lakehouse.settings import Settings

if TYPE_CHECKING:  # the CLI imports catalog and rich lazily, when a command runs
    from rich.table import Table

    from catalog.model import ColumnStats
    from catalog.search import SearchHit
    from catalog.view import CatalogView


def visibility(
    settings: Settings, user: str | None, groups: tuple[str, ...], roles: tuple[str, ...]
) -> CatalogView | None:
    """The catalog view of the principal the flags name (policy resolved once), or None for everything."""
    principal = principal_of(user, groups, roles)
    if principal is None:
        return None
    from catalog.access import visibility as principal_visibility  # start-up time: only with a principal

    return principal_visibility(settings, principal)


@click.group("catalog")
def catalog_group() -> None:
    """Find datasets, columns and models; show their schema, stats, PII, lineage and quality."""


@catalog_group.command("search")
@click.argument("query", nargs=-1)
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 1000), help="hits to show")
@click.option("--explain", is_flag=True, help="show why each hit ranked where it did")
@principal_options
@json_option
@pass_app
def search_command(
    app: AppContext,
    query: tuple[str, ...],
    limit: int,
    explain: bool,
    user: str | None,
    groups: tuple[str, ...],
    roles: tuple[str, ...],
    as_json: bool,
) -> None:
    """Search with QUERY: words (all matched first, then most; AND requires every one), "phrases", prefix*,
    -exclude, OR, name: column: description: tag: owner:, type=table|column|model|image, layer=, pii=true,
    quality=failing, updated>2026-01-01. Nothing found: a "did you mean" query."""
    import catalog
    from lakehouse.cli.output import console, print_json, warn

    view = visibility(app.settings, user, groups, roles)
    result = catalog.search(app.settings, " ".join(query), limit=limit, explain=explain, view=view)
    if as_json:
        print_json(result)
        return
    for message in result.warnings:
        warn(message)
    more = "" if result.total_exact else "+"
    console.print(
        hit_table(result.hits, f"{len(result.hits)} of {result.total}{more} hits for {result.parsed}")
    )
    facets = "  ".join(
        f"{k}: " + ", ".join(f"{v}={n}" for v, n in sorted(c.items())) for k, c in result.facets.items() if c
    )
    if facets:
        console.print(facets, highlight=False)
    if result.suggestion:
        console.print(f"did you mean: {result.suggestion}", highlight=False)
    if explain:
        for hit in result.hits:
            name = f"{hit.name}.{hit.column}" if hit.column else hit.name
            console.print(
                f"[bold]{name}[/] score {hit.score}: " + "; ".join(hit.explanation), highlight=False
            )


DESCRIPTION_CHARS = 60  # a hit's description is cut here (with an ellipsis); --json keeps all of it
COLUMNS_SHOWN = 4  # matching columns listed under a dataset hit


def _cut(text: str, size: int = DESCRIPTION_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= size else text[: size - 1].rstrip() + "…"


def _details(hit: SearchHit) -> str:
    """One line about the hit (two with matching columns): what a reader needs to pick it."""
    if hit.column:
        column = hit.matching_columns[0]
        parts = [column.type, f"pii:{column.pii}" if column.pii else "", _cut(column.description, 40)]
        return "  ".join(p for p in parts if p)
    line = _cut(hit.description)
    if hit.matching_columns:
        listed = [c.name + (f" (pii:{c.pii})" if c.pii else "") for c in hit.matching_columns[:COLUMNS_SHOWN]]
        extra = len(hit.matching_columns) - COLUMNS_SHOWN
        line += "\n↳ " + ", ".join(listed) + (f" +{extra} more" if extra > 0 else "")
    return line


def hit_table(hits: Sequence[SearchHit], title: str) -> Table:
    """Search hits for a terminal: names are never wrapped; details are cut with an ellipsis instead.

    Column hits show the column's type, PII kind and description; dataset hits their description and
    matching columns. The table has no vertical rules, so 80 columns leave room for the details.
    """
    from rich import box
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title, box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False, title_justify="left")
    names = [f"{h.name}.{h.column}" if h.column else h.name for h in hits]
    fixed = {"name": names, "layer": [h.layer for h in hits], "quality": [h.quality for h in hits]}
    if any(not h.column for h in hits):  # every column hit is of type "column": no need to say so
        fixed = {"name": names, "type": [h.kind for h in hits], **dict(list(fixed.items())[1:])}
    for header, values in fixed.items():  # these keep their full width; only the details give way
        table.add_column(header, no_wrap=True, min_width=max(len(header), *map(len, values), 0))
    table.add_column("details", overflow="ellipsis", min_width=12)  # wrappable so the table can shrink it
    for i, hit in enumerate(hits):
        details = Text(_details(hit), no_wrap=True, overflow="ellipsis")
        table.add_row(*(values[i] for values in fixed.values()), details)
    return table


@catalog_group.command("show")
@click.argument("name")
@principal_options
@json_option
@pass_app
def show_command(
    app: AppContext,
    name: str,
    user: str | None,
    groups: tuple[str, ...],
    roles: tuple[str, ...],
    as_json: bool,
) -> None:
    """Schema with stats and PII flags, lineage up and down, quality, schema history, an example query."""
    import catalog
    from lakehouse.cli.output import console, print_json, print_table

    info = catalog.show(app.settings, name, view=visibility(app.settings, user, groups, roles))
    if as_json:
        print_json(info)
        return
    d = info.dataset
    console.print(f"[bold]{d.name}[/]  {d.kind}, layer {d.layer}, source {d.source}", highlight=False)
    for label, value in (("description", d.description), ("owner", d.owner), ("tags", ", ".join(d.tags)),
                         ("rows", d.row_count if info.withheld is None else info.withheld),
                         ("updated", d.updated_at), ("snapshot", d.snapshot_id)):  # fmt: skip
        if value not in (None, ""):
            console.print(f"  {label}: {value}", highlight=False)
    for key in SHOWN_PROPERTIES:
        if d.properties.get(key) not in (None, "", [], {}):
            console.print(f"  {key.replace('_', ' ')}: {_plain(d.properties[key])}", highlight=False)
    q = d.quality
    console.print(f"  quality: {q.label} ({q.checks} checks, {q.failed_critical} critical and {q.failed_warning} "
                  f"warning failures, {q.validated_at})" if q else "  quality: not validated", highlight=False)  # fmt: skip
    rows = [[c.name, c.type, *_stats(c.stats), f"{c.pii.kind} {c.pii.confidence:.2f} ({c.pii.source})" if c.pii else "",
             c.description[:50]] for c in d.columns]  # fmt: skip
    headers = ["column", "type", "nulls", "distinct", "min", "max", "pii", "description"]
    if any(c.original_name for c in d.columns):  # names normalized at ingest: show what the files called them
        headers.append("source name")
        rows = [[*row, c.original_name or ""] for row, c in zip(rows, d.columns, strict=True)]
    print_table(headers, rows, title="schema")
    if info.hidden_columns:
        console.print(f"  ({info.hidden_columns} columns hidden by access rules)", highlight=False)
    for reason in sorted({c.stats.withheld for c in d.columns if c.stats.withheld}):
        console.print(f"  statistics {reason}", highlight=False)
    if d.versions:
        print_table(["version", "aliases", "stored as", "created", "decision", "reason"],
                    [[v.version, ", ".join(v.aliases), v.stored_as, v.created_at, v.decision or "", v.reason or ""]
                     for v in d.versions], title="versions (default serves)")  # fmt: skip
    upstream = [[e.upstream, e.via] for e in info.upstream]
    downstream = [[e.downstream, e.via] for e in info.downstream]
    if upstream:
        print_table(["upstream", "via"], upstream, title="lineage up")
    if downstream:
        print_table(["downstream", "via"], downstream, title="lineage down")
    if info.schema_history:
        print_table(["snapshot", "when", "change", "column", "type", "detail", "source"],
                    [[h.snapshot_id, h.changed_at, h.change, h.column, _types(h.old_type, h.new_type), h.detail,
                      h.source] for h in info.schema_history],
                    title="schema history")  # fmt: skip
    console.print(f"example: {info.example_query}", highlight=False)


#: dataset properties worth a line in `catalog show` (dbt and ML facts), in this order
SHOWN_PROPERTIES = (
    "materialized",
    "columns_from",
    "documented_not_in_warehouse",
    "path",
    "tests",
    "model_type",
    "options",
    "metrics",
    "lake_snapshot",
    "training_query",
)


def _plain(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(map(str, value))
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    return " ".join(str(value).split())


def _stats(stats: ColumnStats) -> list[Any]:
    """Cells for nulls, distinct, min and max (``withheld`` when the principal may not see them)."""
    if stats.withheld:
        return ["withheld"] * 4
    return [_pct(stats.null_fraction), stats.distinct_count, stats.min, stats.max]


def _types(old: str | None, new: str | None) -> str:
    """A schema change's types: ``BIGINT → DOUBLE``, ``→ VARCHAR`` (added), ``BIGINT →`` (dropped)."""
    return "" if old is None and new is None else f"{old or ''} → {new or ''}".strip()


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value:.1%}"


@catalog_group.command("refresh")
@click.option("--dataset", "datasets", multiple=True, help="refresh only these lake datasets (repeatable)")
@json_option
@pass_app
def refresh_command(app: AppContext, datasets: tuple[str, ...], as_json: bool) -> None:
    """Rebuild the catalog from the lake, dbt artifacts, ML models, quality results and catalog/metadata.yml."""
    import catalog
    from lakehouse.cli.output import console, print_json, progress_bar, warn

    with progress_bar(not as_json) as progress:
        report = catalog.refresh(app.settings, datasets=list(datasets) or None, progress=progress)
    if as_json:
        print_json(report)
        return
    for message in report.warnings:
        warn(message)
    sources = ", ".join(f"{n} from {s}" for s, n in report.sources.items())
    console.print(f"catalog: {report.datasets} datasets ({sources}), {report.columns} columns, "
                  f"{report.pii_columns} PII columns, {report.lineage_edges} lineage edges in {report.seconds:.2f} s",
                  highlight=False)  # fmt: skip
