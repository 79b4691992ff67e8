"""Helpers shared by the database tests: run SQL like a user would, read it back."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from buildamp.model.schema import Schema
from buildamp.pg.database import connect
from buildamp.run.catalog import read_catalog
from buildamp.run.comparable import comparable


def apply_sql(url: str, sql_text: str) -> None:
    """Run a whole migration file's text the way a user would: with
    ``psql -v ON_ERROR_STOP=1 -X -q -f`` when psql exists (so a file that only
    works through our executor fails here), else as one psycopg simple query."""
    psql = shutil.which("psql")
    if psql is None:
        with connect(url, autocommit=True) as conn:
            conn.execute(sql_text.encode())  # bytes: no parameters, multi-statement ok
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "migration.sql"
        path.write_text(sql_text, encoding="utf-8")
        result = subprocess.run(
            [psql, "-v", "ON_ERROR_STOP=1", "-X", "-q", "-d", url, "-f", str(path)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    if result.returncode != 0:
        raise AssertionError(
            f"psql failed (exit {result.returncode}):\n{result.stderr}\n--- SQL ---\n{sql_text}"
        )


def catalog_of(url: str, schema_name: str = "public") -> Schema:
    """The live schema reduced to what :func:`comparable` keeps."""
    with connect(url) as conn:
        return comparable(read_catalog(conn, schema_name))
