"""Our lint rules against squawk (``squawk-cli``, a dev dependency) on the same files.

The harness runs squawk's locking-related rules over any SQL file:
``squawk_findings(path)`` returns ``"<line>:<rule>"`` strings (1-based lines),
``assert_squawk_clean(path)`` fails with a readable list. Point it at generated
online migrations to prove they take no hazardous locks.

Rules left out of the locking set, and why (see docs/lint.md):
- style, not locks: prefer-bigint-over-int, prefer-bigint-over-smallint,
  prefer-identity, prefer-text-field, prefer-timestamp-tz, ban-char-field,
  require-enum-value-ordering;
- re-runnability, not locks: prefer-robust-stmts (buildamp records progress
  and resumes instead of relying on IF NOT EXISTS everywhere);
- statement_timeout: require-statement-timeout (it bounds run time, not lock
  waits; batched backfills and concurrent index builds are meant to run long).
  require-lock-timeout stays; so does its umbrella require-timeout-settings,
  because excluding that name switches require-lock-timeout off too;
- breaking changes, not locks: renaming-column, renaming-table, ban-drop-column,
  ban-drop-table, ban-drop-constraint (generated migrations rename and drop on
  purpose; the agreement test below still checks them against BA007/BA008).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from buildamp.lint.engine import lint_sql

CASES_DIR = Path(__file__).resolve().parent.parent / "lint_cases"
CASES = sorted(p for p in CASES_DIR.iterdir() if p.is_dir())
PG_VERSION = "13"  # the oldest PostgreSQL buildamp targets

STYLE_RULES = frozenset(
    {
        "prefer-bigint-over-int",
        "prefer-bigint-over-smallint",
        "prefer-identity",
        "prefer-text-field",
        "prefer-timestamp-tz",
        "ban-char-field",
        "require-enum-value-ordering",
        "prefer-robust-stmts",
        "require-statement-timeout",
    }
)
BREAKING_RULES = frozenset(
    {
        "renaming-column",
        "renaming-table",
        "ban-drop-column",
        "ban-drop-table",
        "ban-drop-constraint",
    }
)
NOT_LOCKING = STYLE_RULES | BREAKING_RULES

# Our code -> squawk rules that find the same hazard (BA010 has no squawk twin).
SQUAWK_TWINS: dict[str, frozenset[str]] = {
    "BA001": frozenset({"require-concurrent-index-creation", "require-concurrent-index-deletion"}),
    "BA002": frozenset({"ban-concurrent-index-creation-in-transaction"}),
    "BA003": frozenset({"require-lock-timeout"}),
    "BA004": frozenset({"adding-required-field"}),
    "BA005": frozenset({"adding-not-nullable-field"}),
    "BA006": frozenset({"changing-column-type", "adding-field-with-default"}),
    "BA007": frozenset({"renaming-column", "renaming-table"}),
    "BA008": frozenset({"ban-drop-column", "ban-drop-table"}),
    "BA009": frozenset({"constraint-missing-not-valid", "adding-foreign-key-constraint"}),
    "BA011": frozenset({"disallowed-unique-constraint", "constraint-missing-not-valid"}),
    "BA012": frozenset({"adding-foreign-key-constraint"}),
}


def _squawk_binary() -> str | None:
    """squawk-cli installs a native binary next to the interpreter; None when it
    is missing or cannot run on this platform (the only reason to skip)."""
    candidates = [Path(sys.executable).parent / "squawk", shutil.which("squawk")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            try:
                done = subprocess.run(
                    [str(candidate), "--version"], capture_output=True, text=True, timeout=30
                )
            except OSError:
                continue
            if done.returncode == 0 and done.stdout.startswith("squawk"):
                return str(candidate)
    return None


SQUAWK = _squawk_binary()
pytestmark = pytest.mark.skipif(SQUAWK is None, reason="squawk-cli binary cannot run here")


@dataclass(frozen=True)
class SquawkHit:
    rule: str
    line: int  # 1-based (squawk's JSON counts lines from 0)
    message: str


def squawk_hits(path: Path, exclude: frozenset[str] = NOT_LOCKING) -> list[SquawkHit]:
    """squawk's findings for one SQL file, minus the ``exclude``d rules."""
    assert SQUAWK is not None
    command = [SQUAWK, "--reporter", "json", "--pg-version", PG_VERSION]
    if exclude:
        command += ["--exclude", ",".join(sorted(exclude))]
    done = subprocess.run(
        [*command, str(path)], capture_output=True, text=True, timeout=60, cwd=path.parent
    )
    try:
        rows = json.loads(done.stdout)
    except json.JSONDecodeError:
        rows = None
    if done.returncode not in (0, 1) or not isinstance(rows, list):
        raise AssertionError(f"squawk failed ({done.returncode}) on {path}: {done.stderr.strip()}")
    return [SquawkHit(r["rule_name"], int(r["line"]) + 1, r["message"]) for r in rows]


def squawk_findings(path: Path, exclude: frozenset[str] = NOT_LOCKING) -> list[str]:
    """``"<line>:<rule>"`` for each locking finding squawk has on this file."""
    return [f"{hit.line}:{hit.rule}" for hit in squawk_hits(path, exclude)]


def assert_squawk_clean(path: Path) -> None:
    """Fail, listing every hazard, unless squawk's locking rules pass ``path``."""
    hits = squawk_hits(path)
    listing = "\n".join(f"  {path.name}:{h.line}: {h.rule}: {h.message}" for h in hits)
    assert not hits, f"squawk's locking rules flag {path}:\n{listing}"


LOCK_SAFE = """\
-- An online migration written by hand: every step safe under load.
SET lock_timeout = '1s';

-- buildamp:no-transaction
ALTER TYPE person_status ADD VALUE IF NOT EXISTS 'Deleted' AFTER 'Suspended';
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS unique_people_email ON people (host, email);
ALTER TABLE people ADD CONSTRAINT chk_people_nickname_not_null CHECK (nickname IS NOT NULL) NOT VALID;
ALTER TABLE people VALIDATE CONSTRAINT chk_people_nickname_not_null;

BEGIN;

-- Forward migration
CREATE TABLE badges (
    id TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    person_id TEXT NOT NULL,
    label TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX idx_badges_person_id ON badges (host, person_id);
ALTER TABLE people ADD COLUMN score BIGINT NOT NULL DEFAULT 0;
ALTER TABLE people ADD COLUMN bio TEXT;
ALTER TABLE people ALTER COLUMN status SET DEFAULT 'Deleted';
ALTER TABLE people ALTER COLUMN nickname SET NOT NULL;
ALTER TABLE people ADD CONSTRAINT unique_people_email UNIQUE USING INDEX unique_people_email;
ALTER TABLE badges ADD CONSTRAINT fk_badges_person FOREIGN KEY (person_id) REFERENCES people (id) NOT VALID;

-- Validation
DO $buildamp$
BEGIN
    IF NOT (to_regclass('badges') IS NOT NULL) THEN
        RAISE EXCEPTION 'Migration failed: table badges not created';
    END IF;
END
$buildamp$;

COMMIT;

-- buildamp:no-transaction
ALTER TABLE badges VALIDATE CONSTRAINT fk_badges_person;
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_people_bio ON people (host, bio);

-- Rollback instructions (commented)
-- DROP TABLE badges;
"""


def test_squawk_binary_runs() -> None:
    assert SQUAWK is not None
    version = subprocess.run([SQUAWK, "--version"], capture_output=True, text=True).stdout
    assert version.startswith("squawk 2.")


def test_excluded_rule_names_are_known_to_squawk(tmp_path: Path) -> None:
    """squawk rejects an unknown --exclude name: a renamed rule shows up here."""
    path = tmp_path / "one.sql"
    path.write_text("SELECT 1;\n")
    every_named = NOT_LOCKING | frozenset().union(*SQUAWK_TWINS.values())
    assert squawk_findings(path, exclude=every_named) == []


def test_hand_written_lock_safe_migration_passes_both_linters(tmp_path: Path) -> None:
    path = tmp_path / "007_online_people.sql"
    path.write_text(LOCK_SAFE)
    assert_squawk_clean(path)
    assert lint_sql(LOCK_SAFE, path.name) == []


def test_harness_is_not_vacuous(tmp_path: Path) -> None:
    path = tmp_path / "008_index.sql"
    path.write_text(
        "SET lock_timeout = '1s';\nBEGIN;\nCREATE INDEX idx_people_bio ON people (bio);\nCOMMIT;\n"
    )
    assert squawk_findings(path) == ["3:require-concurrent-index-creation"]
    with pytest.raises(AssertionError, match="require-concurrent-index-creation"):
        assert_squawk_clean(path)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_good_sql_passes_squawk_locking_rules(case: Path) -> None:
    assert_squawk_clean(case / "good.sql")


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_squawk_and_buildamp_agree_on_bad_sql(case: Path) -> None:
    """Where both linters have a rule, both flag the same lines: each of our
    findings has a squawk twin on its line, and each squawk finding of a twin
    rule has one of ours on its line."""
    path = case / "bad.sql"
    ours = lint_sql(path.read_text(), path.name)
    theirs = squawk_hits(path, exclude=STYLE_RULES)
    by_line: dict[int, set[str]] = {}
    for hit in theirs:
        by_line.setdefault(hit.line, set()).add(hit.rule)
    for finding in ours:
        twins = SQUAWK_TWINS.get(finding.code)
        if twins:
            assert by_line.get(finding.line, set()) & twins, (
                f"{case.name}: squawk misses {finding.code} at line {finding.line}: {theirs}"
            )
    ours_by_line: dict[int, set[str]] = {}
    for finding in ours:
        ours_by_line.setdefault(finding.line, set()).add(finding.code)
    for hit in theirs:
        codes = {code for code, twins in SQUAWK_TWINS.items() if hit.rule in twins}
        if codes:
            assert ours_by_line.get(hit.line, set()) & codes, (
                f"{case.name}: we miss squawk's {hit.rule} at line {hit.line}"
            )
