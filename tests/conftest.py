"""Real-PostgreSQL fixtures: one server per session, one throwaway database per test.

Server discovery: ``BUILDAMP_TEST_DATABASE_URL``, else a local server on
127.0.0.1:5432 (user postgres), else an embedded pgserver in a temp dir. Each
test gets its own database, dropped afterwards, so tests share no data and run
in any order (also under pytest-xdist).
"""

from __future__ import annotations

import os
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT / "src", ROOT):  # `from tests.helpers import ...` without installing
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

LOCAL_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def pytest_configure(config: pytest.Config) -> None:
    # pgserver's import asks platformdirs for a runtime dir; harmless when unset.
    config.addinivalue_line("filterwarnings", "ignore:XDG_RUNTIME_DIR is not set")


def _reachable(url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=3, autocommit=True) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error:
        return False
    return True


def with_database(url: str, dbname: str) -> str:
    """``url`` pointing at another database (keeps host, socket and credentials)."""
    if "://" not in url:
        return f"{url} dbname={dbname}"
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{dbname}", parts.query, parts.fragment))


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    """Admin URL of a PostgreSQL server the tests may create databases on."""
    configured = os.environ.get("BUILDAMP_TEST_DATABASE_URL")
    if configured:
        yield configured
        return
    if _reachable(LOCAL_URL):
        yield LOCAL_URL
        return
    try:
        from pgserver.postgres_server import get_server
    except ImportError:
        pytest.skip("no PostgreSQL reachable and pgserver is not installed")
    with tempfile.TemporaryDirectory(prefix="buildamp-pg-") as tmp:
        server: Any = get_server(Path(tmp) / "pgdata", cleanup_mode="delete")
        try:
            yield str(server.get_uri())
        finally:
            server.cleanup()


@pytest.fixture
def pg_url(pg_server_url: str) -> Iterator[str]:
    """A fresh, empty database for this test only; dropped (forcibly) afterwards."""
    import psycopg

    name = f"buildamp_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield with_database(pg_server_url, name)
    finally:
        with psycopg.connect(pg_server_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_conn(pg_url: str) -> Iterator[Any]:
    """An autocommit connection to this test's database."""
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as conn:
        yield conn
