"""The README's demo: buildamp on examples/blog, against a real PostgreSQL.

Uses BUILDAMP_DATABASE_URL when set; else a local server on 127.0.0.1:5432 if one
answers: a fresh database with a unique name (``buildamp_demo_<random>``), dropped
at the end, so a database someone else uses is never touched; else buildamp's
embedded PostgreSQL. Works on a copy of the example so the repository stays clean.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parent / "blog"
BUILDAMP = [sys.executable, "-m", "buildamp"]


def run(*args: str, cwd: Path, check: bool = True) -> int:
    print(f"\n$ buildamp {' '.join(args)}", flush=True)
    return subprocess.run([*BUILDAMP, *args], cwd=cwd, check=check).returncode


ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def local_database() -> tuple[str, str] | None:
    """(url, name) of a new, uniquely named database on the local server."""
    try:
        import psycopg

        name = f"buildamp_demo_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(ADMIN_URL, connect_timeout=3, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"'.encode())
        return f"postgresql://postgres@127.0.0.1:5432/{name}", name
    except Exception:
        return None


def drop_database(name: str) -> None:
    """Drop the demo's own database (its unique name: nobody else is using it)."""
    import psycopg

    with psycopg.connect(ADMIN_URL, connect_timeout=3, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"'.encode())


def main() -> int:
    url = os.environ.get("BUILDAMP_DATABASE_URL")
    own = None if url else local_database()
    if own is not None:
        url = own[0]
    env_note = url or "embedded PostgreSQL under .buildamp/pgdata"
    print(f"database: {env_note}")
    if url:
        os.environ["BUILDAMP_DATABASE_URL"] = url
    try:
        demo()
    finally:
        if own is not None:
            drop_database(own[1])
            print(f"\ndropped the demo database {own[1]}")
    return 0


def demo() -> None:
    with tempfile.TemporaryDirectory(prefix="buildamp-demo-") as tmp:
        project = Path(tmp) / "blog"
        shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("pgdata", "cache"))
        run("migrate", "--check", cwd=project)
        for path in sorted((project / "migrations").glob("*.sql")):
            print(f"\n--- {path.relative_to(project)} ---\n{path.read_text()}")
        run("migrate", "--apply", "--dry-run", cwd=project)
        run("migrate", "--apply", cwd=project)
        run("migrate", "--status", cwd=project)
        run("drift", cwd=project)
        run("migrate", "--rollback", cwd=project)
        run("drift", cwd=project, check=False)
        run("migrate", "--apply", cwd=project)
        run("drift", cwd=project)
        run("schema", "--format", "mermaid", cwd=project)
        twin = Path(tmp) / "blog-python"
        shutil.copytree(EXAMPLE.parent / "blog-python", twin)
        print("\nThe same models written in Python (examples/blog-python) give the same SQL:")
        run("migrate", "--dry-run", cwd=twin)


if __name__ == "__main__":
    sys.exit(main())
