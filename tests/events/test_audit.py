"""The audit trail of a CLI session: every event in order, valid JSON lines,
no database password and no webhook secret, a failing webhook recorded."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from click.testing import CliRunner

from buildamp.cli.main import main
from buildamp.events.audit import AuditLog, Scrubber
from buildamp.events.bus import FAILED, Event
from tests.events.test_webhooks import HookServer, make_project

PASSWORD = "pw-Sup3r-s3cret"
HOOK_SECRET = "whsec-never-log-me-42"


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[HookServer]:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    hook_server = HookServer()
    yield hook_server
    hook_server.close()


def with_password(url: str) -> str:
    """``pg_url`` carrying a password (ignored by a trust-auth server)."""
    parts = urlsplit(url)
    if "://" not in url or "@" not in parts.netloc or parts.password:
        pytest.skip("needs a URL with a user and no password")
    user, _, host = parts.netloc.rpartition("@")
    return urlunsplit((parts.scheme, f"{user}:{PASSWORD}@{host}", *parts[2:]))


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run(project: Path, *args: str) -> Any:
    return CliRunner().invoke(main, ["-C", str(project), *args])


def read_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_apply_rollback_session_is_complete_ordered_and_secret_free(
    tmp_path: Path, pg_url: str, server: HookServer
) -> None:
    url = with_password(pg_url)
    hooks = (
        f'\n[[webhooks]]\nurl = "{server.url("/ok")}"\nsecret = "{HOOK_SECRET}"\n'
        f'\n[[webhooks]]\nurl = "http://127.0.0.1:{closed_port()}/hook?token={HOOK_SECRET}"\n'
        f'secret = "{HOOK_SECRET}"\ntimeout = 1\nevents = ["migration.applied"]\n'
    )
    project = make_project(tmp_path / "app", hooks)
    result = run(project, "--log-format", "json", "migrate", "--apply", "--database-url", url)
    assert result.exit_code == 0, result.stderr
    result = run(project, "migrate", "--rollback", "--steps", "2", "--database-url", url)
    assert result.exit_code == 0, result.stderr

    log = project / ".buildamp" / "audit.log"
    text = log.read_text()
    assert PASSWORD not in text and HOOK_SECRET not in text
    lines = read_lines(log)
    migration_events = [
        (line["event"], line["version"])
        for line in lines
        if not line["event"].startswith("webhook.")
    ]
    assert migration_events == [
        ("migration.started", "001"),
        ("migration.applied", "001"),
        ("migration.started", "002"),
        ("migration.applied", "002"),
        ("migration.rolled_back", "002"),
        ("migration.rolled_back", "001"),
    ]
    sequences = [line["sequence"] for line in lines if line["event"].startswith("migration.")]
    assert sequences[:4] == sorted(sequences[:4]) and sequences[4:] == sorted(sequences[4:])
    for line in lines:
        assert list(line)[:3] == ["timestamp", "level", "event"]
        assert line["level"] in ("info", "warning", "error")
    applied = lines[1]
    assert applied["database"].startswith("127.0.0.1:5432/") and "@" not in applied["database"]
    assert applied["tables"] == ["one"] and applied["duration_ms"] >= 0
    # The unreachable webhook failed twice (once per applied migration); the failure is logged.
    failures = [line for line in lines if line["event"] == "webhook.failed"]
    assert len(failures) == 2
    assert {f["for_event"] for f in failures} == {"migration.applied"}
    assert all(f["webhook"].startswith("http://127.0.0.1:") and f["error"] for f in failures)
    # The reachable webhook got every event, in order of emission.
    received = sorted((r.payload for r in server.on("/ok")), key=lambda p: p["sequence"])
    assert [(p["event"], p["version"]) for p in received] == migration_events
    # --log-format json: the same records on stderr, as JSON lines; text format: none.
    assert result.stderr == ""
    stderr_events = [
        json.loads(line)["event"]
        for line in run_json_stderr(project, url).splitlines()
        if line.startswith("{")
    ]
    assert stderr_events[:2] == ["migration.started", "migration.applied"]


def run_json_stderr(project: Path, url: str) -> str:
    result = run(
        project, "--log-format", "json", "migrate", "--apply", "--to", "001", "--database-url", url
    )
    assert result.exit_code == 0, result.stderr
    assert PASSWORD not in result.stderr and HOOK_SECRET not in result.stderr
    return str(result.stderr)


def test_failed_apply_is_logged_as_error_without_password(tmp_path: Path, pg_url: str) -> None:
    url = with_password(pg_url)
    project = make_project(tmp_path / "app", "", failing_second=True)
    result = run(project, "migrate", "--apply", "--database-url", url)
    assert result.exit_code == 3
    lines = read_lines(project / ".buildamp" / "audit.log")
    assert [(line["event"], line["version"]) for line in lines] == [
        ("migration.started", "001"),
        ("migration.applied", "001"),
        ("migration.started", "002"),
        ("migration.failed", "002"),
    ]
    assert lines[-1]["level"] == "error" and "division by zero" in lines[-1]["error"]
    assert PASSWORD not in (project / ".buildamp" / "audit.log").read_text()


def test_audit_log_path_is_configurable(tmp_path: Path, pg_url: str) -> None:
    project = make_project(tmp_path / "app", 'audit_log = "logs/buildamp-audit.jsonl"\n')
    assert run(project, "migrate", "--apply", "--database-url", pg_url).exit_code == 0
    assert len(read_lines(project / "logs" / "buildamp-audit.jsonl")) == 4
    assert not (project / ".buildamp" / "audit.log").exists()


def test_scrubber_removes_known_and_url_shaped_secrets(tmp_path: Path) -> None:
    scrub = Scrubber(["hunter2"])
    record = {
        "error": "cannot connect to postgresql://bob:topsecret@db:5432/app (password=hunter2)",
        "nested": [{"dsn": "host=db password='x y' dbname=app"}],
        "n": 3,
    }
    cleaned = scrub(record)
    flat = json.dumps(cleaned)
    assert "topsecret" not in flat and "hunter2" not in flat and "x y" not in flat
    assert "postgresql://bob:***@db:5432/app" in flat and cleaned["n"] == 3
    log = AuditLog(tmp_path / "a" / "audit.log", url="postgresql://u:p%40ss@h/db")
    log.record(Event(FAILED, error="auth failed for p@ss and p%40ss"))
    log.close()
    log.record(Event(FAILED))  # after close: ignored, no error
    [line] = read_lines(tmp_path / "a" / "audit.log")
    assert "p@ss" not in json.dumps(line) and "p%40ss" not in json.dumps(line)


def test_unwritable_audit_log_is_a_clean_error(tmp_path: Path) -> None:
    blocker = tmp_path / "app" / "blocked"
    project = make_project(tmp_path / "app", 'audit_log = "blocked/audit.log"\n')
    blocker.write_text("a file, not a folder")
    result = run(project, "migrate", "--apply", "--database-url", "postgresql://u@127.0.0.1:1/x")
    # exit 2, not 3: the audit log is opened before the database is ever contacted
    assert result.exit_code == 2
    assert "cannot open the audit log" in result.stderr and "Traceback" not in result.stderr
