"""Find and read every model file under the configured folders, in a fixed order."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from buildamp.files.config import Config
from buildamp.model.errors import ConfigError, Location

if TYPE_CHECKING:  # listing model files (every command) loads no declaration type
    from buildamp.sources.decl import SourceFile

SKIP_DIRS = frozenset(
    {"target", "__pycache__", ".git", "node_modules", ".buildamp", ".venv", "venv", ".tox"}
)


def model_files(config: Config) -> list[Path]:
    files: list[Path] = []
    for folder in config.models:
        root = config.project_dir / folder
        if not root.is_dir():
            raise ConfigError(
                f"model folder {folder!r} does not exist",
                Location(config.source or "buildamp.toml"),
                "create it or fix `models` in the config",
            )
        files += [root / relative for _, relative in sorted(_walk(str(root)))]
    return files


def _walk(root: str) -> list[tuple[list[str], str]]:
    """(path parts, relative path) of each model file under ``root``, skipping
    :data:`SKIP_DIRS`; sorted by parts this is ``sorted(root.rglob("*"))``'s
    order, without a Path object per file and directory. What ``os.walk``
    (not following links to folders) with ``os.path.isfile`` on each model file
    finds, from the directory entries alone: a stat only for a symbolic link."""
    found: list[tuple[list[str], str]] = []
    pending = [(root, "")]
    while pending:
        folder, prefix = pending.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue  # as os.walk: an unreadable folder is skipped
        for entry in entries:
            name = entry.name
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                if name not in SKIP_DIRS and not entry.is_symlink():
                    pending.append((entry.path, f"{prefix}{name}/"))
            elif os.path.splitext(name)[1] in (".rs", ".py", ".elm") and _is_file(entry):
                relative = prefix + name
                found.append((relative.split("/"), relative))
    return found


def _is_file(entry: os.DirEntry[str]) -> bool:
    """``os.path.isfile`` of the entry (a link is followed)."""
    try:
        return entry.is_file()
    except OSError:
        return False


def read_sources(config: Config) -> list[SourceFile]:
    """Every model file, parsed, in :func:`model_files` order.

    Nothing is cached: an edit re-reads only its own file through
    :func:`read_changed` (the model index, cli/model_index.py, proves the rest
    unchanged), and a full read stays cheaper than storing every parse. Each
    file's syntax tree is dropped once its declarations are read."""
    # loaded on use: only commands that read every model need it
    from buildamp.cache.store import gc_paused

    sources: list[SourceFile] = []
    python_files: list[Path] = []
    paths = model_files(config)
    with gc_paused():
        for path, display in zip(paths, config.display_all(paths), strict=True):
            if path.suffix == ".rs":
                sources.append(_read_rust(path, display))
            elif path.suffix == ".elm":
                sources.append(_read_elm(path, display))
            else:
                python_files.append(path)
    if python_files:
        # Python models: only for projects that have them
        from buildamp.sources.python import read_python_files

        sources += read_python_files(python_files, config)
    return sources


def _read_rust(path: Path, display: str) -> SourceFile:
    # tree-sitter and the Rust grammar: only for projects with Rust models
    from buildamp.sources.rust import read_rust_file

    return read_rust_file(path, display)


def _read_elm(path: Path, display: str) -> SourceFile:
    # the Elm grammar (tree-sitter-language-pack) loads only for projects with .elm files
    from buildamp.sources.elm import read_elm_file

    return read_elm_file(path, display)


def read_changed(path: Path, display: str, data: bytes) -> SourceFile:
    """One Rust or Elm model file whose bytes were just read (the incremental
    path), read as :func:`read_sources` reads it."""
    if path.suffix == ".elm":
        # the Elm grammar (tree-sitter-language-pack) loads only for projects with .elm files
        from buildamp.sources.elm import read_elm_source

        return read_elm_source(data, display)
    # tree-sitter and the Rust grammar: only for projects with Rust models
    from buildamp.sources.rust import read_rust_source

    return read_rust_source(data, display, path.name.endswith("_domain.rs"))
