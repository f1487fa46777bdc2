"""``lakehouse doctor``: check the configuration end to end (thin layer over ``lakehouse.wiring.doctor``)."""

from __future__ import annotations

import click

from lakehouse.cli.context import AppContext, json_option, pass_app


@click.command("doctor")
@json_option
@pass_app
def doctor(app: AppContext, as_json: bool) -> None:
    """Check extensions, the lake's catalog, its storage and the lake; one line per problem; exit 1 on any."""
    from lakehouse.cli.output import print_json
    from lakehouse.wiring.doctor import doctor as run

    report = run(app.settings)
    if as_json:
        print_json({"ok": report.ok, "checks": report.checks})
    else:
        for check in report.checks:
            click.echo(f"{'ok' if check.ok else 'PROBLEM':7} {check.name}: {check.detail}")
    if not report.ok:
        raise SystemExit(1)
