"""The README's demo: buildamp on examples/blog, against a real PostgreSQL.

Uses BUILDAMP_DATABASE_URL when set; else a local server on 127.0.0.1:5432 if one
answers (a fresh database ``buildamp_demo``); else buildamp's embedded PostgreSQL.
Works on a copy of the example so the repository stays clean.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parent / "blog"
BUILDAMP = [sys.executable, "-m", "buildamp"]


def run(*args: str, cwd: Path, check: bool = True) -> int:
    print(f"\n$ buildamp {' '.join(args)}", flush=True)
    return subprocess.run([*BUILDAMP, *args], cwd=cwd, check=check).returncode


def local_database() -> str | None:
    try:
        import psycopg

        admin = "postgresql://postgres@127.0.0.1:5432/postgres"
        with psycopg.connect(admin, connect_timeout=3, autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS buildamp_demo WITH (FORCE)")
            conn.execute("CREATE DATABASE buildamp_demo")
        return "postgresql://postgres@127.0.0.1:5432/buildamp_demo"
    except Exception:
        return None


def main() -> int:
    url = os.environ.get("BUILDAMP_DATABASE_URL") or local_database()
    env_note = url or "embedded PostgreSQL under .buildamp/pgdata"
    print(f"database: {env_note}")
    if url:
        os.environ["BUILDAMP_DATABASE_URL"] = url
    with tempfile.TemporaryDirectory(prefix="buildamp-demo-") as tmp:
        project = Path(tmp) / "blog"
        shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("pgdata", "cache"))
        run("migrate", "--check", cwd=project)
        for path in sorted((project / "migrations").glob("*.sql")):
            print(f"\n--- {path.relative_to(project)} ---\n{path.read_text()}")
        run("migrate", "--apply", cwd=project)
        run("migrate", "--status", cwd=project)
        run("drift", cwd=project)
        run("migrate", "--rollback", cwd=project)
        run("migrate", "--apply", cwd=project)
        run("drift", cwd=project)
        run("schema", "--format", "mermaid", cwd=project)
        twin = Path(tmp) / "blog-python"
        shutil.copytree(EXAMPLE.parent / "blog-python", twin)
        print("\nThe same models written in Python (examples/blog-python) give the same SQL:")
        run("migrate", "--dry-run", cwd=twin)
    return 0


if __name__ == "__main__":
    sys.exit(main())
