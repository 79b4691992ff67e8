"""Find and read every model file under the configured folders, in a fixed order."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from buildamp.files.config import Config
from buildamp.model.errors import ConfigError, Location

if TYPE_CHECKING:  # listing model files (every command) loads no declaration type
    from buildamp.sources.decl import SourceFile
    from buildamp.sources.parse_cache import SourceCache

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
    order, without a Path object per file and directory."""
    found: list[tuple[list[str], str]] = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS]
        prefix = os.path.relpath(folder, root)
        for name in names:
            if os.path.splitext(name)[1] in (".rs", ".py", ".elm"):
                relative = name if prefix == "." else f"{prefix}/{name}"
                if os.path.isfile(os.path.join(folder, name)):
                    found.append((relative.split("/"), relative))
    return found


def read_sources(config: Config, use_cache: bool = True) -> list[SourceFile]:
    """Every model file, parsed. Rust and Elm files go through the content-hash cache
    (:mod:`buildamp.sources.parse_cache`); the result is the same with or without it."""
    # the parse cache: only when sources are read
    from buildamp.cache.store import gc_paused
    from buildamp.sources.parse_cache import SourceCache

    cache = SourceCache.for_project(config.project_dir) if use_cache else SourceCache(None)
    sources: list[SourceFile] = []
    python_files: list[Path] = []
    with gc_paused():
        for path in model_files(config):
            if path.suffix == ".rs":
                sources.append(_read_rust(path, config.display(path), cache))
            elif path.suffix == ".elm":
                sources.append(_read_elm(path, config.display(path), cache))
            else:
                python_files.append(path)
    cache.prune()
    if python_files:
        # Python models: only for projects that have them
        from buildamp.sources.python import read_python_files

        sources += read_python_files(python_files, config)
    return sources


def _read_rust(path: Path, display: str, cache: SourceCache) -> SourceFile:
    """One Rust file from the cache, else parsed (and stored)."""
    try:
        data = path.read_bytes()
    except OSError:
        # tree-sitter and the Rust grammar: only for projects with Rust models
        from buildamp.sources.rust import read_rust_file

        return read_rust_file(path, display)  # reports the error as the reader does
    return _rust_from_bytes(path, display, data, cache)


def _read_elm(path: Path, display: str, cache: SourceCache) -> SourceFile:
    """One Elm file from the cache, else parsed (and stored); keyed apart from Rust."""
    try:
        data = path.read_bytes()
    except OSError:
        # the Elm grammar (tree-sitter-language-pack) loads only for projects with .elm files
        from buildamp.sources.elm import read_elm_file

        return read_elm_file(path, display)  # reports the error as the reader does
    return _elm_from_bytes(display, data, cache)


def _rust_from_bytes(path: Path, display: str, data: bytes, cache: SourceCache) -> SourceFile:
    domain_file = path.name.endswith("_domain.rs")
    key = cache.key(data, display, domain_file)
    cached = cache.get(key)
    if cached is not None and cached.digest == key:
        return cached
    # tree-sitter and the Rust grammar: only for projects with Rust models
    from buildamp.sources.rust import read_rust_source

    source = replace(read_rust_source(data, display, domain_file), digest=key)
    cache.put(key, source)
    return source


def _elm_from_bytes(display: str, data: bytes, cache: SourceCache) -> SourceFile:
    key = cache.key(data, display, False, language="elm")
    cached = cache.get(key)
    if cached is not None and cached.digest == key:
        return cached
    # the Elm grammar (tree-sitter-language-pack) loads only for projects with .elm files
    from buildamp.sources.elm import read_elm_source

    source = replace(read_elm_source(data, display), digest=key)
    cache.put(key, source)
    return source


def read_changed(config: Config, path: Path, display: str, data: bytes) -> SourceFile:
    """One Rust or Elm model file whose bytes were just read (the incremental
    path), through the parse cache like :func:`read_sources`."""
    # the parse cache: only when sources are read
    from buildamp.sources.parse_cache import SourceCache

    cache = SourceCache.for_project(config.project_dir)
    if path.suffix == ".elm":
        return _elm_from_bytes(display, data, cache)
    return _rust_from_bytes(path, display, data, cache)
