"""Shared by the fleet tests and the fleet benchmark: a small project with three
generated migrations, and many throwaway databases on one server."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from buildamp.cli.main import main
from tests.conftest import with_database

MODELS = (
    "pub struct Note { pub id: String, pub body: String }\n",
    "pub struct Note { pub id: String, pub body: String, pub title: Option<String> }\n",
    '#[table(indexes = ["title"])]\n'
    "pub struct Note { pub id: String, pub body: String, pub title: Option<String> }\n",
)
UNREACHABLE = "postgresql://fleet:s3cret-pass@127.0.0.1:1/nowhere?connect_timeout=2"


def cli(project: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["-C", str(project), *args], env=env or {})
    return result.exit_code, result.stdout, result.stderr


def make_project(root: Path, extra_config: str = "") -> Path:
    """``init`` + three generated migrations (create table, add column, add index)."""
    root.mkdir(parents=True, exist_ok=True)
    code, _, err = cli(root, "init")
    assert code == 0, err
    for number, model in enumerate(MODELS, start=1):
        (root / "models" / "notes_domain.rs").write_text(model)
        code, out, err = cli(root, "migrate", "--name", f"step_{number}")
        assert code == 0 and "wrote" in out, (out, err)
    if extra_config:
        with (root / "buildamp.toml").open("a") as config:
            config.write("\n" + extra_config)
    return root


def targets_toml(targets: dict[str, str], groups: dict[str, str] | None = None) -> str:
    lines = []
    for name, url in targets.items():
        lines += ["[[targets]]", f'name = "{name}"', f'database_url = "{url}"']
        if groups and name in groups:
            lines.append(f'group = "{groups[name]}"')
        lines.append("")
    return "\n".join(lines)


@contextmanager
def databases(server_url: str, count: int, prefix: str = "fleet") -> Iterator[list[str]]:
    """``count`` empty databases on the test server, dropped afterwards."""
    import psycopg

    tag = uuid.uuid4().hex[:8]
    names = [f"buildamp_{prefix}_{tag}_{i:03d}" for i in range(count)]
    with psycopg.connect(server_url, autocommit=True) as admin:
        for name in names:
            admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield [with_database(server_url, name) for name in names]
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            for name in names:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def applied_versions(url: str) -> list[str]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        exists = conn.execute("SELECT to_regclass('buildamp_migrations') IS NOT NULL").fetchone()
        if not exists or not exists[0]:
            return []
        rows = conn.execute("SELECT version FROM buildamp_migrations ORDER BY version").fetchall()
    return [row[0] for row in rows]


def by_target(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["target"]: entry for entry in document["targets"]}


def parse_json(out: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(out)
    return document
