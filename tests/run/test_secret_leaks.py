"""Issue 13 item 11: the database password never reaches any channel.

Four password shapes (holding ``/``, ``@``, ``#``, ``?``) x every command that
takes a database x every channel: stdout, stderr, the audit log, webhook
bodies and events handed to subscribers. The local server trusts any password,
so URLs libpq reads correctly really connect (and fail on a broken migration);
the others fail to connect, and their error must not quote the password."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from click.testing import CliRunner

from buildamp.cli.main import main
from buildamp.events import bus
from buildamp.pg.secrets import database_identity, redact, secrets_in

PASSWORDS = {
    "slash": "Sl4sh/Pw9zq",
    "at": "At4x@Pw9zq",
    "hash": "H4sh#Pw9zq",
    "query": "Qu3ry?Pw9zq",
}
COMMANDS = {
    "apply": ("migrate", "--apply", "--database-url", "{url}"),
    "rollback": ("migrate", "--rollback", "--database-url", "{url}"),
    "status": ("migrate", "--status", "--database-url", "{url}"),
    "drift": ("drift", "--database-url", "{url}"),
    # prints the migration's SQL, which quotes the password: a plain stdout line
    "plan": ("migrate", "--apply", "--dry-run", "--database-url", "{url}"),
    "fleet": ("migrate", "--apply", "--targets", "all"),
    "fleet-status": ("migrate", "--status", "--targets", "all"),
    "adopt": ("init", "--from-database", "{url}"),
    # click's own usage error quotes the stray URL
    "usage": ("migrate", "--apply", "{url}"),
}


class Bodies(BaseHTTPRequestHandler):
    received: list[bytes] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        Bodies.received.append(self.rfile.read(length))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *_: object) -> None:
        return


@pytest.fixture(scope="module")
def hook() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Bodies)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()


def _pieces(password: str) -> list[str]:
    """The password and every run of 4+ characters between its separators."""
    import re

    return [password, *[p for p in re.split(r"[@/#?]", password) if len(p) >= 4]]


def _project(tmp_path: Path, hook: str, password: str) -> Path:
    root = tmp_path / "app"
    root.mkdir()
    assert CliRunner().invoke(main, ["-C", str(root), "init"]).exit_code == 0
    config = root / "buildamp.toml"
    with config.open("a") as text:
        text.write(f'\n[[webhooks]]\nurl = "{hook}"\ntimeout = 2\n')
        text.write('\n[[targets]]\nname = "only"\ndatabase_url_env = "LEAK_PROBE_URL"\n')
    # the failing statement quotes the password: database errors repeat it
    (root / "migrations" / "001_fails.sql").write_text(
        f"BEGIN;\nCREATE TABLE a (id int);\nSELECT '{password}'::int;\nCOMMIT;\n"
    )
    (root / "migrations" / "rollback" / "001_rollback.sql").write_text("SELECT 1;\n")
    return root


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("shape", sorted(PASSWORDS))
def test_password_never_leaks(
    shape: str, command: str, tmp_path: Path, pg_url: str, hook: str
) -> None:
    password = PASSWORDS[shape]
    parts = urlsplit(pg_url)
    url = f"postgresql://postgres:{password}@{parts.hostname}:{parts.port or 5432}{parts.path}"
    project = _project(tmp_path, hook, password)
    if command == "adopt":  # a folder of its own, and a table to adopt
        project = tmp_path / "adopted"
        project.mkdir()
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute("CREATE TABLE probes (id int PRIMARY KEY, note text)")
    Bodies.received = []
    seen: list[str] = []
    unsubscribe = bus.subscribe(lambda event: seen.append(repr(event.payload())))
    arguments = [a.replace("{url}", url) for a in COMMANDS[command]]
    try:
        result = CliRunner().invoke(
            main,
            ["-C", str(project), "--log-format", "json", *arguments],
            env={"LEAK_PROBE_URL": url},
        )
    finally:
        unsubscribe()
    audit = project / ".buildamp" / "audit.log"
    channels = {
        "stdout": result.stdout,
        "stderr": result.stderr,
        "audit": audit.read_text() if audit.exists() else "",
        "webhook": b"".join(Bodies.received).decode(),
        "events": "".join(seen),
        "exception": repr(result.exception) if result.exception else "",
    }
    # only the stray-argument probe is a usage error; the rest really ran
    assert result.exit_code in ((2,) if command == "usage" else (0, 1, 3)), result.output
    assert result.output  # every command says something
    for channel, text in channels.items():
        for piece in _pieces(password):
            assert piece not in text, f"{channel} leaks {piece!r}: {text[:400]}"
    if channels["audit"]:
        assert '"database": "postgres' not in channels["audit"]  # never the user as host


@pytest.mark.parametrize("shape", sorted(PASSWORDS))
def test_redact_and_identity_follow_libpq(shape: str) -> None:
    password = PASSWORDS[shape]
    url = f"postgresql://bob:{password}@db.example:6543/app"
    assert redact(url) == "postgresql://bob:***@db.example:6543/app"
    assert database_identity(url) == "db.example:6543/app"
    assert password in secrets_in(url)
