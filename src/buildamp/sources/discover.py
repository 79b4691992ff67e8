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
    for root, relatives in _listed(config):
        files += [root / relative for relative in relatives]
    return files


def model_file_names(config: Config) -> list[tuple[str, str]]:
    """(key, path) of every model file, in :func:`model_files` order, as strings:
    the key is the path relative to the project folder with ``/`` (what
    ``Path.relative_to(...).as_posix()`` gives). The model index stats every
    file on every run and needs no Path object for it (a Path per file, and its
    string, cost ~10 ms at 1,000 files)."""
    names: list[tuple[str, str]] = []
    project = os.path.join(str(config.project_dir), "")
    for root, relatives in _listed(config):
        folder = os.path.join(str(root), "")
        if os.sep == "/" and folder.startswith(project):
            prefix = folder[len(project) :]
            names += [(prefix + relative, folder + relative) for relative in relatives]
        else:  # another separator, or a folder outside the project: the Path way
            for relative in relatives:
                path = root / relative
                names.append((path.relative_to(config.project_dir).as_posix(), str(path)))
    return names


def _listed(config: Config) -> list[tuple[Path, list[str]]]:
    """Each model folder with its model files' relative paths, in order."""
    listed: list[tuple[Path, list[str]]] = []
    for folder in config.models:
        root = config.project_dir / folder
        if not root.is_dir():
            raise ConfigError(
                f"model folder {folder!r} does not exist",
                Location(config.source or "buildamp.toml"),
                "create it or fix `models` in the config",
            )
        listed.append((root, [relative for _, relative in sorted(_walk(str(root)))]))
    return listed


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
