"""``lakehouse ml retrain MODEL``: drift check -> challenger -> evaluate both on one hold-out -> promote
only if better (``warehouse.retrain``); ``lakehouse ml versions|promote|rollback``: a model's kept versions
and which one holds ``default`` (``warehouse.ml.versions``). Exit 0 whether the challenger was promoted or kept (the decision
is the output); 1 for bad input (an unknown model, a model without training statistics); 2 for usage."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from lakehouse.cli.context import AppContext, json_option, pass_app

if TYPE_CHECKING:  # the ML engine is imported when a command runs (start-up time)
    from warehouse.ml.versions import Version


@click.group("ml")
def ml_group() -> None:
    """Model operations: retrain and promote only if better; list, promote and roll back versions."""


def _thresholds(
    categorical: float | None, numerical: float | None, features: tuple[str, ...]
) -> dict[str, object]:
    out: dict[str, object] = {}
    if categorical is not None:
        out["categorical_default_threshold"] = categorical
    if numerical is not None:
        out["numerical_default_threshold"] = numerical
    pairs = []
    for item in features:
        column, sep, value = item.partition("=")
        if not sep:
            raise click.BadParameter(f"{item!r} is not COLUMN=THRESHOLD", param_hint="--threshold")
        try:
            pairs.append((column, float(value)))
        except ValueError as exc:
            raise click.BadParameter(f"{value!r} is not a number", param_hint="--threshold") from exc
    if pairs:
        out["thresholds"] = pairs
    return out


@ml_group.command("retrain")
@click.argument("model")
@click.option("--force", is_flag=True, help="train a challenger even without drift")
@click.option(
    "--metric", help="the ML.EVALUATE column compared (default: roc_auc, r2_score or davies_bouldin_index)"
)
@click.option(
    "--margin", type=float, default=0.0, show_default=True, help="the improvement the challenger must exceed"
)
@click.option(
    "--categorical-threshold", type=float, help="categorical_default_threshold of the skew check (0.3)"
)
@click.option("--numerical-threshold", type=float, help="numerical_default_threshold of the skew check (0.3)")
@click.option("--threshold", "features", multiple=True, help="COLUMN=THRESHOLD for one feature (repeatable)")
@json_option
@pass_app
def retrain(
    app: AppContext,
    model: str,
    force: bool,
    metric: str | None,
    margin: float,
    categorical_threshold: float | None,
    numerical_threshold: float | None,
    features: tuple[str, ...],
    as_json: bool,
) -> int:
    """Retrain MODEL on current data if its inputs drifted; promote the challenger only if it is better."""
    import warehouse
    from lakehouse.cli.output import print_json, print_table, progress_bar
    from warehouse.retrain import retrain as run_retrain

    thresholds = _thresholds(categorical_threshold, numerical_threshold, features)
    con = warehouse.connect(app.settings)
    try:
        with progress_bar(enabled=not as_json) as progress:
            report = run_retrain(
                con,
                model,
                force=force,
                metric=metric,
                margin=margin,
                thresholds=thresholds,
                progress=progress,
            )
    finally:
        con.close()
    if report.retrained:
        from lakehouse.wiring.pipeline import models_changed

        models_changed(app.settings)
    from warehouse.retrain.report import write_html

    report.html = str(write_html(report, app.settings.home / "reports" / "retrain" / f"{report.model}.html"))
    if as_json:
        print_json(report)
        return 0
    if report.drifted:
        print_table(
            ["input", "metric", "threshold", "value", "reason"],
            [
                (r["input"], r["metric"], r["threshold"], r["value"], r["reason"] or "")
                for r in report.drifted
            ],
            title=f"drift of {report.model}'s inputs",
        )
    if report.retrained:
        print_table(
            ["model", "version", "kept as", report.metric or "metric"],
            [
                (role, side["version"], side["name"], side["metrics"].get(report.metric or ""))
                for role, side in (("champion", report.champion), ("challenger", report.challenger))
            ],
        )
    click.echo(f"{report.model}: {report.reason}")
    click.echo(f"report: {report.html}")
    return 0


def _model(name: str) -> tuple[str, str]:
    schema, _, model = name.rpartition(".")
    return schema or "ml", model


def _version_rows(found: list[Version]) -> list[tuple[object, ...]]:
    return [
        (
            v.version,
            ", ".join(v.aliases),
            v.stored_as,
            v.created_at,
            ", ".join(f"{t} @ {s}" for t, s in v.lake_snapshots.items()) or v.lake_snapshot,
        )
        for v in found
    ]


@ml_group.command("versions")
@click.argument("model")
@json_option
@pass_app
def versions(app: AppContext, model: str, as_json: bool) -> int:
    """List MODEL's kept versions: aliases (`default` serves), where each is stored, its lake snapshots."""
    import warehouse
    from lakehouse.cli.output import print_json, print_table
    from warehouse.ml import versions as model_versions

    con = warehouse.connect(app.settings, read_only=True)
    try:
        found = model_versions.list_versions(con, *_model(model))
    finally:
        con.close()
    if as_json:
        print_json(found)
        return 0
    print_table(
        ["version", "aliases", "stored as", "created", "lake snapshots"],
        _version_rows(found),
        title=f"versions of {found[0].model}",
    )
    return 0


def _move_default(app: AppContext, model: str, version: str | None, as_json: bool) -> int:
    import warehouse
    from lakehouse.cli.output import print_json
    from lakehouse.wiring.pipeline import models_changed
    from warehouse.ml import versions as model_versions

    con = warehouse.connect(app.settings)
    try:
        moved = (
            model_versions.rollback(con, *_model(model))
            if version is None
            else model_versions.promote(con, *_model(model), version)
        )
    finally:
        con.close()
    models_changed(app.settings)
    if as_json:
        print_json(moved)
    else:
        click.echo(f"{moved.model}: version {moved.version} holds `default` (stored as {moved.stored_as})")
    return 0


@ml_group.command("promote")
@click.argument("model")
@click.argument("version")
@json_option
@pass_app
def promote(app: AppContext, model: str, version: str, as_json: bool) -> int:
    """Give VERSION of MODEL (a number, vN or an alias) the `default` alias: MODEL serves it."""
    return _move_default(app, model, version, as_json)


@ml_group.command("rollback")
@click.argument("model")
@json_option
@pass_app
def rollback(app: AppContext, model: str, as_json: bool) -> int:
    """Give `default` back to the version of MODEL that held it before the current one."""
    return _move_default(app, model, None, as_json)
