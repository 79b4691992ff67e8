"""Checks on names and files a model refers to, with the model's location."""

from __future__ import annotations

from pathlib import Path

from buildamp.model.errors import Location, ModelError
from buildamp.model.naming import MAX_IDENTIFIER


def check_custom_sql(path: str, project_dir: Path, where: Location) -> None:
    target = (project_dir / path).resolve()
    if not target.is_file():
        raise ModelError(f"custom_sql file {path!r} not found", where, f"create {target}")
    if project_dir.resolve() not in target.parents:
        raise ModelError(f"custom_sql file {path!r} is outside the project", where)


def check_identifier(name: str, what: str, where: Location) -> None:
    if len(name.encode()) > MAX_IDENTIFIER:
        raise ModelError(
            f"{what} {name!r} is {len(name.encode())} bytes; PostgreSQL truncates names "
            f"over {MAX_IDENTIFIER}",
            where,
            "choose a shorter name",
        )
