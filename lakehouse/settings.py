"""Typed, frozen settings.

Resolution order, highest first: explicit overrides (CLI flags) > ``LAKEHOUSE_*`` environment
variables > ``lakehouse.toml`` (``$LAKEHOUSE_CONFIG``, else ``./lakehouse.toml``) > defaults.
A bad value raises ``SettingsError`` naming the place it was read from and every place looked at.

Relative paths are resolved against the current directory when the settings are loaded, so a
``Settings`` object means the same files wherever it is used afterwards.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from lakehouse.errors import SettingsError

ENV_PREFIX = "LAKEHOUSE_"
CONFIG_FILE = "lakehouse.toml"
REPO_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseModel):
    """Everything configurable. Derived locations are properties, not settings."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    home: Path = Field(Path("data"), description="root of lake, warehouse, catalog, quality results")
    threads: int | None = Field(None, ge=1, le=1024, description="DuckDB threads (default: all cores)")
    memory_limit: str | None = Field(None, description="DuckDB memory_limit, e.g. '4GB'")
    temp_directory: Path | None = Field(None, description="DuckDB spill directory (default HOME/tmp)")
    lake_metadata: str | None = Field(
        None,
        description="DuckLake metadata: a SQLite file path or a postgres: URL (default HOME/lake/metadata.sqlite)",
    )
    lake_data_path: Path | None = Field(None, description="DuckLake Parquet files (default HOME/lake/data)")
    warehouse_path: Path | None = Field(
        None, description="DuckDB warehouse file (default HOME/warehouse.duckdb)"
    )
    dbt_project_dir: Path = Field(REPO_ROOT / "dbt_project", description="the dbt project")
    quality_suites_dir: Path = Field(REPO_ROOT / "quality" / "expectations", description="GX suites (JSON)")
    policy_file: Path = Field(REPO_ROOT / "catalog" / "policy.yml", description="access policy (YAML)")
    lock_timeout: float = Field(60.0, ge=0, description="seconds to wait for the lake writer lock")
    lake_encryption_key: str | None = Field(None, repr=False, description="key for encrypted datasets")
    lake_encrypted: bool | None = Field(
        None,
        description="create a new lake with every data file encrypted (DuckLake ENCRYPTED); unset: the "
        "command line decides from the access policy (any sensitive dataset), the library leaves it plain",
    )
    seed: int = Field(42, description="seed of generated sample data")

    # --- derived locations -------------------------------------------------------------------
    @property
    def lake_dir(self) -> Path:
        return self.home / "lake"

    @property
    def lake_metadata_uri(self) -> str:
        """The part after ``ducklake:`` in the ATTACH string."""
        meta = self.lake_metadata
        if meta is None:
            return "sqlite:" + str(self.lake_dir / "metadata.sqlite")
        if meta.startswith(("postgres:", "sqlite:", "duckdb:")):
            return meta
        return "sqlite:" + meta

    @property
    def lake_data_dir(self) -> Path:
        return self.lake_data_path or (self.lake_dir / "data")

    @property
    def lake_moves_with_home(self) -> bool:
        """True for the embedded default: the lake's catalog and data both sit in HOME/lake.

        DuckLake records its data path in the catalog but stores every file relative to it, so a
        home folder that was copied or moved is opened with the data path of where it is now.
        """
        return self.lake_metadata is None and self.lake_data_path is None

    @property
    def objects_dir(self) -> Path:
        return self.lake_dir / "objects"

    @property
    def warehouse_file(self) -> Path:
        return self.warehouse_path or (self.home / "warehouse.duckdb")

    @property
    def catalog_dir(self) -> Path:
        return self.home / "catalog"

    @property
    def quality_dir(self) -> Path:
        return self.home / "quality"

    @property
    def audit_dir(self) -> Path:
        return self.home / "audit"

    @property
    def spill_dir(self) -> Path:
        return self.temp_directory or (self.home / "tmp")

    @property
    def lock_file(self) -> Path:
        return self.lake_dir / "writer.lock"


_PATH_FIELDS = {name for name, f in Settings.model_fields.items() if "Path" in str(f.annotation)}


def _config_path(env: Mapping[str, str]) -> Path:
    return Path(env.get(ENV_PREFIX + "CONFIG", CONFIG_FILE))


def _read_toml(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{path}: not valid TOML: {exc}") from exc
    section = data.get("lakehouse", data)
    if not isinstance(section, dict):
        raise SettingsError(f"{path}: [lakehouse] must be a table of settings")
    return dict(section)


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Settings:
    """Resolve settings from overrides > environment > lakehouse.toml > defaults."""
    env = os.environ if env is None else env
    cwd = Path.cwd() if cwd is None else cwd
    config = _config_path(env)
    config = config if config.is_absolute() else cwd / config
    values: dict[str, Any] = {}
    origin: dict[str, str] = {}

    for key, value in _read_toml(config).items():
        values[key] = value
        origin[key] = f"{config} (key {key!r})"
    known = set(Settings.model_fields)
    for var, value in env.items():
        if not var.startswith(ENV_PREFIX) or var == ENV_PREFIX + "CONFIG":
            continue
        key = var[len(ENV_PREFIX) :].lower()
        if key in known:
            values[key] = value
            origin[key] = f"environment variable {var}"
    for key, value in (overrides or {}).items():
        if value is not None:
            values[key] = value
            origin[key] = f"command-line option --{key.replace('_', '-')}"

    for key in list(values):
        if key not in known:
            raise SettingsError(
                f"unknown setting {key!r} in {origin[key]}",
                hint="known settings: " + ", ".join(sorted(known)),
            )
        if key in _PATH_FIELDS and values[key] not in (None, ""):
            path = Path(str(values[key])).expanduser()
            values[key] = path if path.is_absolute() else cwd / path
    values.setdefault("home", cwd / "data")

    try:
        return Settings(**values)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = str(first["loc"][0]) if first["loc"] else "?"
        where = origin.get(key, "the default")
        looked = f"looked at: command-line options, {ENV_PREFIX}* environment variables, {config}"
        raise SettingsError(
            f"bad value {values.get(key)!r} for setting {key!r} from {where}: {first['msg']}", hint=looked
        ) from exc
