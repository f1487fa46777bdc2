"""The project's own files, found through settings: the dbt project, the suites, the policy, the metadata.

A project keeps them in this repository's layout, relative to its root (the folder of the ``lakehouse.toml``
that was read, else the current directory); each one is a setting, so ``lakehouse.toml``,
``LAKEHOUSE_<SETTING>`` or ``--<setting>`` can put it elsewhere. Nothing is checked at start-up: a command
that needs a file asks ``Settings.existing(name)``, which raises ``ProjectFileMissing`` naming the setting,
every place that was looked at and the fix.

The business metadata file is optional: when the default file is absent the catalog has no business metadata;
a metadata file named by a setting must exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from lakehouse.errors import NotFoundError


@dataclass(frozen=True, slots=True)
class ProjectFile:
    """One project file or folder: its default place under the project root and what must be there."""

    default: PurePosixPath  # relative to the project root
    what: str  # for messages: "access policy file"
    marker: str | None = None  # a file the folder must hold (dbt_project.yml)
    optional: bool = False  # the default may be absent (the command then does without)

    def problem(self, path: Path) -> str | None:
        """Why ``path`` will not do (None when it is there)."""
        if not path.exists():
            return f"{self.what} {path} does not exist"
        if self.marker is not None and not (path / self.marker).is_file():
            return f"{self.what} {path} has no {self.marker}"
        return None


#: setting -> the project file it names (the layout of this repository)
PROJECT_FILES: dict[str, ProjectFile] = {
    "dbt_project_dir": ProjectFile(PurePosixPath("dbt_project"), "dbt project", marker="dbt_project.yml"),
    "quality_suites_dir": ProjectFile(PurePosixPath("quality/expectations"), "expectation suites folder"),
    "policy_file": ProjectFile(PurePosixPath("catalog/policy.yml"), "access policy file"),
    "metadata_file": ProjectFile(
        PurePosixPath("catalog/metadata.yml"), "business metadata file", optional=True
    ),
}


def default_paths(root: Path) -> dict[str, Path]:
    """Every project file at its default place under ``root``."""
    return {name: root / spec.default for name, spec in PROJECT_FILES.items()}


class ProjectFileMissing(NotFoundError):
    """A project file a command needs is not where its setting says; the message says where it looked."""

    exit_code = 2


def missing(name: str, problem: str, origin: str, looked_at: str, sample: Path | None) -> ProjectFileMissing:
    """The error for setting ``name``: the problem, where the value came from, the places, the fix."""
    flag = "--" + name.replace("_", "-")
    fix = f"create it, or name yours with {name} in lakehouse.toml, LAKEHOUSE_{name.upper()} or {flag}"
    if sample is not None and sample.is_dir():
        fix += f" (`lakehouse demo` left a sample project in {sample})"
    return ProjectFileMissing(
        f"{problem} (setting {name}, from {origin})", hint=f"looked at: {looked_at}; {fix}"
    )
