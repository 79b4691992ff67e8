"""Project configuration: ``buildamp.toml`` or ``[tool.buildamp]`` in ``pyproject.toml``.

All keys optional; an unknown key, a wrong type or an out-of-range value is an
error (exit 2) naming ``file:line:column``, because a typo silently ignored is
a migration silently wrong. Everything is validated when the file is read, the
webhooks and every ``[env.NAME]`` profile included, whichever profile is used.

Validation is table-driven: a new key is one line in :data:`KEYS` (and a field
on :class:`Config`).
"""

from __future__ import annotations

import functools
import math
import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from buildamp.model.errors import ConfigError, Location
from buildamp.model.event_names import EVENT_NAMES, matches_some_event

if TYPE_CHECKING:
    from buildamp.files.targets import Target

CONFIG_FILE = "buildamp.toml"
STATE_DIR = ".buildamp"
STATE_FILE = "schema_state.json"
ENV_VARIABLE = "BUILDAMP_ENV"


@dataclass(frozen=True)
class Webhook:
    """One ``[[webhooks]]`` entry: where events are posted, which, how signed."""

    url: str
    events: tuple[str, ...] = ()
    secret: str | None = None
    timeout: float = 5.0


@dataclass(frozen=True)
class Config:
    """The project's settings, profile applied (docs/configuration.md)."""

    project_dir: Path
    models: tuple[str, ...] = ("models",)
    migrations: str = "migrations"
    storage: str = "columns"
    mode: str = "dev"
    online: bool | None = None
    tenant_isolation: str = "none"
    database_url: str | None = None
    lock_timeout: str = "1s"
    lock_wait: float = 30.0
    batch_size: int = 1000
    batch_pause: float = 0.0
    audit_log: str = ".buildamp/audit.log"
    buildamp_schema: str | None = None  # where buildamp's own tables live (None: see docs)
    drift_ignore: tuple[str, ...] = ()
    webhooks: tuple[Webhook, ...] = field(default=())
    extensions: tuple[str, ...] = ()  # CREATE EXTENSION in the first migration using their types
    table_names: str = "plural"
    events_queue: str | None = None
    targets: tuple[Target, ...] = field(default=())
    distribution: str = "none"
    unmanaged: tuple[str, ...] = ()
    source: str = ""
    profile: str | None = None  # the [env.NAME] in use, if any
    has_config: bool = True  # False: no buildamp.toml / [tool.buildamp] was found

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
        """Lock-safe forms unless ``online = false``: the SQL of a migration is
        frozen when generated and will meet production, whatever the mode
        (DESIGN section 3; its config line "default true in prod" predates that
        rule and is deliberately not followed, see docs/configuration.md)."""
        return self.online if self.online is not None else True

    @property
    def is_project(self) -> bool:
        """A config or a model folder exists: safe to keep local state here."""
        return self.has_config or any((self.project_dir / m).is_dir() for m in self.models)

    def display(self, path: Path) -> str:
        """A path as the user would type it: relative to the project."""
        return self.display_all([path])[0]

    def display_all(self, paths: list[Path]) -> list[str]:
        """:meth:`display` of each path, resolving each folder once, not each
        file (a thousand model files in a few folders): a file that is no
        symbolic link resolves to its folder's resolved path plus its name."""
        folder = self.project_dir
        root = _resolved(folder) if folder.is_absolute() else folder.resolve()
        folders: dict[Path, Path] = {}
        shown: list[str] = []
        for path in paths:
            name = path.name
            if name in ("", "..") or os.path.islink(path):
                resolved = path.resolve()
            else:
                parent = path.parent
                known = folders.get(parent)
                if known is None:
                    known = folders[parent] = parent.resolve()
                resolved = known / name
            try:
                shown.append(resolved.relative_to(root).as_posix())
            except ValueError:
                shown.append(str(path))
        return shown


@functools.lru_cache(maxsize=64)
def _resolved(folder: Path) -> Path:
    """An absolute project folder resolved once per run, not once per file shown
    (a relative one depends on the working directory: resolved every time)."""
    return folder.resolve()


# ---- value checks: each returns what is wrong, or None -------------------------

Check = Callable[[Any], str | None]


def _choice(*allowed: str) -> Check:
    def check(value: Any) -> str | None:
        return None if value in allowed else f"must be one of {', '.join(allowed)}"

    return check


def _number(low: float, high: float = math.inf, low_open: bool = False) -> Check:
    def check(value: Any) -> str | None:
        if not math.isfinite(value):
            return "must be a finite number"
        if value < low or (low_open and value == low) or value > high:
            bound = f"> {low:g}" if low_open else f">= {low:g}"
            return f"must be {bound}" + (f" and <= {high:g}" if high < math.inf else "")
        return None

    return check


def _strings(what: str, each: Check | None = None) -> Check:
    def check(value: Any) -> str | None:
        for item in value:
            if not isinstance(item, str) or not item:
                return f"must be a list of {what} (got {item!r})"
            complaint = each(item) if each else None
            if complaint:
                return complaint
        return None

    return check


# Patterns are compiled on first use (re keeps them): most configs never need one.
_DURATION = r"^\s*\d+(\.\d+)?\s*(us|ms|s|min|h|d)?\s*$"


def _duration(value: Any) -> str | None:
    if re.match(_DURATION, value):
        return None
    return 'must be a PostgreSQL duration such as "1s", "500ms" or "2min"'


def _event_pattern(pattern: str) -> str | None:
    if matches_some_event(pattern):
        return None
    return f"{pattern!r} matches no event (known: {', '.join(EVENT_NAMES)})"


def _extension_name(name: str) -> str | None:
    if name.replace("_", "").isalnum():
        return None
    return f"must be a list of extension names (got {name!r})"


def _schema_name(value: Any) -> str | None:
    if re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", value):
        return None
    return "must be a plain schema name (lower-case letters, digits and underscores)"


def _table_name(value: Any) -> str | None:
    if re.fullmatch(r"[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?", value):
        return None
    return 'must be a table name such as "buildamp_events" (lower case, optionally schema.table)'


class Key:
    """One config key: its TOML type(s), a value check, whether a profile may set
    it. A plain class: a table row read by field, never compared or shown (a
    dataclass costs ~1 ms to create, on every command)."""

    __slots__ = ("check", "in_profile", "kinds")

    def __init__(
        self, kinds: type | tuple[type, ...], check: Check | None = None, in_profile: bool = True
    ) -> None:
        self.kinds = kinds
        self.check = check
        self.in_profile = in_profile


KEYS: dict[str, Key] = {
    "models": Key(list, _strings("folder names")),
    "migrations": Key(str),
    "storage": Key(str, _choice("columns", "jsonb")),
    "mode": Key(str, _choice("dev", "prod")),
    "online": Key(bool),
    "tenant_isolation": Key(str, _choice("none", "rls")),
    "database_url": Key(str),
    "lock_timeout": Key(str, _duration),
    "lock_wait": Key((int, float), _number(0, 86400)),
    "batch_size": Key(int, _number(1, 10_000_000)),
    "batch_pause": Key((int, float), _number(0, 3600)),
    "audit_log": Key(str),
    "drift_ignore": Key(list, _strings("name patterns")),
    "webhooks": Key(list, in_profile=False),
    "targets": Key(list, in_profile=False),  # files/targets.py checks the entries
    "distribution": Key(str, _choice("none", "citus")),
    "unmanaged": Key(list, _strings("table or type names")),
    "extensions": Key(list, _strings("extension names", _extension_name)),
    "buildamp_schema": Key(str, _schema_name),
    "table_names": Key(str, _choice("plural", "singular")),
    "events_queue": Key(str, _table_name),
}
WEBHOOK_KEYS: dict[str, Key] = {
    "url": Key(str),
    "events": Key(list, _strings("event names", _event_pattern)),
    "secret": Key(str),
    "timeout": Key((int, float), _number(0, 600, low_open=True)),
}
_TUPLES = {"models", "drift_ignore", "unmanaged", "extensions"}  # lists kept as tuples on Config


# ---- where a key is in the TOML text ---------------------------------------------

Path_ = tuple[str | int, ...]
_HEADER = r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?"
_KEY_LINE = r"^(\s*)([A-Za-z0-9_\-\"'.]+)\s*="


class Positions:
    """Line and column of every ``key = `` in a TOML text, by dotted path (array
    tables counted: ``("webhooks", 0, "events")``). tomllib gives no positions;
    a line scan is enough for config files and never fails: unknown places fall
    back to the nearest enclosing table, then to line 1."""

    def __init__(self, text: str, prefix: Path_ = ()) -> None:
        self.prefix = prefix
        self.found: dict[Path_, tuple[int, int]] = {}
        counts: dict[Path_, int] = {}
        table: Path_ = ()
        in_string = False
        header_line, key_line = re.compile(_HEADER), re.compile(_KEY_LINE)
        for number, line in enumerate(text.splitlines(), start=1):
            if line.count('"""') % 2 or line.count("'''") % 2:
                in_string = not in_string
                if not in_string:
                    continue
            if in_string:
                continue
            header = header_line.match(line)
            if header:
                parts: Path_ = tuple(_unquote(p) for p in header.group(2).split("."))
                if header.group(1) == "[[":
                    index = counts.get(parts, 0)
                    counts[parts] = index + 1
                    parts = (*parts, index)
                table = parts
                self.found.setdefault(table, (number, line.index("[") + 1))
                continue
            key = key_line.match(line)
            if key:
                dotted = tuple(_unquote(p) for p in key.group(2).split("."))
                self.found.setdefault((*table, *dotted), (number, len(key.group(1)) + 1))

    def of(self, path: Path_) -> tuple[int, int]:
        full = (*self.prefix, *path)
        while full:
            if full in self.found:
                return self.found[full]
            full = full[:-1]
        return (1, 1)


def _unquote(part: str) -> str:
    return part.strip().strip("\"'")


# ---- reading ----------------------------------------------------------------------


def find_project_dir(start: Path) -> Path:
    """The nearest folder upwards holding buildamp.toml or a [tool.buildamp] table."""
    for folder in [start, *start.parents]:
        if (folder / CONFIG_FILE).is_file():
            return folder
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and "[tool.buildamp" in pyproject.read_text(errors="ignore"):
            return folder
    return start


def load_config(project_dir: Path, env: str | None = None) -> Config:
    """The project's config with profile ``env`` (else ``$BUILDAMP_ENV``) applied."""
    profile = env or os.environ.get(ENV_VARIABLE, "").strip() or None
    path = project_dir / CONFIG_FILE
    pyproject = project_dir / "pyproject.toml"
    if path.is_file():
        text = _read_text(path)
        data = _parse(text, CONFIG_FILE)
        reader = _Reader(CONFIG_FILE, text)
    elif pyproject.is_file() and "[tool.buildamp" in (text := _read_text(pyproject)):
        tool = _parse(text, "pyproject.toml").get("tool", {})
        data = tool.get("buildamp", {}) if isinstance(tool, dict) else {}
        reader = _Reader("pyproject.toml", text, ("tool", "buildamp"))
    else:
        if profile:
            raise ConfigError(
                f"profile {profile!r} asked for (--env or {ENV_VARIABLE}) but there is no config",
                hint="add [env.NAME] tables to buildamp.toml",
            )
        return Config(project_dir=project_dir, has_config=False)
    return reader.build(project_dir, data, profile)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read config: {error}", Location(path.name, 1, 1)) from None


_TOML_POSITION = r"\(at line (\d+), column (\d+)\)"


def _parse(text: str, name: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        found = re.search(_TOML_POSITION, message)
        line, column = (int(found.group(1)), int(found.group(2))) if found else (1, 1)
        message = re.sub(_TOML_POSITION, "", message).strip()
        raise ConfigError(
            f"invalid TOML: {message}", Location(name, line, column), "fix the syntax"
        ) from None


class _Reader:
    def __init__(self, source: str, text: str, prefix: Path_ = ()) -> None:
        self.source = source
        self.text = text
        self.prefix = prefix
        self.positions: Positions | None = None  # found when an error needs one

    def locate(self, path: Path_) -> Location:
        if self.positions is None:
            self.positions = Positions(self.text, self.prefix)
        line, column = self.positions.of(path)
        return Location(self.source, line, column)

    def fail(self, path: Path_, message: str, hint: str = "") -> ConfigError:
        return ConfigError(message, self.locate(path), hint)

    def build(self, project_dir: Path, data: dict[str, Any], profile: str | None) -> Config:
        profiles = data.pop("env", {})
        if not isinstance(profiles, dict) or not all(
            isinstance(p, dict) for p in profiles.values()
        ):
            raise self.fail(("env",), "config key 'env' must hold [env.NAME] tables")
        values = self.values(data, (), top=True)
        for name, table in profiles.items():
            self.values(table, ("env", name), top=False)  # validate every profile
        if profile is not None:
            if profile not in profiles:
                known = ", ".join(sorted(profiles)) or "none defined"
                raise self.fail(
                    ("env",),
                    f"no profile [env.{profile}] in {self.source} (profiles: {known})",
                    f"add [env.{profile}] or pick another --env / {ENV_VARIABLE}",
                )
            values.update(self.values(profiles[profile], ("env", profile), top=False))
        return Config(project_dir=project_dir, source=self.source, profile=profile, **values)

    def values(self, data: dict[str, Any], at: Path_, top: bool) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for key, value in data.items():
            spec = KEYS.get(key)
            if spec is None or (not top and not spec.in_profile):
                where = "a profile" if spec is not None else "the config"
                allowed = sorted(k for k, s in KEYS.items() if top or s.in_profile)
                raise self.fail(
                    (*at, key),
                    f"unknown config key {key!r}"
                    if spec is None
                    else f"{key!r} is not allowed in {where}",
                    f"allowed: {', '.join(allowed)}",
                )
            self.check((*at, key), key, value, spec)
            if key == "webhooks":
                value = tuple(self.webhook(item, index) for index, item in enumerate(value))
            elif key == "targets":
                # the fleet's targets: only a config that has some
                from buildamp.files.targets import parse_targets

                value = parse_targets(value, self.locate)
            elif key in _TUPLES:
                value = tuple(value)
            elif spec.kinds == (int, float):
                value = float(value)
            values[key] = value
        return values

    def check(self, path: Path_, key: str, value: Any, spec: Key) -> None:
        kinds = spec.kinds if isinstance(spec.kinds, tuple) else (spec.kinds,)
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            expected = " or ".join(_TOML_TYPE.get(k, k.__name__) for k in kinds)
            raise self.fail(
                path,
                f"config key {key!r} must be {expected}, got {value!r}",
                f"write it as a TOML {expected}",
            )
        complaint = spec.check(value) if spec.check else None
        if complaint:
            raise self.fail(path, f"config key {key!r} {complaint}, got {value!r}", "fix the value")

    def webhook(self, data: Any, index: int) -> Webhook:
        at: Path_ = ("webhooks", index)
        if not isinstance(data, dict) or "url" not in data:
            raise self.fail(at, "each [[webhooks]] entry needs a url", 'add url = "https://..."')
        for key, value in data.items():
            spec = WEBHOOK_KEYS.get(key)
            if spec is None:
                raise self.fail(
                    (*at, key),
                    f"unknown webhook key {key!r}",
                    f"allowed: {', '.join(WEBHOOK_KEYS)}",
                )
            self.check((*at, key), key, value, spec)
        return Webhook(
            url=data["url"],
            events=tuple(data.get("events", ())),
            secret=data.get("secret"),
            timeout=float(data.get("timeout", 5.0)),
        )


_TOML_TYPE: dict[type, str] = {
    str: "a string",
    int: "an integer",
    float: "a number",
    bool: "true or false",
    list: "an array",
}


DEFAULT_CONFIG = """\
# buildamp configuration: every key is optional.
models = ["models"]          # folders holding *.rs / *.py domain models
migrations = "migrations"    # numbered SQL files and rollback/
storage = "columns"          # default table storage: "columns" or "jsonb"
mode = "dev"                 # "dev" (generate may auto-apply) or "prod" (review first)
# online = false             # plain DDL instead of the lock-safe forms (default: true, any mode)
# database_url = "postgresql://localhost/myapp"
# lock_wait = 30             # seconds to wait for another buildamp's lock
# drift_ignore = ["pg_stat_*"]  # objects buildamp should not report as drift

# Profiles: `buildamp --env prod ...` (or BUILDAMP_ENV=prod) overrides the keys above.
[env.dev]
mode = "dev"

[env.prod]
mode = "prod"                # plan + confirmation before apply and rollback
lock_timeout = "1s"
# database_url = "postgresql://deploy@db.example.com/myapp"
"""
