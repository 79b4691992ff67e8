"""``buildamp watch``: regenerate (and in dev mode apply) on every save of a model.

Editors save in bursts (a temporary file, a rename, a metadata touch), so
changes are debounced by watchfiles and filtered to model sources and the
config. Each round reloads the config and reads the models afresh in this
process: the Python reader imports model files in isolation and removes them
from ``sys.modules`` afterwards, so an edit is never served from an old import.
A bad edit prints its ``file:line:column`` error and the watch goes on.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from buildamp.files.config import CONFIG_FILE, Config, load_config
from buildamp.model.errors import BuildampError, ConfigError

MODEL_SUFFIXES = (".rs", ".py", ".elm")
READY_MS = 200  # how long the watcher waits before reporting "nothing yet"


def is_relevant(path: Path, config: Config) -> bool:
    """A model source under a model folder, or the project's config."""
    if path.name in (CONFIG_FILE, "pyproject.toml") and path.parent == config.project_dir:
        return True
    if path.suffix not in MODEL_SUFFIXES or "__pycache__" in path.parts:
        return False
    roots = [(config.project_dir / folder).resolve() for folder in config.models]
    resolved = path.resolve()
    return any(root in resolved.parents for root in roots)


def _opts(database_url: str | None, allow_destructive: bool, log_format: str) -> dict[str, Any]:
    return {
        "name": None,
        "dry_run": False,
        "allow_destructive": allow_destructive,
        "database_url": database_url,
        "to_version": None,
        "steps": 1,
        "yes": False,
        "log_format": log_format,
    }


def one_round(
    project_dir: Path,
    opts: dict[str, Any],
    apply: bool,
    echo: Callable[[str], None],
    env: str | None = None,
) -> None:
    """Generate once (and apply when asked); report errors instead of raising them.
    The config is read again each round (it may have changed), same profile."""
    # per command: `buildamp --help` and other commands import none of it
    from buildamp.cli.commands import run_apply, run_generate

    try:
        config = load_config(project_dir, env)
        run_generate(config, opts, lambda _changes: False)
        if apply:
            run_apply(config, opts)
    except BuildampError as error:
        echo(f"error: {error}")
    finally:
        # the cache layer: what this round froze for speed is collectable again
        from buildamp.cache.store import collect_between_rounds

        collect_between_rounds()


def run_watch(
    config: Config,
    apply: bool,
    allow_destructive: bool,
    database_url: str | None,
    debounce_ms: int,
    log_format: str = "text",
) -> int:
    if apply and config.mode != "dev":
        raise ConfigError(
            "watch --apply applies without review, so it only runs in dev mode",
            hint='set mode = "dev" (or use an [env.dev] profile), or drop --apply',
        )
    # watchfiles (a Rust extension): only for `buildamp watch`
    from watchfiles import watch

    echo = lambda text: click.echo(text, err=text.startswith("error:"))  # noqa: E731
    opts = _opts(database_url, allow_destructive, log_format)
    one_round(config.project_dir, opts, apply, echo, config.profile)
    folders = [config.project_dir / folder for folder in config.models]
    configs = [config.project_dir / name for name in (CONFIG_FILE, "pyproject.toml")]
    # Model folders recursively, the config files themselves: never the whole
    # project (a virtualenv or node_modules would flood the watcher).
    watched = [str(p) for p in (*folders, *configs) if p.exists()]

    def wanted(_change: Any, path: str) -> bool:
        return is_relevant(Path(path), config)

    ready = False
    # An empty set comes back whenever the watcher has waited READY_MS with nothing to
    # report: the first one says it is watching, so no save is lost to a race with
    # the "watching" line.
    for changes in watch(
        *watched,
        watch_filter=wanted,
        debounce=debounce_ms,
        recursive=True,
        yield_on_timeout=True,
        rust_timeout=READY_MS,
    ):
        if not ready:
            ready = True
            click.echo(f"watching {', '.join(config.display(f) for f in folders)} (Ctrl-C to stop)")
        if not changes:
            continue
        changed = sorted({config.display(Path(path)) for _, path in changes})
        click.echo(f"changed: {', '.join(changed)}")
        one_round(config.project_dir, opts, apply, echo, config.profile)
    return 0
