"""Issue 13 item 7: an online NOT NULL backfill under live inserts finishes.

A row inserted after the batched fill but before ``ADD CONSTRAINT ... NOT
VALID`` used to stay NULL, so VALIDATE failed on every rerun. Here an
application transaction inserts exactly such a row (it commits while the
ADD CONSTRAINT waits for it) while a stream inserts ~200 rows/s."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import psycopg
from click.testing import CliRunner

from buildamp.cli.main import main

SRC = str(Path(__file__).resolve().parents[2] / "src")


def run(project: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["-C", str(project), *args], env={})
    return result.exit_code, result.stdout, result.stderr


def _stream(url: str, stop: threading.Event) -> None:
    """~200 inserts/s that do not know the new column (old application code)."""
    with psycopg.connect(url, autocommit=True) as conn:
        while not stop.is_set():
            # once the check is in place, NULLs are refused: that is the point
            with contextlib.suppress(
                psycopg.errors.CheckViolation, psycopg.errors.NotNullViolation
            ):
                conn.execute(
                    "INSERT INTO items (id, host, name) VALUES (%s, 'h', 'n')", (uuid.uuid4().hex,)
                )
            time.sleep(0.005)


def test_online_not_null_backfill_under_live_inserts(tmp_path: Path, pg_url: str) -> None:
    project = tmp_path / "app"
    project.mkdir()
    assert run(project, "init")[0] == 0
    config = project / "buildamp.toml"  # top-level keys go before any [env.*] table
    config.write_text(
        "\nonline = true\nbatch_size = 200\nbatch_pause = 0.02\n" + "\n" + config.read_text()
    )
    model = project / "models" / "items_domain.rs"
    model.write_text("pub struct Item { pub id: String, pub name: String }\n")
    assert run(project, "migrate")[0] == 0
    assert run(project, "migrate", "--apply", "--database-url", pg_url)[0] == 0
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO items (id, host, name) "
            "SELECT lpad(g::text, 8, '0'), 'h', 'n' FROM generate_series(1, 3000) g"
        )
    model.write_text(
        "pub struct Item { pub id: String, pub name: String,\n"
        "  #[migration(backfill = \"'filled'\")] pub label: String }\n"
    )
    code, _, err = run(project, "migrate")
    assert code == 0, err
    stop = threading.Event()
    stream = threading.Thread(target=_stream, args=(pg_url, stop), daemon=True)
    stream.start()
    env = {**os.environ, "PYTHONPATH": SRC}
    try:
        with psycopg.connect(pg_url, autocommit=True) as watcher, psycopg.connect(pg_url) as app:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "buildamp",
                    "-C",
                    str(project),
                    "migrate",
                    "--apply",
                    "--database-url",
                    pg_url,
                ],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:  # the column exists: the fill is running
                found = watcher.execute(
                    "SELECT count(*) FROM pg_attribute WHERE attrelid = 'items'::regclass "
                    "AND attname = 'label'"
                ).fetchone()
                if found == (1,):
                    break
                time.sleep(0.01)
            app.execute("INSERT INTO items (id, host, name) VALUES ('zzzz-late', 'h', 'n')")
            while time.monotonic() < deadline:  # ADD CONSTRAINT waits for our insert
                waiting = watcher.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND query LIKE '%ADD CONSTRAINT%'"
                ).fetchone()
                if waiting != (0,):
                    break
                time.sleep(0.01)
            app.commit()
            out, err = process.communicate(timeout=60)
    finally:
        stop.set()
        stream.join(timeout=5)
    assert process.returncode == 0, (out, err)
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT count(*) FROM items WHERE label IS NULL").fetchone() == (0,)
        late = conn.execute("SELECT label FROM items WHERE id = 'zzzz-late'").fetchone()
        assert late == ("filled",)
        not_null = conn.execute(
            "SELECT attnotnull FROM pg_attribute WHERE attrelid = 'items'::regclass "
            "AND attname = 'label'"
        ).fetchone()
        assert not_null == (True,)
