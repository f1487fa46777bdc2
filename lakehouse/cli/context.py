"""What every command gets from the top-level group: resolved settings and global flags."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import click

from lakehouse.settings import Settings, load_settings


@dataclass
class AppContext:
    overrides: dict[str, Any] = field(default_factory=dict)
    debug: bool = False

    @cached_property
    def loaded(self) -> Settings:
        """The settings as resolved from flags, environment, lakehouse.toml and defaults."""
        return load_settings(self.overrides)

    @cached_property
    def settings(self) -> Settings:
        """The resolved settings, with what the access policy decides for the floor (lake encryption)."""
        from lakehouse.wiring.policy import with_policy_decisions  # start-up time: only commands that need it

        return with_policy_decisions(self.loaded)


def app(ctx: click.Context) -> AppContext:
    obj = ctx.find_object(AppContext)
    if obj is None:  # a command invoked on its own (tests)
        obj = ctx.ensure_object(AppContext)
    return obj


pass_app = click.make_pass_decorator(AppContext, ensure=True)

json_option = click.option("--json", "as_json", is_flag=True, help="print machine-readable JSON")
