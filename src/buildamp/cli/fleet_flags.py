"""The fleet flags (``--targets``, ``--parallel``, ...) of ``migrate`` and
``drift``: imported at CLI start to declare the options, so kept apart from
the fleet commands (:mod:`buildamp.cli.fleet`), which load only with
``--targets``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

FLEET_FLAGS = ("targets", "parallel", "canary", "on_failure", "retries")
# each flag's default, declared once: the options show it, the check compares to it
_DEFAULTS: dict[str, Any] = {"parallel": 4, "canary": None, "on_failure": "stop", "retries": 0}

_OPTIONS = (
    click.option(
        "--targets",
        metavar="all|NAME,...|group:NAME",
        help="Run on these [[targets]] from the config instead of one database.",
    ),
    click.option(
        "--parallel",
        type=click.IntRange(min=1),
        default=_DEFAULTS["parallel"],
        show_default=True,
        help="With --targets: this many databases at a time.",
    ),
    click.option("--canary", metavar="NAME", help="With --targets: this target first, alone."),
    click.option(
        "--on-failure",
        type=click.Choice(["stop", "continue"]),
        default=_DEFAULTS["on_failure"],
        show_default=True,
        help="With --targets: start no new target after a failure, or go on.",
    ),
    click.option(
        "--retries",
        type=click.IntRange(min=0),
        default=_DEFAULTS["retries"],
        show_default=True,
        help="With --targets: connection retries for an unreachable target.",
    ),
)


def fleet_options(command: F) -> F:
    """The fleet flags, for ``migrate`` and ``drift``."""
    for option in reversed(_OPTIONS):
        command = option(command)
    return command


def check_fleet_flags(opts: dict[str, Any]) -> None:
    """Fleet flags without ``--targets`` are a usage error, not silently ignored."""
    if opts.get("targets"):
        return
    # the error type on use: this module is imported at CLI start
    from buildamp.model.errors import ConfigError

    stray = [f for f in FLEET_FLAGS[1:] if opts.get(f, _DEFAULTS[f]) != _DEFAULTS[f]]
    if stray:
        flags = ", ".join("--" + f.replace("_", "-") for f in stray)
        verb = "work" if len(stray) > 1 else "works"
        raise ConfigError(f"{flags} {verb} only with --targets", hint="add --targets all|NAME,...")
