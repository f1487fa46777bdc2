"""``lakehouse ml retrain MODEL``: drift check -> challenger -> evaluate both on one hold-out -> promote
only if better (``warehouse.retrain``). Exit 0 whether the challenger was promoted or kept (the decision
is the output); 1 for bad input (an unknown model, a model without training statistics); 2 for usage."""

from __future__ import annotations

import click

from lakehouse.cli.context import AppContext, json_option, pass_app


@click.group("ml")
def ml_group() -> None:
    """Model operations: retrain and promote only if better."""


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
    return 0
