"""Rendering for the CLI: JSON for scripts, rich tables and progress bars for people.

Only the CLI imports this module; the library returns data and never prints.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import json
import logging
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from lakehouse.errors import plain
from lakehouse.progress import ProgressCallback, ProgressEvent

console = Console()
err_console = Console(stderr=True)
log = logging.getLogger("lakehouse")


def to_jsonable(value: Any) -> Any:
    """Turn reports (dataclasses, pydantic models, paths, dates, decimals) into JSON values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if hasattr(value, "model_dump"):
        return to_jsonable(value.model_dump())
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, float) and value != value:  # NaN
        return None
    return value


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(to_jsonable(value), indent=2, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def table(columns: Sequence[str], rows: Sequence[Sequence[Any]], *, title: str | None = None) -> Table:
    """Names and values shown as they are: rich markup (``[b]``) and emoji codes (``:x:``) in data are text."""
    heading = Text(title, style="table.title") if title else None  # the style rich gives a plain title
    out = Table(title=heading, show_lines=False, header_style="bold")
    for name in columns:
        out.add_column(Text(str(name)), overflow="fold")
    for row in rows:
        out.add_row(*[Text("" if v is None else str(v)) for v in row])
    return out


def print_table(columns: Sequence[str], rows: Sequence[Sequence[Any]], *, title: str | None = None) -> None:
    console.print(table(columns, rows, title=title))


def error(message: str) -> None:
    """One line on stderr: escape codes inside ``message`` removed, its brackets shown as typed."""
    err_console.print(f"[bold red]error:[/] {escape(plain(message))}", highlight=False, soft_wrap=True)


def warn(message: str) -> None:
    err_console.print(f"[yellow]warning:[/] {message}", highlight=False, soft_wrap=True)


@contextmanager
def progress_bar(enabled: bool = True) -> Iterator[ProgressCallback]:
    """A progress callback: a rich bar on a terminal, debug log lines otherwise."""
    if not (enabled and err_console.is_terminal):

        def log_event(event: ProgressEvent) -> None:
            total = f"/{event.total:g}" if event.total is not None else ""
            log.info("%s: %g%s %s %s", event.task, event.done, total, event.unit, event.message)

        yield log_event
        return
    from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn  # only on a terminal

    bar = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,.0f}/{task.total:,.0f} {task.fields[unit]}"),
        TextColumn("{task.fields[message]}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    )
    tasks: dict[str, TaskID] = {}

    def on_event(event: ProgressEvent) -> None:
        if event.task not in tasks:
            tasks[event.task] = bar.add_task(event.task, total=event.total, unit=event.unit, message="")
        bar.update(tasks[event.task], completed=event.done, total=event.total, message=event.message)

    with bar:
        yield on_event
