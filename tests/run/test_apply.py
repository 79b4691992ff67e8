"""Applying and rolling back on a real PostgreSQL: exactly once, never half-way,
edited history caught, concurrent appliers serialised, crashes resumed."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from buildamp.cli.main import main
from buildamp.files.config import load_config
from buildamp.files.migration import checksum
from buildamp.model.errors import DatabaseError, StateError
from buildamp.pg.database import connect
from buildamp.run.apply import apply, rollback, status
from buildamp.run.executor import LOCK_KEY, Executor
from tests.helpers import catalog_of

SILENT = lambda _line: None  # noqa: E731


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def migration(project: Path, version: str, name: str, up: str, down: str) -> None:
    write(project / "migrations" / f"{version}_{name}.sql", up)
    write(project / "migrations" / "rollback" / f"{version}_rollback.sql", down)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "app"
    (root / "models").mkdir(parents=True)
    write(root / "buildamp.toml", 'models = ["models"]\n')
    migration(
        root, "001", "one", "BEGIN;\nCREATE TABLE one (id int);\nCOMMIT;\n", "DROP TABLE one;\n"
    )
    migration(
        root, "002", "two", "BEGIN;\nCREATE TABLE two (id int);\nCOMMIT;\n", "DROP TABLE two;\n"
    )
    return root


def history(url: str) -> list[tuple[str, str, str]]:
    with connect(url) as conn:
        rows = conn.execute(
            "SELECT version, name, checksum FROM buildamp_migrations ORDER BY version"
        ).fetchall()
    return [tuple(row) for row in rows]


def tables(url: str) -> set[str]:
    return {t.name for t in catalog_of(url).tables}


def test_apply_once_in_order_with_history(project: Path, pg_url: str) -> None:
    config = load_config(project)
    assert apply(config, pg_url, report=SILENT) == ["001", "002"]
    assert apply(config, pg_url, report=SILENT) == []
    rows = history(pg_url)
    assert [r[:2] for r in rows] == [("001", "one"), ("002", "two")]
    assert rows[0][2] == checksum((project / "migrations" / "001_one.sql").read_text())
    assert tables(pg_url) == {"one", "two"}


def test_apply_to_and_rollback_steps_and_to(project: Path, pg_url: str) -> None:
    config = load_config(project)
    migration(project, "003", "three", "CREATE TABLE three (id int);\n", "DROP TABLE three;\n")
    assert apply(config, pg_url, to="002", report=SILENT) == ["001", "002"]
    assert apply(config, pg_url, report=SILENT) == ["003"]
    assert rollback(config, pg_url, steps=2, report=SILENT) == ["003", "002"]
    assert tables(pg_url) == {"one"}
    apply(config, pg_url, report=SILENT)
    assert rollback(config, pg_url, to="001", report=SILENT) == ["003", "002"]
    assert [r[0] for r in history(pg_url)] == ["001"]


def test_failed_migration_leaves_nothing(project: Path, pg_url: str) -> None:
    migration(
        project,
        "003",
        "broken",
        "BEGIN;\nCREATE TABLE three (id int);\nSELECT * FROM no_such_table;\nCOMMIT;\n",
        "DROP TABLE three;\n",
    )
    with pytest.raises(DatabaseError) as failure:
        apply(load_config(project), pg_url, report=SILENT)
    message = str(failure.value)
    assert "003_broken" in message and "no_such_table" in message
    assert "three" not in tables(pg_url)
    assert [r[0] for r in history(pg_url)] == ["001", "002"]


def test_failing_validation_rolls_back(project: Path, pg_url: str) -> None:
    migration(
        project,
        "003",
        "validated",
        "BEGIN;\nCREATE TABLE three (id int);\nINSERT INTO three VALUES (NULL);\n"
        "DO $buildamp$\nBEGIN\n    IF COALESCE((SELECT COUNT(*) FROM three WHERE id IS NULL), 0) <> 0 THEN\n"
        "        RAISE EXCEPTION 'validation failed';\n    END IF;\nEND\n$buildamp$;\nCOMMIT;\n",
        "DROP TABLE three;\n",
    )
    with pytest.raises(DatabaseError, match="validation failed"):
        apply(load_config(project), pg_url, report=SILENT)
    assert "three" not in tables(pg_url)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda p: (p / "migrations" / "001_one.sql").write_text(
                "CREATE TABLE other (id int);\n"
            ),
            "was edited",
        ),
        (lambda p: (p / "migrations" / "001_one.sql").unlink(), "its file is missing"),
        (
            lambda p: migration(p, "000", "early", "CREATE TABLE z (id int);\n", "DROP TABLE z;\n"),
            "numbered below applied",
        ),
        (
            lambda p: migration(p, "002", "twin", "CREATE TABLE z (id int);\n", "DROP TABLE z;\n"),
            "two migrations share number 002",
        ),
    ],
    ids=["edited", "missing", "below-applied", "duplicate-number"],
)
def test_history_problems_stop_apply(
    project: Path, pg_url: str, change: object, expected: str
) -> None:
    config = load_config(project)
    apply(config, pg_url, report=SILENT)
    change(project)  # type: ignore[operator]
    migration(project, "003", "three", "CREATE TABLE three (id int);\n", "DROP TABLE three;\n")
    with pytest.raises(StateError, match=expected):
        apply(config, pg_url, report=SILENT)
    assert "three" not in tables(pg_url)


def test_line_endings_do_not_change_checksums(project: Path, pg_url: str) -> None:
    config = load_config(project)
    apply(config, pg_url, report=SILENT)
    path = project / "migrations" / "001_one.sql"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert apply(config, pg_url, report=SILENT) == []
    assert {s.state for s in status(config, pg_url)} == {"applied"}


def test_status_shows_pending_and_edited(project: Path, pg_url: str) -> None:
    config = load_config(project)
    apply(config, pg_url, to="001", report=SILENT)
    (project / "migrations" / "001_one.sql").write_text("-- changed\nCREATE TABLE one (id int);\n")
    assert [(s.version, s.state) for s in status(config, pg_url)] == [
        ("001", "edited"),
        ("002", "pending"),
    ]


def test_concurrent_appliers_apply_each_migration_once(project: Path, pg_url: str) -> None:
    slow = "BEGIN;\nCREATE TABLE slow (id int);\nSELECT pg_sleep(0.5);\nCOMMIT;\n"
    migration(project, "003", "slow", slow, "DROP TABLE slow;\n")
    runs = [
        subprocess.Popen(
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
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    outputs = [run.communicate(timeout=60) for run in runs]
    assert all(run.returncode == 0 for run in runs), outputs
    applied_lines = [
        line for out, _ in outputs for line in out.splitlines() if line.startswith("applied")
    ]
    assert sorted(applied_lines)[0].startswith("applied 001")
    assert len(applied_lines) == 3  # each of 001, 002, 003 exactly once across all runs
    assert [r[0] for r in history(pg_url)] == ["001", "002", "003"]


def test_lock_wait_is_bounded_and_names_the_holder(pg_url: str) -> None:
    with connect(pg_url, autocommit=True) as holder:
        holder.execute("SET application_name = 'other-deployer'")
        holder.execute("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))
        with (
            Executor(pg_url, lock_wait_seconds=0.5) as executor,
            pytest.raises(DatabaseError) as failure,
        ):
            executor.lock()
    assert "other-deployer" in str(failure.value)


def test_no_transaction_steps_resume_after_a_failure(project: Path, pg_url: str) -> None:
    up = (
        "BEGIN;\nCREATE TABLE items (id int, code text);\n"
        "INSERT INTO items VALUES (1, 'a'), (2, 'a');\nCOMMIT;\n\n"
        "-- buildamp:no-transaction\n"
        "CREATE TABLE side_effect (id int);\n"
        "CREATE UNIQUE INDEX CONCURRENTLY idx_items_code ON items (code);\n"
    )
    migration(project, "003", "items", up, "DROP TABLE side_effect;\nDROP TABLE items;\n")
    config = load_config(project)
    with pytest.raises(DatabaseError, match="resume"):
        apply(config, pg_url, report=SILENT)
    with connect(pg_url) as conn:
        invalid = conn.execute(
            "SELECT count(*) FROM pg_class WHERE relname = 'idx_items_code'"
        ).fetchone()
        assert invalid is not None and invalid[0] == 0  # the invalid index was dropped
        conn.execute("UPDATE items SET code = 'b' WHERE id = 2")
        conn.commit()
    assert [s.state for s in status(config, pg_url)][-1] == "unfinished"
    lines: list[str] = []
    apply(config, pg_url, report=lines.append)  # would fail if CREATE TABLE side_effect re-ran
    assert lines and lines[0].startswith("resumed 003_items.sql")
    with connect(pg_url) as conn:
        valid = conn.execute(
            "SELECT indisvalid FROM pg_index WHERE indexrelid = 'idx_items_code'::regclass"
        ).fetchone()
    assert valid == (True,)
    assert [s.state for s in status(config, pg_url)][-1] == "applied"


def test_threads_do_not_double_apply(project: Path, pg_url: str) -> None:
    config = load_config(project)
    results: list[list[str]] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            results.append(apply(config, pg_url, report=SILENT))
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(v for r in results for v in r) == ["001", "002"]


def cli(project: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["-C", str(project), *args])
    return result.exit_code, result.stdout, result.stderr


def generated_project(tmp_path: Path) -> Path:
    root = tmp_path / "gen"
    write(root / "buildamp.toml", 'models = ["models"]\n')
    write(root / "models" / "things_domain.rs", "pub struct Thing { pub id: String }\n")
    assert cli(root, "migrate")[0] == 0
    return root


def test_check_catches_edited_added_and_missing_files(tmp_path: Path) -> None:
    root = generated_project(tmp_path)
    assert cli(root, "migrate", "--check")[0] == 0
    up = next((root / "migrations").glob("001_*.sql"))
    up.write_text(up.read_text() + "\n-- sneaky edit\n")
    code, out, _ = cli(root, "migrate", "--check")
    assert code == 1 and "was edited after it was generated" in out
    up.write_text(up.read_text().replace("\n-- sneaky edit\n", ""))
    assert cli(root, "migrate", "--check")[0] == 0
    write(root / "migrations" / "001_other_branch.sql", "SELECT 1;\n")
    code, out, _ = cli(root, "migrate", "--check")
    assert code == 1 and "share number 001" in out and "not in buildamp.sum" in out


def test_check_catches_snapshot_behind_files(tmp_path: Path) -> None:
    root = generated_project(tmp_path)
    write(
        root / "models" / "things_domain.rs",
        "pub struct Thing { pub id: String, pub n: Option<i32> }\n",
    )
    assert cli(root, "migrate")[0] == 0
    state = root / ".buildamp" / "schema_state.json"
    state.write_text(state.read_text().replace('"version": "002"', '"version": "001"'))
    code, out, _ = cli(root, "migrate", "--check")
    assert code == 1 and "schema state is at version 001 but the newest migration is 002" in out


def test_prod_mode_needs_yes(tmp_path: Path, pg_url: str) -> None:
    root = generated_project(tmp_path)
    (root / "buildamp.toml").write_text('models = ["models"]\nmode = "prod"\n')
    code, _, err = cli(root, "migrate", "--apply", "--database-url", pg_url)
    assert code == 2 and "--yes" in err
    assert tables(pg_url) == set()
    code, _, _ = cli(root, "migrate", "--apply", "--yes", "--database-url", pg_url)
    assert code == 0 and tables(pg_url) == {"things"}


def test_dev_generate_and_apply_in_one_go(tmp_path: Path, pg_url: str) -> None:
    root = generated_project(tmp_path)
    write(
        root / "models" / "things_domain.rs",
        "pub struct Thing { pub id: String, pub n: Option<i32> }\n",
    )
    code, out, err = cli(root, "migrate", "--generate", "--apply", "--database-url", pg_url)
    assert code == 0, err
    assert "002_add_things_n.sql" in out and "applied 002_add_things_n.sql" in out
    assert cli(root, "drift", "--database-url", pg_url)[0] == 0


def test_prod_apply_shows_plan_and_lint_findings(tmp_path: Path, pg_url: str) -> None:
    root = generated_project(tmp_path)
    (root / "buildamp.toml").write_text('models = ["models"]\nmode = "prod"\n')
    assert cli(root, "migrate", "--apply", "--yes", "--database-url", pg_url)[0] == 0
    migration(
        root,
        "002",
        "hand_index",
        "CREATE INDEX idx_things_host ON things (host);\n",
        "DROP INDEX idx_things_host;\n",
    )
    code, out, _ = cli(root, "migrate", "--apply", "--yes", "--database-url", pg_url)
    assert code == 0
    assert "Pending migrations:\n  migrations/002_hand_index.sql" in out
    assert "BA001" in out and out.index("BA001") < out.index("applied 002_hand_index.sql")
