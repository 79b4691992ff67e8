"""``buildamp watch``: a saved model edit becomes a migration (and is applied with --apply)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from buildamp.cli.watch import is_relevant
from buildamp.files.config import load_config
from buildamp.pg.database import connect

MODEL = """\
#[derive(BuildAmpDomain)]
pub struct Note {{
    pub id: String,
    pub title: String,{extra}
}}
"""


def project(root: Path, mode: str = "dev") -> Path:
    (root / "models").mkdir(parents=True)
    (root / "buildamp.toml").write_text(f'mode = "{mode}"\n')
    (root / "models" / "notes_domain.rs").write_text(MODEL.format(extra=""))
    return root


class Watcher:
    """The CLI in a child process, its output collected line by line."""

    def __init__(self, root: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "buildamp", "-C", str(root), "watch", "--debounce", "50", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, **(env or {})},
        )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, predicate: Callable[[], bool], what: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}; output:\n" + "\n".join(self.lines))

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.reader.join(timeout=5)


@pytest.fixture
def watcher() -> Iterator[list[Watcher]]:
    started: list[Watcher] = []
    yield started
    for w in started:
        w.stop()


def test_an_edit_writes_a_migration_and_a_bad_edit_keeps_watching(
    tmp_path: Path, watcher: list[Watcher]
) -> None:
    root = project(tmp_path / "app")
    w = Watcher(root)
    watcher.append(w)
    migrations = root / "migrations"
    w.wait_for(lambda: any(line.startswith("watching") for line in w.lines), "the watch to start")
    assert [p.name for p in sorted(migrations.glob("*.sql"))] == ["001_create_notes.sql"]

    model = root / "models" / "notes_domain.rs"
    model.write_text(MODEL.format(extra="\n    pub body: Strng,"))  # unknown type
    w.wait_for(
        lambda: any("notes_domain.rs:5:9: unknown type Strng" in line for line in w.lines),
        "the error line",
    )
    assert w.proc.poll() is None, "a bad edit must not stop the watch"
    assert len(list(migrations.glob("*.sql"))) == 1

    model.write_text(MODEL.format(extra="\n    pub body: Option<String>,"))
    w.wait_for(lambda: len(list(migrations.glob("*.sql"))) == 2, "the second migration")
    second = sorted(migrations.glob("*.sql"))[1]
    assert "ADD COLUMN body TEXT" in second.read_text()
    assert not any("Traceback" in line for line in w.lines)


def test_watch_apply_applies_in_dev_mode(
    tmp_path: Path, pg_url: str, watcher: list[Watcher]
) -> None:
    root = project(tmp_path / "app")
    w = Watcher(root, "--apply", env={"BUILDAMP_DATABASE_URL": pg_url})
    watcher.append(w)
    w.wait_for(lambda: any(line.startswith("watching") for line in w.lines), "the watch to start")
    (root / "models" / "notes_domain.rs").write_text(
        MODEL.format(extra="\n    pub pinned: Option<bool>,")
    )

    def has_column() -> bool:
        with connect(pg_url) as conn:
            row = conn.execute(
                "SELECT 1 FROM information_schema.columns"
                " WHERE table_name = 'notes' AND column_name = 'pinned'"
            ).fetchone()
        return row is not None

    w.wait_for(has_column, "notes.pinned in the database")


def test_watch_apply_is_refused_outside_dev_mode(tmp_path: Path) -> None:
    root = project(tmp_path / "app", mode="prod")
    result = subprocess.run(
        [sys.executable, "-m", "buildamp", "-C", str(root), "watch", "--apply"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert "dev mode" in result.stderr
    assert not (root / "migrations").exists() or not list((root / "migrations").glob("*.sql"))


def test_only_model_sources_and_config_wake_the_watch(tmp_path: Path) -> None:
    root = project(tmp_path / "app")
    config = load_config(root)
    assert is_relevant(root / "models" / "notes_domain.rs", config)
    assert is_relevant(root / "models" / "deep" / "billing.py", config)
    assert is_relevant(root / "buildamp.toml", config)
    assert not is_relevant(root / "models" / "notes_domain.rs.swp", config)
    assert not is_relevant(root / "migrations" / "001_create_notes.sql", config)
    assert not is_relevant(root / "models" / "__pycache__" / "x.py", config)
    assert not is_relevant(root / "scripts" / "tool.py", config)
