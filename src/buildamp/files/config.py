"""Project configuration: ``buildamp.toml`` or ``[tool.buildamp]`` in ``pyproject.toml``.

All keys optional; an unknown key or a wrong value type is an error (exit 2),
because a typo silently ignored is a migration silently wrong.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from buildamp.files.targets import Target, parse_targets
from buildamp.model.errors import ConfigError, Location

CONFIG_FILE = "buildamp.toml"
STATE_DIR = ".buildamp"
STATE_FILE = "schema_state.json"


@dataclass(frozen=True)
class Webhook:
    url: str
    events: tuple[str, ...] = ()
    secret: str | None = None
    timeout: float = 5.0


@dataclass(frozen=True)
class Config:
    project_dir: Path
    models: tuple[str, ...] = ("models",)
    migrations: str = "migrations"
    storage: str = "columns"
    mode: str = "dev"
    online: bool | None = None
    tenant_isolation: str = "none"
    database_url: str | None = None
    lock_timeout: str = "1s"
    batch_size: int = 1000
    batch_pause: float = 0.0
    audit_log: str = ".buildamp/audit.log"
    webhooks: tuple[Webhook, ...] = field(default=())
    targets: tuple[Target, ...] = field(default=())
    distribution: str = "none"
    unmanaged: tuple[str, ...] = ()
    source: str = ""

    @property
    def migrations_dir(self) -> Path:
        return self.project_dir / self.migrations

    @property
    def rollback_dir(self) -> Path:
        return self.migrations_dir / "rollback"

    @property
    def state_path(self) -> Path:
        return self.project_dir / STATE_DIR / STATE_FILE

    @property
    def is_online(self) -> bool:
        return self.online if self.online is not None else self.mode == "prod"

    def display(self, path: Path) -> str:
        """A path as the user would type it: relative to the project."""
        try:
            return path.resolve().relative_to(self.project_dir.resolve()).as_posix()
        except ValueError:
            return str(path)


_KEYS: dict[str, type | tuple[type, ...]] = {
    "models": list,
    "migrations": str,
    "storage": str,
    "mode": str,
    "online": bool,
    "tenant_isolation": str,
    "database_url": str,
    "lock_timeout": str,
    "batch_size": int,
    "batch_pause": (int, float),
    "audit_log": str,
    "webhooks": list,
    "targets": list,
    "distribution": str,
    "unmanaged": list,
}
_CHOICES = {
    "storage": ("columns", "jsonb"),
    "mode": ("dev", "prod"),
    "tenant_isolation": ("none", "rls"),
    "distribution": ("none", "citus"),
}
_WEBHOOK_KEYS: dict[str, type | tuple[type, ...]] = {
    "url": str,
    "events": list,
    "secret": str,
    "timeout": (int, float),
}


def find_project_dir(start: Path) -> Path:
    """The nearest folder upwards holding buildamp.toml or a [tool.buildamp] table."""
    for folder in [start, *start.parents]:
        if (folder / CONFIG_FILE).is_file():
            return folder
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and "[tool.buildamp]" in pyproject.read_text(errors="ignore"):
            return folder
    return start


def load_config(project_dir: Path) -> Config:
    path = project_dir / CONFIG_FILE
    data: dict[str, Any] = {}
    source = ""
    if path.is_file():
        data, source = _read_toml(path), CONFIG_FILE
    else:
        pyproject = project_dir / "pyproject.toml"
        if pyproject.is_file():
            data = _read_toml(pyproject).get("tool", {}).get("buildamp", {})
            source = "pyproject.toml"
    return _build(project_dir, data, source)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"invalid TOML: {error}", Location(path.name)) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read config: {error}", Location(path.name)) from None


def _check(key: str, value: Any, kinds: type | tuple[type, ...], where: str) -> None:
    if not isinstance(value, kinds) or (kinds is int and isinstance(value, bool)):
        raise ConfigError(
            f"config key {key!r} has the wrong type {type(value).__name__}", Location(where)
        )
    choices = _CHOICES.get(key)
    if choices and value not in choices:
        raise ConfigError(
            f"config key {key!r} must be one of {', '.join(choices)}, got {value!r}",
            Location(where),
        )


def _build(project_dir: Path, data: dict[str, Any], source: str) -> Config:
    where = source or CONFIG_FILE
    for key, value in data.items():
        if key not in _KEYS:
            raise ConfigError(
                f"unknown config key {key!r}",
                Location(where),
                f"allowed: {', '.join(sorted(_KEYS))}",
            )
        _check(key, value, _KEYS[key], where)
    values: dict[str, Any] = dict(data)
    if "models" in values:
        if not all(isinstance(m, str) for m in values["models"]):
            raise ConfigError("config key 'models' must be a list of folder names", Location(where))
        values["models"] = tuple(values["models"])
    if "unmanaged" in values:
        if not all(isinstance(m, str) for m in values["unmanaged"]):
            raise ConfigError(
                "config key 'unmanaged' must be a list of table or type names", Location(where)
            )
        values["unmanaged"] = tuple(values["unmanaged"])
    if "webhooks" in values:
        values["webhooks"] = tuple(_webhook(w, where) for w in values["webhooks"])
    if "targets" in values:
        values["targets"] = parse_targets(values["targets"], where)
    if values.get("batch_size", 1) <= 0:
        raise ConfigError("config key 'batch_size' must be positive", Location(where))
    return Config(project_dir=project_dir, source=source, **values)


def _webhook(data: Any, where: str) -> Webhook:
    if not isinstance(data, dict) or "url" not in data:
        raise ConfigError("each [[webhooks]] entry needs a url", Location(where))
    for key, value in data.items():
        if key not in _WEBHOOK_KEYS:
            raise ConfigError(
                f"unknown webhook key {key!r}",
                Location(where),
                "allowed: url, events, secret, timeout",
            )
        _check(key, value, _WEBHOOK_KEYS[key], where)
    return Webhook(
        url=data["url"],
        events=tuple(data.get("events", ())),
        secret=data.get("secret"),
        timeout=float(data.get("timeout", 5.0)),
    )


DEFAULT_CONFIG = """\
# buildamp configuration: every key is optional.
models = ["models"]          # folders holding *.rs / *.py domain models
migrations = "migrations"    # numbered SQL files and rollback/
storage = "columns"          # default table storage: "columns" or "jsonb"
mode = "dev"                 # "dev" (generate may auto-apply) or "prod" (review first)
# database_url = "postgresql://localhost/myapp"
"""
