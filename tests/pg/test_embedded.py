"""Connection handling, and the embedded (pgserver) PostgreSQL used in dev mode
and as the test fallback. These start real servers in temp dirs; as root,
pgserver runs them as a ``pgserver`` system user it creates (see database.py)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from buildamp.model.errors import ConfigError, DatabaseError
from buildamp.model.schema import Column, Schema, Table
from buildamp.pg.database import (
    EMBEDDED_DIR,
    NO_DATABASE,
    connect,
    database_identity,
    redact,
    resolve_database_url,
)
from buildamp.run.catalog import read_catalog


def _stop(server: Any) -> None:
    """Stop a server and delete its data, even one started to outlive us."""
    server.cleanup_mode = "delete"
    server.cleanup()


@pytest.fixture
def own_dir() -> Iterator[Path]:
    """A folder of its own, outside pytest's ``pytest-of-<user>`` tree: as root the
    server runs as another user, and another pytest session pruning or re-permissioning
    that tree under it made initdb fail ("Permission denied") when runs overlapped."""
    folder = Path(tempfile.mkdtemp(prefix="buildamp-embedded-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def embedded(own_dir: Path) -> Iterator[Any]:
    pgserver = pytest.importorskip("pgserver")
    server = pgserver.get_server(own_dir / "pgdata", cleanup_mode="delete")
    try:
        yield server
    finally:
        _stop(server)


def test_embedded_server_round_trip(embedded: Any) -> None:
    url = embedded.get_uri()
    with connect(url, autocommit=True) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
        conn.execute("CREATE TABLE items (id BIGINT PRIMARY KEY, name TEXT NOT NULL DEFAULT '')")
        schema = read_catalog(conn)
    expected = Table(
        name="items",
        columns=(Column("id", "BIGINT", True), Column("name", "TEXT", True, "''")),
        tenant=False,
    )
    assert schema == Schema(tables=(expected,))


def test_dev_mode_starts_and_reuses_an_embedded_server(
    own_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pgserver = pytest.importorskip("pgserver")
    monkeypatch.delenv("BUILDAMP_DATABASE_URL", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    pgdata = (own_dir / EMBEDDED_DIR).resolve()
    try:
        url = resolve_database_url(None, None, "dev", own_dir)
        assert (pgdata / "PG_VERSION").exists()
        assert resolve_database_url(None, None, "dev", own_dir) == url
        with connect(url) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
    finally:
        server = pgserver.PostgresServer._instances.get(pgdata)
        if server is not None:
            _stop(server)


def test_resolution_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUILDAMP_DATABASE_URL", "postgresql://b/x")
    monkeypatch.setenv("DATABASE_URL", "postgresql://d/x")
    assert resolve_database_url("postgresql://cli/x", "postgresql://c/x", "prod", tmp_path) == (
        "postgresql://cli/x"
    )
    assert resolve_database_url(None, "postgresql://c/x", "prod", tmp_path) == "postgresql://b/x"
    monkeypatch.delenv("BUILDAMP_DATABASE_URL")
    assert resolve_database_url("", "postgresql://c/x", "prod", tmp_path) == "postgresql://d/x"
    monkeypatch.delenv("DATABASE_URL")
    assert resolve_database_url(None, "postgresql://c/x", "dev", tmp_path) == "postgresql://c/x"
    with pytest.raises(ConfigError) as error:
        resolve_database_url(None, None, "prod", tmp_path)
    assert str(error.value) == NO_DATABASE
    assert error.value.exit_code == 2
    assert not (tmp_path / ".buildamp").exists()


@pytest.mark.parametrize(
    ("url", "redacted", "identity"),
    [
        ("postgresql://u:s3cr%40t@db.example:6543/app", "postgresql://u:***@db.example:6543/app",
         "db.example:6543/app"),
        ("postgres://u@h/app?password=pw&sslmode=require",
         "postgres://u@h/app?password=***&sslmode=require", "h:5432/app"),
        ("host=h port=7 dbname=app user=u password='p w'", "host=h port=7 dbname=app user=u "
         "password=***", "h:7/app"),
        ("postgresql://postgres:@/postgres?host=/tmp/pg", "postgresql://postgres:@/postgres?host=/tmp/pg",
         "/tmp/pg:5432/postgres"),
    ],
)  # fmt: skip
def test_redact_and_identity(url: str, redacted: str, identity: str) -> None:
    assert redact(url) == redacted
    assert database_identity(url) == identity


def test_connect_failure_is_a_database_error_without_the_password() -> None:
    with pytest.raises(DatabaseError) as error:
        connect("postgresql://someone:hunter2@127.0.0.1:1/app?connect_timeout=2")
    assert error.value.exit_code == 3
    assert "hunter2" not in str(error.value)
    assert str(error.value).startswith("cannot connect to postgresql://someone:***@127.0.0.1:1/app")
