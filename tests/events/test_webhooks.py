"""Webhooks against a real HTTP server on 127.0.0.1: signed bodies, retries on
5xx, a hanging endpoint abandoned at its timeout while the migration completes,
and nothing announcing a change that was rolled back."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from buildamp.events import webhooks
from buildamp.events.bus import APPLIED, EVENT_NAMES, Event
from buildamp.events.sinks import command_sinks
from buildamp.events.webhooks import SIGNATURE_HEADER, WebhookDispatcher, deliver_all, sign, verify
from buildamp.files.config import Webhook, load_config
from buildamp.model.errors import DatabaseError
from buildamp.pg.database import connect
from buildamp.run.apply import apply

SILENT = lambda _line: None  # noqa: E731
SECRET = "whsec-test-0123456789"


@dataclass
class Captured:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def payload(self) -> dict[str, Any]:
        return dict(json.loads(self.body))


class HookServer:
    """A loopback HTTP server that records POSTs. ``script[path]`` lists the
    status codes to answer in turn (then 200); paths under ``/hang`` never
    answer until the test ends."""

    def __init__(self) -> None:
        self.requests: list[Captured] = []
        self.script: dict[str, list[int]] = {}
        self.release = threading.Event()
        self.lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with owner.lock:
                    owner.requests.append(Captured(self.path, dict(self.headers.items()), body))
                    codes = owner.script.get(self.path, [])
                    code = codes.pop(0) if codes else 200
                if self.path.startswith("/hang"):
                    owner.release.wait(30)
                try:
                    self.send_response(code)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass

            def log_message(self, *_: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def on(self, path: str) -> list[Captured]:
        with self.lock:
            return [r for r in self.requests if r.path == path]

    def close(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[HookServer]:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setattr(webhooks, "BACKOFF_SECONDS", 0.02)
    hook_server = HookServer()
    yield hook_server
    hook_server.close()


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def make_project(root: Path, hooks: str, failing_second: bool = False) -> Path:
    (root / "models").mkdir(parents=True)
    write(root / "buildamp.toml", 'models = ["models"]\n' + hooks)
    second = "CREATE TABLE two (id int);\n" + ("SELECT 1/0;\n" if failing_second else "")
    for version, name, up, down in (
        ("001", "one", "CREATE TABLE one (id int);\n", "DROP TABLE one;\n"),
        ("002", "two", second, "DROP TABLE two;\n"),
    ):
        header = (
            f"-- migrations/{version}_{name}.sql\n-- Table: {name} - created\n"
            f'-- buildamp:changes {{"tables":["{name}"],"fields":[]}}\n'
        )
        write(root / "migrations" / f"{version}_{name}.sql", f"{header}BEGIN;\n{up}COMMIT;\n")
        write(root / "migrations" / "rollback" / f"{version}_rollback.sql", down)
    return root


def hook_toml(url: str, timeout: float = 3.0, events: str = "") -> str:
    lines = f'\n[[webhooks]]\nurl = "{url}"\nsecret = "{SECRET}"\ntimeout = {timeout}\n'
    return lines + (f"events = {events}\n" if events else "")


def an_event() -> Event:
    return Event(APPLIED, version="001", name="one", tables=("one",), duration_ms=12)


def test_signature_verifies_over_timestamp_and_body(server: HookServer) -> None:
    hook = Webhook(server.url("/ok"), secret=SECRET)
    [result] = deliver_all([hook], an_event())
    assert result.ok and result.attempts == 1 and result.status == 200
    [request] = server.on("/ok")
    header = request.headers[SIGNATURE_HEADER]
    assert header.startswith("t=") and ",v1=" in header
    assert verify(SECRET, request.body, header)
    assert not verify("wrong-secret", request.body, header)
    assert not verify(SECRET, request.body.replace(b"001", b"002"), header)
    stamp = int(header.split(",")[0][2:])
    assert abs(stamp - time.time()) < 60
    assert not verify(SECRET, request.body, header, now=stamp + 3600)  # replayed later
    assert header == sign(SECRET, request.body, stamp)
    payload = request.payload
    assert payload["event"] == APPLIED and payload["version"] == "001"
    assert request.headers["X-Buildamp-Event"] == APPLIED
    assert request.headers["X-Buildamp-Delivery"] == payload["id"]
    assert request.headers["Content-Type"] == "application/json"


def test_no_secret_no_signature(server: HookServer) -> None:
    [result] = deliver_all([Webhook(server.url("/plain"))], an_event())
    assert result.ok
    assert SIGNATURE_HEADER not in server.on("/plain")[0].headers


def test_retries_on_500_then_succeeds(server: HookServer) -> None:
    server.script["/flaky"] = [500, 503]
    [result] = deliver_all([Webhook(server.url("/flaky"), secret=SECRET)], an_event())
    assert result.ok and result.attempts == 3
    requests = server.on("/flaky")
    assert len(requests) == 3
    assert len({r.body for r in requests}) == 1  # same delivery, re-sent
    assert all(verify(SECRET, r.body, r.headers[SIGNATURE_HEADER]) for r in requests)


def test_retries_are_bounded(server: HookServer) -> None:
    server.script["/down"] = [500] * 50
    started = time.monotonic()
    [result] = deliver_all([Webhook(server.url("/down"), timeout=2.0)], an_event())
    assert not result.ok and result.status == 500
    assert result.attempts == webhooks.MAX_ATTEMPTS == len(server.on("/down"))
    assert time.monotonic() - started < 2.0


def test_client_errors_are_not_retried(server: HookServer) -> None:
    server.script["/gone"] = [410]
    [result] = deliver_all([Webhook(server.url("/gone"))], an_event())
    assert not result.ok and result.attempts == 1 and result.error == "HTTP 410"


def test_event_filter_and_unknown_event_name(server: HookServer) -> None:
    hook = Webhook(server.url("/only"), events=("migration.rolled_back",))
    assert deliver_all([hook], an_event()) == []
    with pytest.raises(Exception, match="matches no event"):
        WebhookDispatcher([Webhook(server.url("/x"), events=("migration.finished",))])
    # every documented event name is accepted as a filter
    assert EVENT_NAMES
    for name in EVENT_NAMES:
        dispatcher = WebhookDispatcher([Webhook(server.url("/x"), events=(name,))])
        assert [hook.events for hook in dispatcher.webhooks] == [(name,)]


def test_hanging_endpoint_is_abandoned_at_its_timeout(
    server: HookServer, tmp_path: Path, pg_url: str
) -> None:
    project = make_project(tmp_path / "app", hook_toml(server.url("/hang"), timeout=1.0))
    config = load_config(project)
    started = time.monotonic()
    with command_sinks(config, url=pg_url):
        assert apply(config, pg_url, report=SILENT) == ["001", "002"]
        migrated = time.monotonic() - started
    total = time.monotonic() - started
    assert migrated < 1.0  # the migration never waited for the endpoint
    assert total < 1.0 + webhooks.JOIN_GRACE + 1.0  # the command waits at most ~its timeout
    with connect(pg_url) as conn:
        rows = conn.execute("SELECT version FROM buildamp_migrations ORDER BY 1").fetchall()
    assert [r[0] for r in rows] == ["001", "002"]
    assert server.on("/hang")  # it was tried
    lines = [
        json.loads(line) for line in (project / ".buildamp" / "audit.log").read_text().splitlines()
    ]
    failures = [line for line in lines if line["event"].startswith("webhook.")]
    assert failures and all(f["webhook"] == server.url("") for f in failures)
    assert {f["event"] for f in failures} <= {"webhook.failed", "webhook.abandoned"}


def test_dispatcher_close_is_bounded_and_reports_abandoned(server: HookServer) -> None:
    recorded: list[dict[str, Any]] = []
    dispatcher = WebhookDispatcher(
        [Webhook(server.url("/hang"), timeout=5.0)], on_failure=lambda f: recorded.append(dict(f))
    )
    dispatcher.submit(an_event())
    started = time.monotonic()
    dispatcher.close(bound=0.3)
    assert time.monotonic() - started < 1.0
    assert [r["record"] for r in recorded] == ["webhook.abandoned"]
    assert "hang" not in json.dumps(recorded)  # only the origin is named, not the path


def test_nothing_sent_for_a_rolled_back_migration(
    server: HookServer, tmp_path: Path, pg_url: str
) -> None:
    project = make_project(tmp_path / "app", hook_toml(server.url("/all")), failing_second=True)
    config = load_config(project)
    with command_sinks(config, url=pg_url), pytest.raises(DatabaseError):
        apply(config, pg_url, report=SILENT)
    sent = [(r.payload["event"], r.payload["version"]) for r in server.on("/all")]
    assert ("migration.applied", "001") in sent
    assert ("migration.applied", "002") not in sent  # its transaction was rolled back
    assert ("migration.failed", "002") in sent
    assert all(event != "schema.changed" for event, _ in sent)
    failed = next(r.payload for r in server.on("/all") if r.payload["event"] == "migration.failed")
    assert "division by zero" in failed["error"]
    with connect(pg_url) as conn:
        assert conn.execute("SELECT to_regclass('two')").fetchone()[0] is None


def test_applied_only_filter_sees_only_committed_changes(
    server: HookServer, tmp_path: Path, pg_url: str
) -> None:
    hooks = hook_toml(
        server.url("/applied"), events='["migration.applied", "migration.rolled_back"]'
    )
    project = make_project(tmp_path / "app", hooks, failing_second=True)
    config = load_config(project)
    with command_sinks(config, url=pg_url), pytest.raises(DatabaseError):
        apply(config, pg_url, report=SILENT)
    assert [(r.payload["event"], r.payload["version"]) for r in server.on("/applied")] == [
        ("migration.applied", "001")
    ]
