"""``lakehouse sample``: generate the deterministic sample raw data (CSV, nested NDJSON, images)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import click

from lakehouse.cli.context import AppContext, json_option, pass_app


@click.command()
@click.option(
    "--out", "out_dir", required=True, type=click.Path(path_type=Path), help="directory to write into"
)
@click.option(
    "--scale", type=float, default=1.0, show_default=True, help="1 is small (CI, ~9 MB); 100 is about 0.9 GB"
)
@click.option("--seed", type=int, help="random seed (default: the `seed` setting, 42)")
@click.option("--force", is_flag=True, help="write into a non-empty directory, replacing its dataset folders")
@json_option
@pass_app
def sample(
    app: AppContext, out_dir: Path, scale: float, seed: int | None, force: bool, as_json: bool
) -> None:
    """Generate sample raw data for a small retailer, with a few deliberately bad records."""
    from lake.sample import generate
    from lakehouse.cli.output import print_json, print_table, progress_bar

    with progress_bar(enabled=not as_json) as progress:
        result = generate(
            out_dir,
            scale=scale,
            seed=app.settings.seed if seed is None else seed,
            progress=progress,
            force=force,
        )
    if as_json:
        print_json(result)
        return
    files, size = Counter(f.dataset for f in result.files), Counter[str]()
    for f in result.files:
        size[f.dataset] += f.bytes
    bad = Counter(b.dataset for b in result.bad_records)
    rows = [
        (name, files[name], f"{rows:,}", bad[name], _human(size[name])) for name, rows in result.rows.items()
    ]
    print_table(
        ("dataset", "files", "rows", "bad", "size"),
        rows,
        title=f"sample in {result.out_dir} (seed {result.seed}, scale {result.scale:g})",
    )
    print_table(
        ("file", "line", "what is wrong"),
        [(b.path, b.line or "", b.problem) for b in result.bad_records],
        title="deliberately bad records",
    )


def _human(size: int) -> str:
    for unit, factor in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= factor:
            return f"{size / factor:,.1f} {unit}"
    return f"{size} B"
