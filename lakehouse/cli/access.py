"""``lakehouse access``: compile the access policy to BigQuery, check what a principal sees of a table.

These are privileged (admin) commands: they read the policy and the raw schemas.
"""

from __future__ import annotations

from pathlib import Path

import click

from lakehouse.cli.context import AppContext, json_option, pass_app
from lakehouse.cli.principal import principal_of, principal_options
from lakehouse.errors import UsageError


@click.group()
def access() -> None:
    """Access rules (privileged): compile to BigQuery, check a principal's view of a table."""


@access.command("compile")
@click.option("--target", type=click.Choice(["bigquery"]), default="bigquery", show_default=True)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="write policy.sql and data_policies.json here",
)
@json_option
@pass_app
def compile_command(app: AppContext, target: str, out_dir: Path | None, as_json: bool) -> None:
    """Print (or write) row access policy DDL and Data Policy API definitions."""
    from catalog.access import compile_bigquery
    from lakehouse.cli.output import print_json

    compiled = compile_bigquery(app.settings)
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "policy.sql").write_text(compiled.ddl, encoding="utf-8")
        (out_dir / "data_policies.json").write_text(compiled.data_policies_json(), encoding="utf-8")
    if as_json:
        print_json({"target": target, "ddl": compiled.ddl, "data_policies": compiled.data_policies})
    elif out_dir is not None:
        click.echo(
            f"wrote {out_dir / 'policy.sql'} ({len(compiled.statements)} statements) and {out_dir / 'data_policies.json'}"
        )
    else:
        click.echo(compiled.ddl, nl=False)
        click.echo("-- Data Policy API definitions (JSON):")
        click.echo("\n".join("-- " + line for line in compiled.data_policies_json().splitlines()))


@access.command("check")
@principal_options
@click.argument("table")
@json_option
@pass_app
def check_command(
    app: AppContext,
    user: str | None,
    groups: tuple[str, ...],
    roles: tuple[str, ...],
    table: str,
    as_json: bool,
) -> None:
    """What a principal sees of TABLE: each column raw / masked / denied, and the row rules."""
    from catalog.access import check
    from lakehouse.cli.output import print_json, print_table

    principal = principal_of(user, groups, roles)
    if principal is None:
        raise UsageError("say whose access to check: --user U, --role R or --group G")
    result = check(app.settings, principal, table)
    if as_json:
        print_json(result)
        return
    if not result.readable:
        click.echo(f"{result.principal} may not read {result.table} (no grant)")
        return
    rows = [(c.name, c.type, c.kind, c.rule or "", c.policy_tag or "") for c in result.columns]
    print_table(
        ["column", "type", "access", "masking rule", "policy tag"],
        rows,
        title=f"{result.table} as {result.principal}",
    )
    click.echo(f"rows: {result.rows.describe}")
