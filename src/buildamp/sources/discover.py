"""Find and read every model file under the configured folders, in a fixed order."""

from __future__ import annotations

from pathlib import Path

from buildamp.config import Config
from buildamp.errors import ConfigError, Location
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
        for path in sorted(root.rglob("*")):
            if any(part in SKIP_DIRS for part in path.relative_to(root).parts):
                continue
            if path.is_file() and path.suffix in (".rs", ".py"):
                files.append(path)
    return files


def read_sources(config: Config) -> list[SourceFile]:
    from buildamp.sources.rust import read_rust_file

    sources: list[SourceFile] = []
    python_files: list[Path] = []
    for path in model_files(config):
        if path.suffix == ".rs":
            sources.append(read_rust_file(path, config.display(path)))
        else:
            python_files.append(path)
    if python_files:
        from buildamp.sources.python import read_python_files

        sources += read_python_files(python_files, config)
    return sources
