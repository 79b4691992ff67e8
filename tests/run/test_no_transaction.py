"""``-- buildamp:no-transaction`` is honoured: a file without BEGIN whose
statements follow the directive runs them one by one outside a transaction
(``CREATE INDEX CONCURRENTLY`` works), resumably; without it the file is one
transaction (and CONCURRENTLY fails)."""

from __future__ import annotations

from pathlib import Path

import pytest

from buildamp.files.config import load_config
from buildamp.model.errors import DatabaseError
from buildamp.pg.database import connect
from buildamp.run.apply import apply
from buildamp.run.file_parts import split_file

SILENT = lambda _line: None  # noqa: E731
CONCURRENT = (
    "CREATE TABLE t (id int);\n"
    "-- buildamp:batch table=t size=5\n"
    "UPDATE t SET id = id WHERE id IS NULL;\n"
    "CREATE INDEX CONCURRENTLY t_id ON t (id);\n"
)


def _project(tmp_path: Path, up: str) -> Path:
    root = tmp_path / "app"
    (root / "migrations" / "rollback").mkdir(parents=True)
    (root / "models").mkdir()
    (root / "buildamp.toml").write_text('models = ["models"]\n')
    (root / "migrations" / "001_index.sql").write_text(up)
    (root / "migrations" / "rollback" / "001_rollback.sql").write_text("DROP TABLE t;\n")
    return root


def test_split_honours_the_directive() -> None:
    parts = split_file("-- buildamp:no-transaction\n" + CONCURRENT, "m.sql")
    assert parts.transactional == [] and parts.before_begin == []
    assert len(parts.after_commit) == 3 and parts.batches[1].table == "t"
    plain = split_file(CONCURRENT, "m.sql")
    assert len(plain.transactional) == 3 and plain.after_commit == []


def test_no_transaction_file_applies_outside_a_transaction(tmp_path: Path, pg_url: str) -> None:
    project = _project(tmp_path, "-- my index\n-- buildamp:no-transaction\n" + CONCURRENT)
    assert apply(load_config(project), pg_url, report=SILENT) == ["001"]
    with connect(pg_url) as conn:
        assert conn.execute("SELECT to_regclass('t_id') IS NOT NULL").fetchone()[0]
        row = conn.execute("SELECT post_total, post_done FROM buildamp_migrations").fetchone()
    assert row == (3, 3)


def test_without_the_directive_the_file_is_one_transaction(tmp_path: Path, pg_url: str) -> None:
    project = _project(tmp_path, CONCURRENT)
    with pytest.raises(DatabaseError, match="CONCURRENTLY"):
        apply(load_config(project), pg_url, report=SILENT)
    with connect(pg_url) as conn:
        assert conn.execute("SELECT to_regclass('t') IS NULL").fetchone()[0]
