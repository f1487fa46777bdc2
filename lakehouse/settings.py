"""Typed, frozen settings.

Resolution order, highest first: explicit overrides (CLI flags) > ``LAKEHOUSE_*`` environment
variables > ``lakehouse.toml`` (``$LAKEHOUSE_CONFIG``, else ``./lakehouse.toml``) > defaults.
A bad value raises ``SettingsError`` naming the place it was read from and every place looked at.

Paths. A relative path in ``lakehouse.toml`` is relative to the folder holding that file; a relative path
from a flag or an environment variable is relative to the current directory. The *project root* is the
folder of the ``lakehouse.toml`` that was read, else the current directory: the home defaults to
``ROOT/data`` and the project files (dbt project, suites, policy, metadata; ``lakehouse.project_files``) to
this repository's layout under it. Every path is absolute once loaded, so a ``Settings`` object means the
same files wherever it is used afterwards. A project file is checked only when a command needs it
(``Settings.existing``), never at start-up.

BigQuery settings are one nested object, ``Settings.bigquery`` (``lakehouse.bigquery_settings``):
``[lakehouse.bigquery]`` in lakehouse.toml, ``LAKEHOUSE_BQ_<NAME>`` in the environment.

The team layout (README "For a team"): ``lake_metadata = "postgres:dbname=… host=… port=… user=…"`` puts the
lake's catalog on PostgreSQL (its password comes from libpq's own ``PGPASSWORD``/``~/.pgpass``, never from a
setting), and ``lake_data_path = "s3://bucket/prefix/"`` its data on S3-compatible storage (``s3_endpoint``,
``s3_region``, ``s3_url_style``, ``s3_use_ssl``). The S3 keys are read from the environment only
(``LAKEHOUSE_S3_KEY_ID``/``LAKEHOUSE_S3_SECRET``/``LAKEHOUSE_S3_SESSION_TOKEN``, else the standard
``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``/``AWS_SESSION_TOKEN``); a secret in lakehouse.toml, on the
command line or in the metadata connection string is refused, and no error shows one.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from lakehouse import bigquery_settings
from lakehouse.bigquery_settings import BigQuerySettings
from lakehouse.errors import SettingsError
from lakehouse.frozen import FrozenModel, Invalid, SecretStr, fields_of, setting, settings_class
from lakehouse.project_files import PROJECT_FILES, default_paths, missing

ENV_PREFIX = "LAKEHOUSE_"
CONFIG_FILE = "lakehouse.toml"
#: the nested BigQuery settings: [lakehouse.bigquery] in lakehouse.toml, keys "bigquery.<field>"
BIGQUERY = "bigquery"


@dataclass(frozen=True, slots=True)
class _Origin:
    kind: str  # default | toml | env | flag | code
    text: str
    value: Any


@dataclass(frozen=True, slots=True)
class _Sources:
    values: dict[str, _Origin]  # setting name (dotted for BigQuery) -> where its value came from
    config: Path  # the lakehouse.toml looked at
    config_found: bool


def _default_path(name: str) -> Any:
    return lambda: default_paths(Path.cwd())[name]


@settings_class
class Settings(FrozenModel):
    """Everything configurable. Derived locations are properties, not settings.

    Built by ``load_settings`` or ``Settings.model_validate`` (``lakehouse.frozen``: pydantic's
    behaviour and messages without importing pydantic unless a value is bad).
    """

    home: Path = setting(
        factory=lambda: Path.cwd() / "data", description="lake, warehouse, catalog, quality results"
    )
    threads: int | None = setting(
        default=None, ge=1, le=1024, description="DuckDB threads (default: all cores)"
    )
    memory_limit: str | None = setting(default=None, description="DuckDB memory_limit, e.g. '4GB'")
    temp_directory: Path | None = setting(
        default=None, description="DuckDB spill directory (default HOME/tmp)"
    )
    cache_directory: Path | None = setting(
        default=None, description="caches rebuilt at will, e.g. compiled DNN programs (default HOME/cache)"
    )
    lake_metadata: str | None = setting(
        default=None,
        description="DuckLake metadata: a SQLite file path or a postgres: URL (default HOME/lake/metadata.sqlite)",
    )
    lake_data_path: str | None = setting(
        default=None,
        description="DuckLake Parquet files: a folder or an s3:// URL (default HOME/lake/data)",
    )
    s3_endpoint: str | None = setting(
        default=None, description="S3-compatible endpoint, host:port or http(s)://host:port (default AWS)"
    )
    s3_region: str | None = setting(default=None, description="S3 region (default us-east-1)")
    s3_url_style: Literal["vhost", "path"] | None = setting(
        default=None, description="S3 URL style: path for most S3-compatible servers (default vhost)"
    )
    s3_use_ssl: bool | None = setting(default=None, description="HTTPS to the S3 endpoint (default: true)")
    s3_key_id: SecretStr | None = setting(default=None, description="S3 access key id (environment only)")
    s3_secret: SecretStr | None = setting(default=None, description="S3 secret access key (environment only)")
    s3_session_token: SecretStr | None = setting(
        default=None, description="S3 session token (environment only)"
    )
    warehouse_path: Path | None = setting(
        default=None, description="DuckDB warehouse file (default HOME/warehouse.duckdb)"
    )
    dbt_project_dir: Path = setting(
        factory=_default_path("dbt_project_dir"), description="the dbt project (ROOT/dbt_project)"
    )
    quality_suites_dir: Path = setting(
        factory=_default_path("quality_suites_dir"),
        description="GX suites, JSON (ROOT/quality/expectations)",
    )
    policy_file: Path = setting(
        factory=_default_path("policy_file"),
        description="access policy, YAML (ROOT/catalog/policy.yml)",
    )
    metadata_file: Path = setting(
        factory=_default_path("metadata_file"),
        description="the catalog's business metadata, YAML (ROOT/catalog/metadata.yml; optional)",
    )
    lock_timeout: float = setting(default=60.0, ge=0, description="seconds to wait for the lake writer lock")
    lake_encryption_key: str | None = setting(
        default=None, repr=False, description="key for encrypted datasets"
    )
    lake_encrypted: bool | None = setting(
        default=None,
        description="create a new lake with every data file encrypted (DuckLake ENCRYPTED); unset: the "
        "command line decides from the access policy (any sensitive dataset), the library leaves it plain",
    )
    seed: int = setting(default=42, description="seed of generated sample data")
    bigquery: BigQuerySettings = setting(
        factory=lambda: BigQuerySettings.model_validate({}),
        description="BigQuery: [lakehouse.bigquery], LAKEHOUSE_BQ_*",
    )

    @property
    def _sources(self) -> _Sources | None:
        """Where each value came from, recorded by load_settings (not a setting; not in repr)."""
        found: _Sources | None = vars(self).get("_recorded")
        return found

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
    def lake_on_object_store(self) -> bool:
        """True when the lake's data files sit on S3-compatible storage (``lake_data_path`` is a URL)."""
        return self.lake_data_path is not None and "://" in self.lake_data_path

    @property
    def lake_data_url(self) -> str:
        """Where DuckLake keeps its Parquet files, as its DATA_PATH (a folder or URL ending in ``/``)."""
        if self.lake_on_object_store:
            assert self.lake_data_path is not None
            return self.lake_data_path.rstrip("/") + "/"
        return str(self.lake_data_dir) + "/"

    @property
    def lake_data_dir(self) -> Path:
        """The local folder of the lake's Parquet files (the object-store layout has none: ``lake_data_url``)."""
        if self.lake_on_object_store:
            raise SettingsError(
                f"the lake's data is on object storage ({self.lake_data_path}), not in a local folder",
                hint="this operation needs a local lake_data_path",
            )
        return Path(self.lake_data_path) if self.lake_data_path else (self.lake_dir / "data")

    @property
    def lake_catalog_shared(self) -> bool:
        """True when the lake's catalog is a database server (PostgreSQL): writers need no lock file."""
        return self.lake_metadata_uri.startswith("postgres:")

    @property
    def lake_moves_with_home(self) -> bool:
        """True for the embedded default: the lake's catalog and data both sit in HOME/lake.

        DuckLake records its data path in the catalog but stores every file relative to it, so a
        home folder that was copied or moved is opened with the data path of where it is now.
        """
        return self.lake_metadata is None and self.lake_data_path is None

    @property
    def objects_dir(self) -> Path:
        """Image objects (content-addressed); on the object-store layout a local staging folder whose
        files ``lake.objects`` uploads to ``objects_url``."""
        return self.lake_dir / "objects"

    @property
    def objects_url(self) -> str:
        """Where image objects are kept for good: ``objects_dir``, or ``objects/`` beside the data files."""
        if self.lake_on_object_store:
            return self.lake_data_url.rstrip("/").rpartition("/")[0] + "/objects/"
        return str(self.objects_dir) + "/"

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
    def cache_dir(self) -> Path:
        """Caches the project can rebuild at any time (JAX's compiled DNN programs: ``cache_dir / "jax"``)."""
        return self.cache_directory or (self.home / "cache")

    @property
    def lock_file(self) -> Path:
        return self.lake_dir / "writer.lock"

    @property
    def sample_project_dir(self) -> Path:
        """Where ``lakehouse demo`` copies the sample project when the settings name none of their own."""
        return self.home / "sample_project"

    # --- where values came from ----------------------------------------------------------------
    def origin(self, name: str) -> str:
        """Where setting ``name`` (``bigquery.project`` for a BigQuery one) got its value."""
        found = self._sources.values.get(name) if self._sources else None
        if found is None or found.value != _get(self, name):
            return "a value set by the caller in Python"
        return found.text

    def is_default(self, name: str) -> bool:
        """True when no flag, environment variable or lakehouse.toml named setting ``name``."""
        found = self._sources.values.get(name) if self._sources else None
        return found is not None and found.kind == "default" and found.value == _get(self, name)

    def looked_at(self, name: str) -> str:
        """Every place setting ``name`` is looked for, highest precedence first."""
        group, _, field = name.rpartition(".")
        env = bigquery_settings.env_name(field) if group else ENV_PREFIX + name.upper()
        config = self._sources.config if self._sources else Path(CONFIG_FILE)
        found = self._sources is not None and self._sources.config_found
        table = f"[lakehouse.{group}]" if group else "[lakehouse]"
        places = [] if group else ["--" + name.replace("_", "-")]
        places += [env, f"{config} {table} {field or name}" if found else f"{config} (no such file)"]
        default = _default_of(self, name)
        places.append(f"the default {default}" if default is not None else "no default")
        return ", ".join(places)

    def existing(self, name: str) -> Path:
        """The project file or folder setting ``name`` names, when it is there (``PROJECT_FILES``).

        Raises ``ProjectFileMissing`` naming the setting, where its value came from, every place looked
        at, and the fix.
        """
        path: Path = getattr(self, name)
        problem = PROJECT_FILES[name].problem(path)
        if problem is None:
            return path
        raise missing(name, problem, self.origin(name), self.looked_at(name), self.sample_project_dir)

    def with_values(self, origin: str, **values: Any) -> Settings:
        """A validated copy with ``values``, each recorded as coming from ``origin``."""
        data = {**self.model_dump(), **values}
        copy = type(self).model_validate(data)
        sources = self._sources or _Sources({}, Path(CONFIG_FILE), False)
        names = [name for name in values if name != BIGQUERY]
        if BIGQUERY in values:  # record the BigQuery fields one by one, as load_settings does
            names += [
                f"{BIGQUERY}.{f}"
                for f in (field.name for field in fields_of(BigQuerySettings))
                if _get(copy, f"{BIGQUERY}.{f}") != _get(self, f"{BIGQUERY}.{f}")
            ]
        recorded = {name: _Origin("code", origin, _get(copy, name)) for name in names}
        _record(copy, _Sources({**sources.values, **recorded}, sources.config, sources.config_found))
        return copy


def _no_password_in_metadata(value: str | None) -> str | None:
    if value is not None and PASSWORD_IN_DSN.search(value):
        raise ValueError(
            "the connection string holds a password; remove it and set PGPASSWORD in the environment "
            "(or use ~/.pgpass)"
        )
    return value


def _known_scheme(value: Any) -> Any:
    if isinstance(value, Path):
        return os.path.normpath(value)
    scheme = value.partition("://")[0] if value and "://" in value else None
    if scheme is not None and scheme not in REMOTE_SCHEMES:
        raise ValueError(f"unknown storage {scheme}://; use a folder or one of: " + ", ".join(REMOTE_SCHEMES))
    return value


Settings.validators = {
    "lake_metadata": ("after", _no_password_in_metadata),
    "lake_data_path": ("before", _known_scheme),
}


def _record(settings: Settings, sources: _Sources) -> None:
    """Keep where each value came from on ``settings`` (copied by ``model_copy``)."""
    object.__setattr__(settings, "_recorded", sources)


def _get(settings: Settings, name: str) -> Any:
    group, _, field = name.rpartition(".")
    return getattr(getattr(settings, group), field) if group else getattr(settings, name)


def _default_of(settings: Settings, name: str) -> Any:
    found = settings._sources.values.get(name) if settings._sources else None
    if found is not None and found.kind == "default":
        return found.value
    group, _, field = name.rpartition(".")
    model = BigQuerySettings if group else Settings
    info = next(f for f in fields_of(model) if f.name == (field or name))
    return None if info.default_factory is not dataclasses.MISSING else info.default


#: every setting by its key: top-level names, and "bigquery.<field>" for the nested BigQuery settings
KNOWN = {f.name for f in fields_of(Settings) if f.name != BIGQUERY} | {
    f"{BIGQUERY}.{f.name}" for f in fields_of(BigQuerySettings)
}
_PATH_FIELDS = {f.name for f in fields_of(Settings) if "Path" in str(f.type)} | {
    f"{BIGQUERY}.keyfile",
    "lake_data_path",
}
#: values never shown in an error (secrets)
_SECRETS = {"lake_encryption_key"} | {f"{BIGQUERY}.{f}" for f in bigquery_settings.SECRET_FIELDS}
#: credentials read from the environment only: never from lakehouse.toml or a flag
ENV_ONLY = {"s3_key_id", "s3_secret", "s3_session_token"}
_SECRETS |= ENV_ONLY
#: the standard AWS variables, read when the LAKEHOUSE_ one is unset
AWS_ENV = {
    "s3_key_id": "AWS_ACCESS_KEY_ID",
    "s3_secret": "AWS_SECRET_ACCESS_KEY",
    "s3_session_token": "AWS_SESSION_TOKEN",
    "s3_region": "AWS_REGION",
    "s3_endpoint": "AWS_ENDPOINT_URL_S3",
}
#: data paths on object storage (``lake_data_path``); gs:// goes through GCS's S3-compatible endpoint
REMOTE_SCHEMES = ("s3", "gs", "gcs")
#: ``password=…`` in a libpq key/value string, or ``user:password@`` in a postgres URL
PASSWORD_IN_DSN = re.compile(r"(?i)\bpassword\s*=|//[^/@:]+:[^/@]*@")


def _config_path(env: Mapping[str, str], cwd: Path) -> tuple[Path, bool]:
    """The lakehouse.toml to read, and whether LAKEHOUSE_CONFIG named it (then it must exist)."""
    named = env.get(ENV_PREFIX + "CONFIG")
    path = Path(named or CONFIG_FILE).expanduser()
    return (path if path.is_absolute() else cwd / path), bool(named)


def _read_toml(path: Path, named: bool) -> dict[str, Any] | None:
    """The [lakehouse] table of ``path`` flattened to setting keys; None when there is no such file."""
    if not path.exists():
        if named:
            raise SettingsError(
                f"{path} does not exist (named by environment variable {ENV_PREFIX}CONFIG)",
                hint=f"point {ENV_PREFIX}CONFIG at a lakehouse.toml, or unset it to read ./{CONFIG_FILE}",
            )
        return None
    import tomllib  # start-up time: its parser compiles its patterns on import, paid only when there is a file

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{path}: not valid TOML: {exc}") from exc
    section = data.get("lakehouse", data)
    if not isinstance(section, dict):
        raise SettingsError(f"{path}: [lakehouse] must be a table of settings")
    return _flatten(section, f"{path}: [lakehouse.{BIGQUERY}] must be a table of settings")


def _flatten(values: Mapping[str, Any], problem: str) -> dict[str, Any]:
    """``{"bigquery": {"project": p}}`` -> ``{"bigquery.project": p}``; other keys as they are."""
    out = {key: value for key, value in values.items() if key != BIGQUERY}
    nested = values.get(BIGQUERY)
    if nested is not None and not isinstance(nested, Mapping):
        raise SettingsError(problem)
    out.update({f"{BIGQUERY}.{key}": value for key, value in (nested or {}).items()})
    return out


def _from_env(env: Mapping[str, str]) -> dict[str, Any]:
    """Settings named by ``LAKEHOUSE_<NAME>`` and ``LAKEHOUSE_BQ_<NAME>`` variables (others ignored; an
    empty variable counts as unset, as in profiles.yml's ``env_var(..., '')``)."""
    out: dict[str, Any] = {
        key: env[var] for key, var in AWS_ENV.items() if env.get(var) and env.get(_env_var(key)) in (None, "")
    }
    for var, value in env.items():
        if value == "":
            continue
        if var.startswith(bigquery_settings.ENV_PREFIX):
            key = f"{BIGQUERY}.{var[len(bigquery_settings.ENV_PREFIX) :].lower()}"
        elif var.startswith(ENV_PREFIX):
            key = var[len(ENV_PREFIX) :].lower()
        else:
            continue
        if key in KNOWN:
            out[key] = value
    return out


def _env_var(key: str) -> str:
    group, _, field = key.rpartition(".")
    return bigquery_settings.env_name(field) if group else ENV_PREFIX + key.upper()


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Settings:
    """Resolve settings from overrides > environment > lakehouse.toml > defaults (see the module docstring)."""
    env = os.environ if env is None else env
    cwd = Path.cwd() if cwd is None else cwd
    config, named = _config_path(env, cwd)
    table = _read_toml(config, named)
    root = config.parent if table is not None else cwd
    flags = _flatten({k: v for k, v in (overrides or {}).items() if v is not None}, "bigquery: a mapping")
    layers = [  # lowest precedence first: (kind, values, base of relative paths, where)
        ("toml", table or {}, root, lambda key: f"{config} (key {key!r})"),
        ("env", _from_env(env), cwd, lambda key: f"environment variable {_env_var(key)}"),
        ("flag", flags, cwd, lambda key: f"command-line option --{key.replace('_', '-')}"),
    ]
    values: dict[str, Any] = {}
    origins: dict[str, _Origin] = {}
    for kind, layer, base, where in layers:
        for key, value in layer.items():
            if value is None:
                continue
            if key not in KNOWN:
                raise SettingsError(
                    f"unknown setting {key!r} in {where(key)}",
                    hint="known settings: " + ", ".join(sorted(KNOWN)),
                )
            if key in ENV_ONLY and kind != "env":
                raise SettingsError(
                    f"{key} is a secret and is read from the environment only, not from {where(key)}",
                    hint=f"remove it there and set {_env_var(key)} (or {AWS_ENV[key]}) in the environment",
                )
            values[key] = _absolute(value, base) if key in _PATH_FIELDS else value
            origins[key] = _Origin(kind, where(key), None)
    defaults = {"home": root / "data", **default_paths(root)}
    for key, path in defaults.items():
        if key not in values:
            values[key] = path
            origins[key] = _Origin("default", f"the default ({path}, under {root})", None)

    settings = _validated(values, origins, config)
    sources = {key: _Origin(o.kind, o.text, _get(settings, key)) for key, o in origins.items()}
    _record(settings, _Sources(sources, config, table is not None))
    return settings


def _absolute(value: Any, base: Path) -> Any:
    if value in (None, "") or "://" in str(value):
        return value
    path = Path(str(value)).expanduser()
    return path if path.is_absolute() else base / path


def _masked(value: Any) -> Any:
    """A connection string with its password (``password=…``, ``user:…@``) replaced by ``***``."""
    if not isinstance(value, str):
        return value
    value = re.sub(r"(?i)(\bpassword\s*=\s*)('[^']*'|\S+)", r"\1***", value)
    return re.sub(r"(//[^/@:]+:)[^/@]*@", r"\1***@", value)


def _validated(values: dict[str, Any], origins: dict[str, _Origin], config: Path) -> Settings:
    nested = {key.partition(".")[2]: value for key, value in values.items() if key.startswith(BIGQUERY + ".")}
    top = {key: value for key, value in values.items() if "." not in key}
    try:
        return Settings.model_validate({**top, **({BIGQUERY: nested} if nested else {})})
    except Invalid as exc:
        first = exc.errors[0]
        key = ".".join(str(part) for part in first["loc"]) if first["loc"] else "?"
        where = origins[key].text if key in origins else "the default"
        shown = "(a secret, not shown)" if key in _SECRETS else repr(_masked(values.get(key)))
        looked = f"looked at: command-line options, {ENV_PREFIX}* environment variables, {config}"
        raise SettingsError(
            f"bad value {shown} for setting {key!r} from {where}: {first['msg']}", hint=looked
        ) from exc
