"""files/sumfile.py: conflict markers are found at a line start only, by a
whole-text search first (a migration or the state can be megabytes), and
``--check`` reports an unreadable migration file instead of failing."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from buildamp.files.sumfile import (
    CONFLICT_MARKERS,
    has_conflict_markers,
    migration_texts,
    sum_problems,
)


def by_lines(text: str) -> bool:
    """The rule, line by line: a line that starts with a marker."""
    return any(line.startswith(CONFLICT_MARKERS) for line in text.splitlines())


def test_markers_count_at_a_line_start_only() -> None:
    assert has_conflict_markers("SELECT 1;\n<<<<<<< HEAD\nSELECT 2;\n")
    assert has_conflict_markers("a\r\n=======\r\nb")
    assert has_conflict_markers(">>>>>>> main")
    assert has_conflict_markers("x\u2028======= y")  # any line break str.splitlines knows
    assert not has_conflict_markers("-- ======= a banner\nSELECT '<<<<<<< ';\n")
    assert not has_conflict_markers("<<<<<<<no space\n")
    assert not has_conflict_markers("")


LINES = st.sampled_from(
    ["SELECT 1;", "<<<<<<< HEAD", "=======", "==", ">>>>>>> b", " =======", "x <<<<<<< y", ""]
)


@given(st.lists(LINES, max_size=6), st.sampled_from(["\n", "\r\n", "\r", "\x85", "\u2029"]))
def test_the_fast_search_agrees_with_the_line_rule(lines: list[str], newline: str) -> None:
    text = newline.join(lines)
    assert has_conflict_markers(text) == by_lines(text)


def test_an_unreadable_migration_is_named_not_raised(tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    (folder / "rollback").mkdir(parents=True)
    (folder / "001_a.sql").write_bytes(b"SELECT 1; -- \xff\n")
    (folder / "rollback" / "001_rollback.sql").write_text("SELECT 2;\n")
    (folder / "buildamp.sum").write_text("001_a.sql 0\nrollback/001_rollback.sql 0\n")
    unreadable: list[str] = []
    texts = migration_texts(folder, unreadable)
    assert list(texts) == ["rollback/001_rollback.sql"]
    assert len(unreadable) == 1 and unreadable[0].startswith("001_a.sql: cannot read: ")
    problems = sum_problems(folder, texts)
    assert problems == [
        "rollback/001_rollback.sql was edited after it was generated "
        "(`buildamp migrate --hash` accepts an edit of an unapplied file)"
    ]  # the unreadable file is not also called missing
