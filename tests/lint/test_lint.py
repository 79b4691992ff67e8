"""Lint rules: one golden case folder per rule, plus the state the engine tracks.

Each ``tests/lint_cases/<CODE>_<name>/`` holds ``bad.sql`` (the hazard),
``good.sql`` (its safe form: no findings at all) and ``expected.txt`` (the
exact ``buildamp lint bad.sql`` output). ``UPDATE_GOLDEN=1`` rewrites the
expected files after a deliberate change; review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from buildamp.cli.lint_command import default_files, lint_findings_for
from buildamp.cli.main import main
from buildamp.files.config import Config
from buildamp.lint.engine import RULES, Finding, lint_sql
from buildamp.model.errors import StateError

CASES_DIR = Path(__file__).resolve().parent.parent / "lint_cases"
CASES = sorted(p for p in CASES_DIR.iterdir() if p.is_dir())
DOCS = Path(__file__).resolve().parents[2] / "docs" / "lint.md"


def lint_cli(project: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["-C", str(project), "lint", *args])
    return result.exit_code, result.stdout, result.stderr


def codes(sql: str) -> list[str]:
    return [f.code for f in lint_sql(sql, "m.sql")]


def test_every_rule_has_a_case_folder_named_after_it() -> None:
    names = {p.name for p in CASES}
    wanted = {f"{code}_{rule.name.replace('-', '_')}" for code, rule in RULES.items()}
    assert names == wanted
    for case in CASES:
        assert {"bad.sql", "good.sql", "expected.txt"} <= {p.name for p in case.iterdir()}


def test_docs_table_lists_every_rule() -> None:
    text = DOCS.read_text()
    for code, rule in RULES.items():
        assert f"| {code} | `{rule.name}` |" in text


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_sql_output_is_golden(case: Path) -> None:
    code, out, err = lint_cli(case, str(case / "bad.sql"))
    expected = case / "expected.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        expected.write_text(out)
    assert out == expected.read_text()
    rule_code = case.name.split("_")[0]
    found = {line.split(": ")[1].split()[0] for line in out.splitlines()}
    assert rule_code in found, f"{case.name}/bad.sql does not trigger {rule_code}"
    assert code == (1 if RULES[rule_code].severity == "error" else 0), err
    assert "lint:" in err


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_good_sql_is_clean(case: Path) -> None:
    code, out, err = lint_cli(case, str(case / "good.sql"))
    assert (code, out) == (0, ""), out
    assert "no findings" in err


def test_json_output_carries_every_field() -> None:
    case = CASES_DIR / "BA001_index_without_concurrently"
    code, out, _ = lint_cli(case, "--format", "json", str(case / "bad.sql"))
    assert code == 1
    rows = json.loads(out)
    assert [r["code"] for r in rows] == ["BA001", "BA001"]
    assert set(rows[0]) == {"code", "path", "line", "column", "message", "why", "fix", "severity"}
    assert (rows[0]["path"], rows[0]["line"], rows[0]["column"]) == ("bad.sql", 5, 1)


def test_default_files_are_numbered_migrations_without_rollbacks(tmp_path: Path) -> None:
    migrations = tmp_path / "migrations"
    (migrations / "rollback").mkdir(parents=True)
    (migrations / "002_b.sql").write_text("BEGIN;\nALTER TABLE t RENAME TO u;\nCOMMIT;\n")
    (migrations / "001_a.sql").write_text("BEGIN;\nCREATE TABLE t (id int);\nCOMMIT;\n")
    (migrations / "notes.sql").write_text("DROP TABLE t;\n")
    (migrations / "rollback" / "002_rollback.sql").write_text("DROP TABLE t;\n")
    config = Config(project_dir=tmp_path)
    assert [p.name for p in default_files(config)] == ["001_a.sql", "002_b.sql"]
    code, out, err = lint_cli(tmp_path)
    assert code == 1  # BA003 is an error; BA007 only a warning
    assert out.splitlines()[0].startswith("migrations/002_b.sql:2:1: BA003 ")
    assert "BA007" in out and "in 2 files" in err


def test_lint_findings_for_uses_project_paths_and_lock_timeout(tmp_path: Path) -> None:
    path = tmp_path / "migrations" / "001_x.sql"
    path.parent.mkdir()
    path.write_text("BEGIN;\nALTER TABLE t ADD COLUMN c TEXT;\nCOMMIT;\n")
    config = Config(project_dir=tmp_path, lock_timeout="3s")
    [finding] = lint_findings_for(config, [path])
    assert isinstance(finding, Finding)
    assert finding.path == "migrations/001_x.sql"
    assert "SET lock_timeout = '3s'" in finding.fix


def test_missing_and_unparsable_files_are_bad_input(tmp_path: Path) -> None:
    code, _, err = lint_cli(tmp_path, str(tmp_path / "nope.sql"))
    assert code == 2 and "no such file" in err
    broken = tmp_path / "broken.sql"
    broken.write_text("BEGIN;\nALTER TABLE t ADD COLUMN;\nCOMMIT;\n")
    code, _, err = lint_cli(tmp_path, str(broken))
    assert code == 2 and "broken.sql:2:" in err and "does not parse" in err
    with pytest.raises(StateError):
        lint_sql("SELEC 1;", "x.sql")


def test_no_migrations_is_clean(tmp_path: Path) -> None:
    assert lint_cli(tmp_path)[:2] == (0, "")


# --- the state the engine tracks ------------------------------------------------

SET = "SET lock_timeout = '1s';\n"


def test_tables_created_in_the_same_file_are_not_hazards() -> None:
    sql = """BEGIN;
CREATE TABLE t (id BIGINT PRIMARY KEY, a TEXT);
CREATE INDEX idx_t_a ON t (a);
ALTER TABLE t ADD COLUMN b TEXT NOT NULL;
ALTER TABLE t ALTER COLUMN a SET NOT NULL;
ALTER TABLE t ALTER COLUMN a TYPE VARCHAR(20);
ALTER TABLE t ADD CONSTRAINT u UNIQUE (a);
ALTER TABLE t ADD CONSTRAINT c CHECK (a <> '');
ALTER TABLE t RENAME COLUMN a TO z;
ALTER TABLE t RENAME TO t2;
DROP INDEX idx_t_a;
ALTER TABLE t2 DROP COLUMN b;
DROP TABLE t2;
COMMIT;
"""
    assert codes(sql) == []
    assert codes("BEGIN;\nCREATE TABLE s AS SELECT 1 AS a;\nALTER TABLE s DROP COLUMN a;\n") == []


def test_create_table_referencing_an_existing_table_needs_lock_timeout() -> None:
    sql = "BEGIN;\nCREATE TABLE c (id BIGINT, p BIGINT REFERENCES parents (id));\nCOMMIT;\n"
    assert codes(sql) == ["BA003"]
    assert codes(SET + sql) == []


def test_lock_timeout_scopes() -> None:
    alter = "ALTER TABLE t ADD COLUMN c TEXT;\n"
    # session-level SET lasts for the file, across transactions
    assert codes(SET + "BEGIN;\n" + alter + "COMMIT;\nBEGIN;\n" + alter + "COMMIT;\n") == []
    # SET LOCAL ends at COMMIT
    local = "BEGIN;\nSET LOCAL lock_timeout = '1s';\n" + alter + "COMMIT;\n"
    assert codes(local + "BEGIN;\n" + alter + "COMMIT;\n") == ["BA003"]
    # SET LOCAL outside BEGIN does nothing (psql warns and ignores it)
    assert codes("SET LOCAL lock_timeout = '1s';\nBEGIN;\n" + alter + "COMMIT;\n") == ["BA003"]
    # 0 / DEFAULT / RESET switch it off again
    for off in ("SET lock_timeout = 0;", "SET lock_timeout TO DEFAULT;", "RESET lock_timeout;"):
        assert codes(SET + off + "\nBEGIN;\n" + alter + "COMMIT;\n") == ["BA003"], off
    # set_config works like SET / SET LOCAL
    cfg = "SELECT set_config('lock_timeout', '2s', {});\n"
    assert codes(cfg.format("false") + "BEGIN;\n" + alter + "COMMIT;\n") == []
    assert codes("BEGIN;\n" + cfg.format("true") + alter + "COMMIT;\n") == []
    # said once per transaction, not for every statement
    assert codes("BEGIN;\n" + alter * 3 + "COMMIT;\n") == ["BA003"]
    # weak locks need no timeout
    assert codes("BEGIN;\nALTER TABLE t VALIDATE CONSTRAINT c;\nCOMMIT;\n") == []


def test_file_without_begin_is_one_transaction_for_buildamp() -> None:
    sql = SET + "CREATE INDEX CONCURRENTLY i ON t (a);\n"
    [finding] = lint_sql(sql, "m.sql")
    assert finding.code == "BA002" and "without BEGIN" in finding.message
    sql = SET + "BEGIN;\nCOMMIT;\nCREATE INDEX CONCURRENTLY i ON t (a);\n"
    assert codes(sql) == []


def test_set_not_null_needs_a_validated_check_for_that_column() -> None:
    check = "ALTER TABLE t ADD CONSTRAINT ck CHECK (a IS NOT NULL) NOT VALID;\n"
    validate = "ALTER TABLE t VALIDATE CONSTRAINT ck;\n"
    set_nn = "BEGIN;\nALTER TABLE t ALTER COLUMN {} SET NOT NULL;\nCOMMIT;\n"
    head = SET + "BEGIN;\n" + check + "COMMIT;\n"
    assert codes(head + set_nn.format("a")) == ["BA005"]  # not validated yet
    assert codes(head + validate + set_nn.format("a")) == []
    assert codes(head + validate + set_nn.format("b")) == ["BA005"]  # another column


def test_enum_values_are_per_transaction_and_per_type() -> None:
    add = "ALTER TYPE mood ADD VALUE 'meh';\n"
    assert codes(SET + "BEGIN;\n" + add + "SELECT 'meh'::other;\nCOMMIT;\n") == []
    assert codes(SET + "BEGIN;\n" + add + "SELECT 'ok'::mood;\nCOMMIT;\n") == []
    assert codes(SET + "BEGIN;\n" + add + "COMMIT;\nBEGIN;\nSELECT 'meh'::mood;\nCOMMIT;\n") == []
    new_column = "ALTER TABLE t ADD COLUMN m mood DEFAULT 'meh';\n"
    assert codes(SET + "BEGIN;\n" + add + new_column + "COMMIT;\n") == ["BA010"]


def test_lint_ignore_comment_suppresses_named_rules_only() -> None:
    stmt = "ALTER TABLE t RENAME COLUMN a TO b;\n"
    assert codes(SET + "-- buildamp:lint-ignore BA007\n" + stmt) == []
    assert codes(SET + "-- buildamp:lint-ignore BA008\n" + stmt) == ["BA007"]
    assert codes(SET + "-- buildamp:lint-ignore\n-- renamed on purpose\n" + stmt) == []
    both = "-- buildamp:lint-ignore BA003, BA007\n" + stmt
    assert codes(both) == []
    # a blank line breaks the comment block: the mark belongs to nothing
    assert codes(SET + "-- buildamp:lint-ignore BA007\n\n" + stmt) == ["BA007"]


def test_positions_are_one_based_and_count_characters() -> None:
    sql = "-- é ü\nSET lock_timeout = '1s'; /* ñ */ ALTER TABLE t RENAME TO u;\n"
    [finding] = lint_sql(sql, "m.sql")
    assert (finding.line, finding.column) == (2, 34)


def test_more_hazards_each_rule_sees() -> None:
    assert codes(SET + "BEGIN;\nALTER TABLE t ADD COLUMN n BIGSERIAL;\nCOMMIT;\n") == ["BA006"]
    assert codes(SET + "BEGIN;\nALTER TABLE t ADD COLUMN n INT PRIMARY KEY;\nCOMMIT;\n") == [
        "BA004",
        "BA011",
    ]
    assert codes(SET + "BEGIN;\nALTER TABLE t ADD COLUMN c TIMESTAMPTZ DEFAULT now();\n") == []
    assert codes(SET + "BEGIN;\nREINDEX TABLE t;\nCOMMIT;\n") == ["BA001"]
    assert codes(SET + "BEGIN;\nDROP INDEX CONCURRENTLY i;\nCOMMIT;\n") == ["BA002"]
    pk = "ALTER TABLE t ADD CONSTRAINT pk PRIMARY KEY USING INDEX i;\n"
    assert codes(SET + "BEGIN;\n" + pk + "COMMIT;\n") == []


@pytest.mark.parametrize(
    "golden", sorted((CASES_DIR.parent / "golden").glob("*/expected/0*_create_*.sql"))
)
def test_generated_create_migrations_are_clean(golden: Path) -> None:
    """Creating tables touches nothing that exists: the generator's first
    migrations must lint clean."""
    assert lint_sql(golden.read_text(), golden.name) == []
