"""Issue 14 items 8 and 13: the embedded dev server is announced and manageable
(``buildamp db url|stop``); the demo uses and drops its own database only."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from buildamp.pg.database import connect
from tests.cli.test_migrate_trust import cli, make_project

ROOT = Path(__file__).resolve().parent.parent.parent


def test_embedded_fallback_is_announced(
    tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server start itself is pgserver's (tests/test_embedded.py); here the
    embedded URL is a real test database, to check what the user is told."""
    import buildamp.pg.database as database

    monkeypatch.setattr(database, "embedded_server_url", lambda _pgdata: pg_url)
    root = make_project(tmp_path, migrations=1)
    code, out, err = cli(root, "migrate", "--status")
    assert code == 0, err
    assert "using embedded PostgreSQL at postgresql://postgres@127.0.0.1" in err
    assert "(stop: buildamp db stop)" in err and "using embedded" not in out
    code, out, _ = cli(root, "db", "url")
    assert code == 0 and out.strip() == pg_url
    code, _, err = cli(root, "migrate", "--status", "--database-url", pg_url)
    assert "using embedded" not in err


def test_db_stop_when_nothing_runs_starts_nothing(tmp_path: Path) -> None:
    root = make_project(tmp_path, migrations=1)
    code, out, _ = cli(root, "db", "stop")
    assert code == 0 and "not running" in out
    assert not (root / ".buildamp" / "pgdata").exists()


def _demo_databases(url: str) -> set[str]:
    with connect(url, autocommit=True) as admin:
        rows = admin.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE 'buildamp_demo%'"
        ).fetchall()
    return {row[0] for row in rows}


def test_demo_uses_and_drops_its_own_database(pg_server_url: str) -> None:
    if "127.0.0.1:5432" not in pg_server_url:
        pytest.skip("the demo uses the local server on 127.0.0.1:5432")
    before = _demo_databases(pg_server_url)
    env = {k: v for k, v in os.environ.items() if "DATABASE_URL" not in k}
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "run_demo.py")],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "dropped the demo database buildamp_demo_" in done.stdout
    assert _demo_databases(pg_server_url) <= before  # nothing left behind
    source = (ROOT / "examples" / "run_demo.py").read_text()
    assert "WITH (FORCE)" not in source
