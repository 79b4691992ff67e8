"""Issue 13 item 7: an online NOT NULL backfill under live inserts finishes.

A row inserted after the batched fill but before ``ADD CONSTRAINT ... NOT
VALID`` used to stay NULL, so VALIDATE failed on every rerun. Here an
application transaction inserts exactly such a row (it commits while the
ADD CONSTRAINT waits for it) while a stream inserts ~200 rows/s."""

from __future__ import annotations

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


def _stream(url: str, stop: threading.Event, refused: list[str] | None = None) -> None:
    """~200 inserts/s that do not know the new column (old application code);
    ``refused`` collects the inserts the database turned down."""
    with psycopg.connect(url, autocommit=True) as conn:
        while not stop.is_set():
            # without a default, once the check is in place NULLs are refused:
            # that is the point
            try:
                conn.execute(
                    "INSERT INTO items (id, host, name) VALUES (%s, 'h', 'n')", (uuid.uuid4().hex,)
                )
            except (psycopg.errors.CheckViolation, psycopg.errors.NotNullViolation) as error:
                if refused is not None:
                    refused.append(str(error))
            time.sleep(0.005)


def _online_project(tmp_path: Path, pg_url: str, rows: int = 3000) -> tuple[Path, Path]:
    """An online project whose ``items`` table holds ``rows`` rows."""
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
            "SELECT lpad(g::text, 8, '0'), 'h', 'n' FROM generate_series(1, %s) g",
            (rows,),
        )
    return project, model


def _label_state(pg_url: str) -> tuple[int, bool, int]:
    """NULL labels left, whether label is NOT NULL, buildamp checks left on items."""
    with psycopg.connect(pg_url) as conn:
        nulls = conn.execute("SELECT count(*) FROM items WHERE label IS NULL").fetchone()
        not_null = conn.execute(
            "SELECT attnotnull FROM pg_attribute WHERE attrelid = 'items'::regclass "
            "AND attname = 'label'"
        ).fetchone()
        checks = conn.execute(
            "SELECT count(*) FROM pg_constraint WHERE conrelid = 'items'::regclass "
            "AND contype = 'c'"
        ).fetchone()
    assert nulls and not_null and checks
    return int(nulls[0]), bool(not_null[0]), int(checks[0])


def test_with_a_default_live_inserts_never_fail_and_no_null_remains(
    tmp_path: Path, pg_url: str
) -> None:
    """The default is set in the transaction, before the fill: old application
    code keeps inserting (each new row gets the default) and is never refused."""
    project, model = _online_project(tmp_path, pg_url)
    model.write_text(
        "pub struct Item { pub id: String, pub name: String,\n"
        "  #[migration(default = \"'fresh'\", backfill = \"'filled'\")] pub label: String }\n"
    )
    code, _, err = run(project, "migrate")
    assert code == 0, err
    written = next((project / "migrations").glob("002_*.sql")).read_text()
    assert written.index("SET DEFAULT 'fresh'") < written.index("UPDATE items SET label")
    stop = threading.Event()
    refused: list[str] = []
    stream = threading.Thread(target=_stream, args=(pg_url, stop, refused), daemon=True)
    stream.start()
    try:
        time.sleep(0.3)  # the stream is running before the apply starts
        env = {**os.environ, "PYTHONPATH": SRC}
        applied = subprocess.run(
            [sys.executable, "-m", "buildamp", "-C", str(project), "migrate", "--apply"]
            + ["--database-url", pg_url],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        time.sleep(0.3)  # and keeps running after it
    finally:
        stop.set()
        stream.join(timeout=5)
    assert applied.returncode == 0, (applied.stdout, applied.stderr)
    assert refused == []
    assert _label_state(pg_url) == (0, True, 0)  # validated, NOT NULL, check dropped
    with psycopg.connect(pg_url) as conn:
        labels = dict(conn.execute("SELECT label, count(*) FROM items GROUP BY 1").fetchall())
    assert labels["filled"] >= 3000 and labels.get("fresh", 0) > 0, labels


def test_resume_fills_again_before_validate(tmp_path: Path, pg_url: str) -> None:
    """A file shaped like those written before the check came first (fill, then
    the check): a row inserted after the fill makes VALIDATE fail; the rerun
    fills once more and finishes instead of failing forever."""
    project, _ = _online_project(tmp_path, pg_url, rows=500)
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("ALTER TABLE items ADD COLUMN label text")
    (project / "migrations" / "002_old_shape.sql").write_text(
        "BEGIN;\nSELECT 1;\nCOMMIT;\n"
        "-- buildamp:batch table=items size=100\n"
        "UPDATE items SET label = ('filled') WHERE label IS NULL;\n"
        "INSERT INTO items (id, host, name) VALUES ('zzzz-late', 'h', 'n');\n"
        "ALTER TABLE items ADD CONSTRAINT chk_items_label_not_null "
        "CHECK (label IS NOT NULL) NOT VALID;\n"
        "ALTER TABLE items VALIDATE CONSTRAINT chk_items_label_not_null;\n"
        "ALTER TABLE items ALTER COLUMN label SET NOT NULL;\n"
        "ALTER TABLE items DROP CONSTRAINT chk_items_label_not_null;\n"
    )
    (project / "migrations" / "rollback" / "002_rollback.sql").write_text("SELECT 1;\n")
    code, _, err = run(project, "migrate", "--apply", "--database-url", pg_url)
    assert code == 3 and "chk_items_label_not_null" in err, err  # the late row is NULL
    code, _, err = run(project, "migrate", "--apply", "--database-url", pg_url)
    assert code == 0, err
    assert _label_state(pg_url) == (0, True, 0)


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
