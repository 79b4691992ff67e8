"""History escape hatches (DESIGN.md section 11): ``migrate --new``, ``--hash``,
``--discard``, ``--rebase`` (files only) and ``--resolve`` (the history table).

Each keeps the three records in step: migration files, ``buildamp.sum`` and
the schema state, so ``migrate --check`` passes afterwards.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from buildamp.cache.store import write_all_or_none
from buildamp.files.config import Config
from buildamp.files.migration import (
    MIGRATION_NAME,
    list_migrations,
    next_version,
    slugify,
)
from buildamp.files.snapshot import Snapshot, dumps, load_snapshot
from buildamp.files.sumfile import (
    CUSTOM_PREFIX,
    SUM_FILE,
    migration_texts,
    read_sums,
    render_sums,
    with_entries,
    without_entries,
)
from buildamp.model.errors import ConfigError, Location, StateError

BEFORE_DIR = "before"  # .buildamp/before/NNN.json: the state before NNN was generated
GENERATED_MARK = "-- Auto-generated from"


def before_path(config: Config, version: str) -> Path:
    return config.state_path.parent / BEFORE_DIR / f"{version}.json"


def run(config: Config, mode: str, opts: dict[str, Any]) -> int:
    if mode == "new":
        return new(config, opts["new_slug"], bool(opts.get("dry_run")))
    if mode == "hash":
        return hash_files(config, bool(opts.get("force")), opts.get("database_url"))
    if mode == "discard":
        return discard(config, opts.get("database_url"))
    return rebase(config)


# ---- --new ---------------------------------------------------------------------


def new_texts(display_up: str, display_down: str, version: str, slug: str) -> tuple[str, str]:
    up = (
        f"-- {display_up}\n"
        "-- Hand-written migration (buildamp migrate --new): runs as written.\n"
        "\n"
        "BEGIN;\n"
        "\n"
        "-- your SQL here; steps that cannot run in a transaction (CREATE INDEX\n"
        "-- CONCURRENTLY) go after COMMIT under `-- buildamp:no-transaction`\n"
        "\n"
        "COMMIT;\n"
    )
    down = (
        f"-- {display_down}\n"
        f"-- Rollback of {version}_{slug}\n"
        "\n"
        "BEGIN;\n"
        "\n"
        "-- undo the forward migration here\n"
        "\n"
        "COMMIT;\n"
    )
    return up, down


def new(config: Config, slug_text: str, dry_run: bool) -> int:
    """An empty migration and rollback, registered in the sum file; the schema
    state moves to its version (its tables are unchanged)."""
    slug = slugify(slug_text)
    existing = list_migrations(config.migrations_dir)
    version = next_version(existing)
    up_path = config.migrations_dir / f"{version}_{slug}.sql"
    down_path = config.rollback_dir / f"{version}_rollback.sql"
    up, down = new_texts(config.display(up_path), config.display(down_path), version, slug)
    if dry_run:
        click.echo(up + "\n" + down, nl=False)
        return 0
    snapshot = load_snapshot(config)
    state = Snapshot(snapshot.schema, version, _now())
    entries = {
        up_path.relative_to(config.migrations_dir).as_posix(): up,
        down_path.relative_to(config.migrations_dir).as_posix(): down,
    }
    write_all_or_none(
        {
            up_path: up,
            down_path: down,
            config.migrations_dir / SUM_FILE: with_entries(config.migrations_dir, entries),
            config.state_path: dumps(state),
        }
    )
    click.echo(f"wrote {config.display(up_path)}")
    click.echo(f"wrote {config.display(down_path)}")
    return 0


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---- which versions a database has applied (when one is known) --------------------


def _applied_versions(config: Config, cli_url: str | None) -> set[int] | None:
    """Versions applied in the configured database, read-only; ``None`` when no
    database is configured (and no embedded one is running)."""
    # loaded on use: commands that do not need it never import it
    from buildamp.pg.database import EMBEDDED_DIR, explicit_database_url
    from buildamp.run.history_view import read_applied

    url = explicit_database_url(cli_url, config.database_url)
    if url is None and config.mode == "dev":
        if (config.project_dir / EMBEDDED_DIR / "postmaster.pid").is_file():
            # loaded on use: commands that do not need it never import it
            from buildamp.pg.database import embedded_server_url

            url = embedded_server_url(config.project_dir / EMBEDDED_DIR)
    if url is None:
        return None
    return {int(row.version) for row in read_applied(url)}


def _version_of(name: str) -> int | None:
    found = re.match(r"^(?:rollback/)?(\d{3,})_", name)
    return int(found.group(1)) if found else None


# ---- --hash ----------------------------------------------------------------------


def hash_files(config: Config, force: bool, cli_url: str | None = None) -> int:
    """Accept deliberate edits: record the current checksum of every migration
    file that is new or changed. An edit to an applied migration (or when no
    database tells which are applied) needs --force."""
    recorded = read_sums(config.migrations_dir / SUM_FILE) or {}
    texts = migration_texts(config.migrations_dir)
    # loaded on use: commands that do not need it never import it
    from buildamp.files.migration import checksum

    added = [n for n in texts if n not in recorded]
    edited = [n for n in texts if n in recorded and recorded[n] != checksum(texts[n])]
    removed = [n for n in recorded if n not in texts and not n.startswith(CUSTOM_PREFIX)]
    if not (added or edited or removed):
        click.echo(f"{SUM_FILE} already records every migration file")
        return 0
    if edited and not force:
        applied = _applied_versions(config, cli_url)
        if applied is None:
            raise ConfigError(
                f"{edited[0]} was edited; no database is configured to tell whether it is "
                "applied anywhere",
                Location(f"{config.migrations}/{edited[0]}"),
                "configure database_url / --database-url, or pass --force if it is not",
            )
        for name in edited:
            if _version_of(name) in applied:
                raise ConfigError(
                    f"{name} is applied in the database: editing it changes nothing there",
                    Location(f"{config.migrations}/{name}"),
                    "restore it from git and put the change in a new migration "
                    "(buildamp migrate --new), or pass --force",
                )
    sums = {n: d for n, d in recorded.items() if n not in removed}
    sums.update({n: checksum(texts[n]) for n in added + edited})
    write_all_or_none({config.migrations_dir / SUM_FILE: render_sums(sums)})
    for label, names in (("recorded", added), ("accepted edit of", edited), ("forgot", removed)):
        for name in names:
            click.echo(f"{label} {config.migrations}/{name}")
    return 0


# ---- --discard -------------------------------------------------------------------


def discard(config: Config, cli_url: str | None = None) -> int:
    """Remove the newest migration (never an applied one) and put the schema
    state back where it was before it was generated."""
    files = list_migrations(config.migrations_dir)
    if not files:
        raise ConfigError("no migration to discard")
    newest = files[-1]
    applied = _applied_versions(config, cli_url)
    if applied is not None and newest.number in applied:
        raise ConfigError(
            f"{newest.path.name} is applied in the database",
            Location(config.display(newest.path)),
            "roll it back first (buildamp migrate --rollback), then discard it",
        )
    snapshot = load_snapshot(config)
    saved = before_path(config, newest.version)
    text = newest.path.read_text(encoding="utf-8")
    previous = files[-2].version if len(files) > 1 else None
    if saved.is_file():
        state = saved.read_text(encoding="utf-8")
    elif GENERATED_MARK not in text.split("\n", 3)[1 if "\n" in text else 0]:
        state = dumps(Snapshot(snapshot.schema, previous, snapshot.last_generated))
    else:
        raise StateError(
            f"the schema state before {newest.path.name} is not known on this machine",
            Location(config.display(saved)),
            "restore .buildamp/schema_state.json from git, then delete the two files by hand",
        )
    names = {
        newest.path.relative_to(config.migrations_dir).as_posix(),
        newest.rollback_path.relative_to(config.migrations_dir).as_posix(),
    }
    write_all_or_none(
        {
            config.state_path: state,
            config.migrations_dir / SUM_FILE: without_entries(config.migrations_dir, names),
        }
    )
    for path in (newest.path, newest.rollback_path, saved):
        path.unlink(missing_ok=True)
    click.echo(f"discarded {newest.path.name}; schema state is back at {previous or 'empty'}")
    return 0


# ---- --resolve -------------------------------------------------------------------


def run_resolve(config: Config, opts: dict[str, Any], url: str) -> int:
    # loaded on use: commands that do not need it never import it
    from buildamp.events.bus import actor
    from buildamp.run.history_edit import resolve

    version = opts["resolve_version"]
    applied = bool(opts["mark_applied"])
    if config.mode == "prod" and not opts["yes"]:
        state = "applied" if applied else "rolled back"
        raise ConfigError(
            f"prod mode: --resolve {version} --{state.replace(' ', '-')} changes the history "
            "without running SQL; it needs --yes",
            hint="only record what was really done by hand",
        )
    click.echo(resolve(config, url, version, applied, actor()))
    return 0


# ---- --rebase --------------------------------------------------------------------


@dataclass(frozen=True)
class _Refs:
    ours: str
    theirs: str
    base: str
    root: Path


def _git(root: Path, *args: str, check: bool = True) -> str:
    try:
        done = subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, check=False, timeout=60
        )
    except OSError as error:
        raise ConfigError(f"--rebase needs git: {error}") from None
    if check and done.returncode != 0:
        raise ConfigError(f"git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout if done.returncode == 0 else ""


def _refs(config: Config) -> _Refs:
    """Ours and theirs of the merge in progress, else of the merge commit HEAD."""
    root = Path(_git(config.project_dir, "rev-parse", "--show-toplevel").strip())
    merge_head = _git(root, "rev-parse", "-q", "--verify", "MERGE_HEAD", check=False).strip()
    if merge_head:
        ours, theirs = _git(root, "rev-parse", "HEAD").strip(), merge_head
    else:
        theirs = _git(root, "rev-parse", "-q", "--verify", "HEAD^2", check=False).strip()
        if not theirs:
            raise ConfigError(
                "--rebase renumbers after a merge, and no merge is in progress or at HEAD",
                hint="git merge the other branch first",
            )
        ours = _git(root, "rev-parse", "HEAD^1").strip()
    base = _git(root, "merge-base", ours, theirs).strip()
    return _Refs(ours, theirs, base, root)


def _show(refs: _Refs, commit: str, path: str) -> str | None:
    out = subprocess.run(
        ["git", "show", f"{commit}:{path}"],
        cwd=refs.root,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    return out.stdout if out.returncode == 0 else None


def _names(refs: _Refs, commit: str, folder: str) -> list[str]:
    listing = _git(refs.root, "ls-tree", "--name-only", f"{commit}:{folder}", check=False)
    return sorted(n for n in listing.splitlines() if MIGRATION_NAME.match(n))


def _merge_tables(
    base: dict[str, Any], ours: dict[str, Any], theirs: dict[str, Any], what: str
) -> dict[str, Any]:
    """Three-way merge of the state's tables (or enums) by name."""
    merged: dict[str, Any] = {}
    for name in sorted(set(base) | set(ours) | set(theirs)):
        b, o, t = base.get(name), ours.get(name), theirs.get(name)
        if o == t or t == b:
            value = o
        elif o == b:
            value = t
        else:
            raise StateError(
                f"both branches changed {what} {name}",
                Location(".buildamp/schema_state.json"),
                "merge the models by hand, regenerate one branch's migration, then --rebase",
            )
        if value is not None:
            merged[name] = value
    return merged


def _state_json(refs: _Refs, commit: str, path: str) -> dict[str, Any]:
    text = _show(refs, commit, path)
    return json.loads(text) if text else {}


def rebase(config: Config) -> int:
    """After merging another branch: keep its migrations as they are, renumber
    this branch's new ones after them, and rebuild state and sum from both sides."""
    refs = _refs(config)
    folder = config.migrations_dir.resolve().relative_to(refs.root).as_posix()
    state_rel = config.state_path.resolve().relative_to(refs.root).as_posix()
    theirs = _names(refs, refs.theirs, folder)
    base = set(_names(refs, refs.base, folder))
    ours_new = [n for n in _names(refs, refs.ours, folder) if n not in base and n not in theirs]
    if not ours_new:
        click.echo("nothing to rebase: this branch added no migration")
        return 0
    top = max((int(MIGRATION_NAME.match(n).group(1)) for n in theirs), default=0)  # type: ignore[union-attr]
    files: dict[Path, str] = {}
    renamed: dict[str, str] = {}
    sums: dict[str, str] = {}
    for commit in (refs.theirs, refs.ours):
        sums.update(_parse_sums(_show(refs, commit, f"{folder}/{SUM_FILE}") or ""))
    for name in theirs:  # theirs as committed, rollback files included (add/add conflicts)
        version = name.split("_", 1)[0]
        files[config.migrations_dir / name] = _show(refs, refs.theirs, f"{folder}/{name}") or ""
        rollback = _show(refs, refs.theirs, f"{folder}/rollback/{version}_rollback.sql")
        if rollback is not None:
            files[config.rollback_dir / f"{version}_rollback.sql"] = rollback
    # loaded on use: commands that do not need it never import it
    from buildamp.files.migration import checksum

    for offset, name in enumerate(ours_new, start=1):
        old_version, slug = name[:-4].split("_", 1)
        version = f"{top + offset:03d}"
        up = _show(refs, refs.ours, f"{folder}/{name}") or ""
        down = _show(refs, refs.ours, f"{folder}/rollback/{old_version}_rollback.sql") or ""
        new_name = f"{version}_{slug}.sql"
        up = up.replace(f"{folder}/{name}", f"{folder}/{new_name}", 1)
        down = down.replace(
            f"{folder}/rollback/{old_version}_rollback.sql",
            f"{folder}/rollback/{version}_rollback.sql",
            1,
        ).replace(f"Rollback of {old_version}_{slug}", f"Rollback of {version}_{slug}", 1)
        files[config.migrations_dir / new_name] = up
        files[config.rollback_dir / f"{version}_rollback.sql"] = down
        for old in (name, f"rollback/{old_version}_rollback.sql"):
            sums.pop(old, None)
        sums[new_name] = checksum(up)
        sums[f"rollback/{version}_rollback.sql"] = checksum(down)
        renamed[name] = new_name
        before = before_path(config, old_version)
        if before.is_file():
            before.unlink()
    for name in theirs:
        version = name.split("_", 1)[0]
        sums[name] = checksum(files[config.migrations_dir / name])
        rollback_path = config.rollback_dir / f"{version}_rollback.sql"
        if rollback_path in files:
            sums[f"rollback/{version}_rollback.sql"] = checksum(files[rollback_path])
    base_state = _state_json(refs, refs.base, state_rel)
    our_state = _state_json(refs, refs.ours, state_rel)
    their_state = _state_json(refs, refs.theirs, state_rel)
    state = dict(our_state)
    for key, what in (("tables", "table"), ("enums", "enum")):
        state[key] = _merge_tables(
            base_state.get(key, {}), our_state.get(key, {}), their_state.get(key, {}), what
        )
    state["version"] = f"{top + len(ours_new):03d}"
    snapshot_text = dumps(_loads_state(json.dumps(state), config))
    files[config.state_path] = snapshot_text
    files[config.migrations_dir / SUM_FILE] = render_sums(sums)
    write_all_or_none(files)
    keep = set(files)
    for name in ours_new:
        path = config.migrations_dir / name
        if path not in keep:
            path.unlink(missing_ok=True)
    for old, new_name in renamed.items():
        click.echo(f"renumbered {config.migrations}/{old} -> {config.migrations}/{new_name}")
    click.echo("rebuilt schema state and buildamp.sum; review, then `git add` and commit")
    return 0


def _parse_sums(text: str) -> dict[str, str]:
    sums: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, digest = line.rpartition(" ")
            sums[name] = digest
    return sums


def _loads_state(text: str, config: Config) -> Snapshot:
    # loaded on use: commands that do not need it never import it
    from buildamp.files.snapshot import loads

    return loads(text, config.display(config.state_path))
