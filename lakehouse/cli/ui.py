"""``lakehouse ui``: the web page on 127.0.0.1 (read-only; as a principal with --user/--group/--role)."""

from __future__ import annotations

import click

from lakehouse.cli.context import AppContext, pass_app
from lakehouse.cli.principal import principal_of, principal_options


@click.command("ui")
@click.option("--host", default="127.0.0.1", show_default=True, help="loopback address to bind")
@click.option(
    "--port", default=8765, show_default=True, type=click.IntRange(0, 65535), help="port to listen on"
)
@principal_options
@pass_app
def ui(
    app: AppContext, host: str, port: int, user: str | None, groups: tuple[str, ...], roles: tuple[str, ...]
) -> None:
    """Serve the web page: search, dataset, lineage, model and SQL pages.

    Without --user/--group/--role the page is the administrator's (as `lakehouse sql` without them) and
    a visitor may narrow it to a user of the policy; with them, every page is that principal's. The page
    never writes; every data read as a principal is audited like the CLI's.
    """
    from lakehouse.ui import serve
    from lakehouse.ui.server import check_host

    check_host(host)
    principal = principal_of(user, groups, roles)
    if principal is not None:  # an unknown name fails now, not at the first request
        from catalog.access import visibility

        visibility(app.settings, principal)
    click.echo(
        f"lakehouse ui: http://{host}:{port}/ as {principal.label if principal else 'administrator'} (Ctrl+C stops)"
    )
    serve(app.settings, principal, host=host, port=port)
