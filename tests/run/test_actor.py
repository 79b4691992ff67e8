"""Issue 12 item 5: one actor() — the history table and the audit log agree,
both honouring BUILDAMP_ACTOR."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
from click.testing import CliRunner

from buildamp.cli.main import main


def test_history_and_audit_log_name_the_same_actor(tmp_path: Path, pg_url: str) -> None:
    root = tmp_path / "app"
    root.mkdir()
    assert CliRunner().invoke(main, ["-C", str(root), "init"]).exit_code == 0
    (root / "migrations" / "001_a.sql").write_text("BEGIN;\nCREATE TABLE a (id int);\nCOMMIT;\n")
    (root / "migrations" / "rollback" / "001_rollback.sql").write_text("DROP TABLE a;\n")
    result = CliRunner().invoke(
        main,
        ["-C", str(root), "migrate", "--apply", "--database-url", pg_url],
        env={"BUILDAMP_ACTOR": "ci-deployer"},
    )
    assert result.exit_code == 0, result.output
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT applied_by FROM buildamp_migrations").fetchone() == (
            "ci-deployer",
        )
    lines = [
        json.loads(line) for line in (root / ".buildamp" / "audit.log").read_text().splitlines()
    ]
    applied = [line for line in lines if line["event"] == "migration.applied"]
    assert applied and applied[0]["actor"] == "ci-deployer"
