"""``[[targets]]`` in the config: the databases a fleet rollout runs on, and
``--targets all | NAME,... | group:NAME`` to pick some of them.

A target's URL may come from an environment variable (``database_url_env``) so
passwords stay out of the config file; it is read only when the target is
selected, so an unset variable for a target nobody asked for is no error.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from buildamp.model.errors import ConfigError, Location

TARGET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_TARGET_KEYS = ("name", "database_url", "database_url_env", "group")  # all strings


@dataclass(frozen=True)
class Target:
    name: str
    database_url: str | None = None
    database_url_env: str | None = None
    group: str | None = None
    # where the config sets database_url_env, for the error when it is unset
    env_location: Location | None = field(default=None, compare=False)

    def url(self) -> str:
        """The connection URL, read from the environment when configured so."""
        if self.database_url is not None:
            return self.database_url
        assert self.database_url_env is not None
        value = os.environ.get(self.database_url_env, "").strip()
        if not value:
            raise ConfigError(
                f"target {self.name}: environment variable {self.database_url_env} is not set",
                self.env_location,
                hint=f"export {self.database_url_env}=postgresql://... or deselect the target",
            )
        return value


def parse_targets(
    entries: list[Any], locate: Callable[[tuple[str | int, ...]], Location]
) -> tuple[Target, ...]:
    """Validate the ``[[targets]]`` tables: known keys, a unique name, exactly
    one of ``database_url`` / ``database_url_env``. ``locate`` turns a TOML path
    (``("targets", 0, "name")``) into its place in the config file."""
    targets: list[Target] = []
    seen: set[str] = set()
    for index, data in enumerate(entries):
        label = f"[[targets]] entry {index + 1}"
        at: tuple[str | int, ...] = ("targets", index)
        if not isinstance(data, dict):
            raise ConfigError(f"{label} must be a table", locate(at))
        for key, value in data.items():
            if key not in _TARGET_KEYS:
                raise ConfigError(
                    f"{label}: unknown key {key!r}",
                    locate((*at, key)),
                    f"allowed: {', '.join(_TARGET_KEYS)}",
                )
            if not isinstance(value, str) or not value.strip():
                raise ConfigError(
                    f"{label}: {key!r} must be a non-empty string", locate((*at, key))
                )
        name = data.get("name")
        if name is None or not TARGET_NAME.match(name) or name.startswith("group:"):
            raise ConfigError(
                f"{label}: needs a name of letters, digits, '_', '.', '-'",
                locate((*at, "name")),
                'e.g. name = "eu-1"',
            )
        if name == "all" or name in seen:
            why = "is reserved" if name == "all" else "is used twice"
            raise ConfigError(f"{label}: target name {name!r} {why}", locate((*at, "name")))
        if ("database_url" in data) == ("database_url_env" in data):
            raise ConfigError(
                f"target {name}: give exactly one of database_url or database_url_env",
                locate(at),
                "database_url_env names an environment variable holding the URL",
            )
        seen.add(name)
        targets.append(
            Target(
                name,
                data.get("database_url"),
                data.get("database_url_env"),
                data.get("group"),
                locate((*at, "database_url_env")),
            )
        )
    return tuple(targets)


def select_targets(targets: tuple[Target, ...], spec: str) -> list[Target]:
    """``all``, ``NAME,...`` or ``group:NAME`` (items may be mixed), in config order."""
    if not targets:
        raise ConfigError(
            "--targets: no [[targets]] in the config",
            hint="add [[targets]] tables with name and database_url (or database_url_env)",
        )
    items = [item.strip() for item in spec.split(",") if item.strip()]
    if not items:
        raise ConfigError("--targets: empty", hint="use all, NAME,... or group:NAME")
    chosen: set[str] = set()
    names = {t.name for t in targets}
    groups = {t.group for t in targets if t.group}
    for item in items:
        if item == "all":
            chosen |= names
        elif item.startswith("group:"):
            group = item.removeprefix("group:")
            if group not in groups:
                known = ", ".join(sorted(groups)) or "none defined"
                raise ConfigError(f"--targets: unknown group {group!r}", hint=f"groups: {known}")
            chosen |= {t.name for t in targets if t.group == group}
        elif item in names:
            chosen.add(item)
        else:
            known = ", ".join(t.name for t in targets)
            raise ConfigError(f"--targets: unknown target {item!r}", hint=f"targets: {known}")
    return [t for t in targets if t.name in chosen]
