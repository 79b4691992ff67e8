"""Events: one payload shape, the subscriber API, emitted at the right moments
(applied after commit, failed after rollback), and the progress store behind
``migrate --status``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from buildamp.cli.main import main
from buildamp.events import bus as events
from buildamp.events.bus import Event, emit, subscribe, subscribed
from buildamp.files.config import load_config
from buildamp.files.migration import checksum
from buildamp.model.errors import DatabaseError
from buildamp.pg.database import connect
from buildamp.run.apply import apply, rollback, running_work
from buildamp.run.progress import ProgressStore

SILENT = lambda _line: None  # noqa: E731
PAYLOAD_KEYS = {
    "format",
    "event",
    "id",
    "sequence",
    "timestamp",
    "version",
    "name",
    "checksum",
    "tables",
    "fields",
    "duration_ms",
    "database",
    "target",
    "actor",
    "error",
    "details",
}


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "app"
    (root / "models").mkdir(parents=True)
    write(root / "buildamp.toml", 'models = ["models"]\n')
    write(
        root / "migrations" / "001_create_users.sql",
        "-- migrations/001_create_users.sql\n-- Table: users - created\n"
        '-- buildamp:changes {"tables":["users"],"fields":[]}\n\n'
        "BEGIN;\nCREATE TABLE users (id int);\nCOMMIT;\n",
    )
    write(root / "migrations" / "rollback" / "001_rollback.sql", "DROP TABLE users;\n")
    write(
        root / "migrations" / "002_add_users_email.sql",
        "-- migrations/002_add_users_email.sql\n-- Field: users.email - added\n"
        "-- Index: users_email_idx - added index on users\n"
        '-- buildamp:changes {"tables":["users"],"fields":["users.email"]}\n\n'
        "BEGIN;\nALTER TABLE users ADD COLUMN email text;\n"
        "CREATE INDEX users_email_idx ON users (email);\nCOMMIT;\n",
    )
    write(
        root / "migrations" / "rollback" / "002_rollback.sql",
        "ALTER TABLE users DROP COLUMN email;\n",
    )
    return root


class Recorder:
    """A subscriber that also looks at the database from another connection,
    to prove when each event was emitted relative to the commit."""

    def __init__(self, url: str | None = None) -> None:
        self.url = url
        self.seen: list[Event] = []
        self.visible: list[bool | None] = []

    def __call__(self, event: Event) -> None:
        self.seen.append(event)
        if self.url is None:
            return
        with connect(self.url) as conn:
            row = conn.execute(
                "SELECT count(*) FROM information_schema.tables "
                "WHERE table_name = 'buildamp_migrations'"
            ).fetchone()
            visible = None
            if row and row[0] and event.version:
                found = conn.execute(
                    "SELECT 1 FROM buildamp_migrations WHERE version = %s", (event.version,)
                ).fetchone()
                visible = found is not None
        self.visible.append(visible)

    @property
    def names(self) -> list[tuple[str, str | None]]:
        return [(e.event, e.version) for e in self.seen]


def test_payload_shape_is_complete_and_json() -> None:
    event = Event(events.APPLIED, version="001", name="x", tables=("t",), fields=("t.c",))
    payload = event.payload()
    assert set(payload) == PAYLOAD_KEYS
    assert json.loads(json.dumps(payload)) == payload
    assert payload["format"] == events.PAYLOAD_FORMAT
    assert payload["tables"] == ["t"] and payload["fields"] == ["t.c"]
    assert payload["timestamp"].endswith("Z") and payload["actor"]
    later = Event(events.APPLIED)
    assert later.sequence > event.sequence and later.id != event.id
    with pytest.raises(ValueError, match="unknown event"):
        Event("migration.done")


def test_actor_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUILDAMP_ACTOR", "ci@deploy-42")
    assert Event(events.STARTED).actor == "ci@deploy-42"


def test_a_failing_subscriber_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    def broken(_event: Event) -> None:
        raise RuntimeError("observer bug")

    with subscribed(broken), caplog.at_level("ERROR", logger="buildamp.events.bus"):
        emit(Event(events.APPLIED))
    (record,) = caplog.records
    assert record.name == "buildamp.events.bus" and "failed on migration.applied" in record.msg % (
        record.args
    )
    assert record.exc_info is not None and "observer bug" in str(record.exc_info[1])


def test_subscribe_filter_unsubscribe_and_failing_subscriber() -> None:
    everything: list[str] = []
    only_migrations: list[str] = []

    def broken(_event: Event) -> None:
        raise RuntimeError("observer bug")

    undo_all = subscribe(lambda e: everything.append(e.event))
    undo_broken = subscribe(broken)
    with subscribed(lambda e: only_migrations.append(e.event), ["migration.*"]):
        emit(Event(events.APPLIED))
        emit(Event(events.DRIFT_DETECTED))
    emit(Event(events.ROLLED_BACK))
    undo_all()
    undo_broken()
    undo_all()  # twice is harmless
    emit(Event(events.APPLIED))
    assert everything == [events.APPLIED, events.DRIFT_DETECTED, events.ROLLED_BACK]
    assert only_migrations == [events.APPLIED]
    with pytest.raises(ValueError, match="matches no event"):
        subscribe(print, ["migrations.*"])


def test_apply_and_rollback_events_after_commit(project: Path, pg_url: str) -> None:
    config = load_config(project)
    recorder = Recorder(pg_url)
    with subscribed(recorder):
        apply(config, pg_url, report=SILENT)
        rollback(config, pg_url, steps=2, report=SILENT)
    assert recorder.names == [
        ("migration.started", "001"),
        ("migration.applied", "001"),
        ("migration.started", "002"),
        ("migration.applied", "002"),
        ("migration.rolled_back", "002"),
        ("migration.rolled_back", "001"),
    ]
    # started: not yet in history; applied: committed; rolled_back: committed away.
    assert recorder.visible == [False, True, False, True, False, False]
    started, applied = recorder.seen[2], recorder.seen[3]
    text = (project / "migrations" / "002_add_users_email.sql").read_text()
    assert applied.checksum == checksum(text) == recorder.seen[4].checksum
    assert applied.tables == ("users",) and applied.fields == ("users.email",)
    assert applied.duration_ms is not None and applied.duration_ms >= 0
    assert started.duration_ms is None
    assert applied.database is not None and "@" not in applied.database
    assert applied.database.endswith(pg_url.rsplit("/", 1)[1])
    assert applied.details == {"operation": "apply"}


def test_failed_migration_emits_failed_after_rollback(project: Path, pg_url: str) -> None:
    write(
        project / "migrations" / "003_broken.sql",
        "BEGIN;\nCREATE TABLE broken (id int);\nSELECT 1/0;\nCOMMIT;\n",
    )
    write(project / "migrations" / "rollback" / "003_rollback.sql", "DROP TABLE broken;\n")
    recorder = Recorder(pg_url)
    with subscribed(recorder), pytest.raises(DatabaseError):
        apply(load_config(project), pg_url, report=SILENT)
    assert recorder.names[-2:] == [("migration.started", "003"), ("migration.failed", "003")]
    assert ("migration.applied", "003") not in recorder.names
    failed = recorder.seen[-1]
    assert failed.error and "division by zero" in failed.error
    assert recorder.visible[-1] is False
    with connect(pg_url) as conn:
        assert conn.execute("SELECT to_regclass('broken')").fetchone()[0] is None


def test_progress_store_records_migrations(project: Path, pg_url: str) -> None:
    apply(load_config(project), pg_url, report=SILENT)
    with connect(pg_url, autocommit=True) as conn:
        entries = ProgressStore(conn).items("migration:")
    assert sorted(entries) == ["migration:001", "migration:002"]
    assert entries["migration:002"]["status"] == "applied"
    assert entries["migration:002"]["name"] == "add_users_email"
    assert running_work(pg_url) == []


def test_status_shows_a_running_backfill(project: Path, pg_url: str) -> None:
    assert running_work(pg_url) == []  # read-only: no store yet, none created
    with connect(pg_url, autocommit=True) as conn:
        assert conn.execute("SELECT to_regclass('buildamp.progress')").fetchone()[0] is None
    apply(load_config(project), pg_url, report=SILENT)
    value: dict[str, Any] = {
        "table": "users",
        "rows_done": 45000,
        "rows_total": 100000,
        "status": "running",
        "rows_per_second": 1234.5,
        "updated_at": "2024-05-01T10:00:00Z",
    }
    with connect(pg_url, autocommit=True) as conn:
        store = ProgressStore(conn)
        store.put("backfill:002:1", value)
        store.put("backfill:001:1", {**value, "status": "done", "rows_done": 100000})
    result = CliRunner().invoke(
        main, ["-C", str(project), "migrate", "--status", "--database-url", pg_url]
    )
    assert result.exit_code == 0, result.stderr
    assert "002  applied" in result.stdout
    running = [line for line in result.stdout.splitlines() if line.startswith("running")]
    assert running == [
        "running  backfill 002 users: 45000/100000 rows (45%), 1234 rows/s, "
        "updated 2024-05-01T10:00:00Z"
    ]


def test_cli_generate_emits_generated_and_schema_changed(tmp_path: Path) -> None:
    root = tmp_path / "app"
    root.mkdir()
    assert CliRunner().invoke(main, ["-C", str(root), "init"]).exit_code == 0
    write(root / "models" / "things_domain.rs", "pub struct Thing { pub id: String }\n")
    recorder = Recorder()
    with subscribed(recorder):
        result = CliRunner().invoke(main, ["-C", str(root), "migrate", "--dry-run"])
        assert result.exit_code == 0 and recorder.seen == []  # nothing written, nothing said
        result = CliRunner().invoke(main, ["-C", str(root), "migrate"])
    assert result.exit_code == 0, result.stderr
    assert recorder.names == [("migration.generated", "001"), ("schema.changed", "001")]
    generated = recorder.seen[0]
    assert generated.name == "create_things" and generated.tables == ("things",)
    up = (root / "migrations" / "001_create_things.sql").read_text()
    assert generated.checksum == checksum(up)
    assert generated.details["files"][0] == "migrations/001_create_things.sql"
    audit = (root / ".buildamp" / "audit.log").read_text().splitlines()
    assert [json.loads(line)["event"] for line in audit] == [
        "migration.generated",
        "schema.changed",
    ]
