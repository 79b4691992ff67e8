"""Issue 13 item 3: a migration file that does not split into exactly the parts
the executor expects is refused (exit 2, file:line) by apply, --check and lint,
before anything runs."""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import psycopg
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from buildamp.cli.main import main
from buildamp.files import integrity


def run(project: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["-C", str(project), *args], env={})
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "app"
    root.mkdir()
    assert run(root, "init")[0] == 0
    return root


BODY = (
    "BEGIN;\n"
    "CREATE TABLE first_part (id int);\n"
    "{middle}"
    "CREATE TABLE second_part (id int);\n"
    "COMMIT;\n"
)

CASES = {
    "nul": ("CREATE TABLE x (id int);\n\x00\n", 4, "NUL byte"),
    "rollback": ("ROLLBACK;\n", 3, "ROLLBACK in a migration"),
    "savepoint": ("SAVEPOINT s;\n", 3, "SAVEPOINT in a migration"),
    "rollback_to": ("SAVEPOINT s;\nROLLBACK TO SAVEPOINT s;\n", 3, "SAVEPOINT"),
    "second_begin": ("BEGIN;\n", 3, "a second BEGIN"),
    "commit_in_middle": ("COMMIT;\nCOMMIT;\n", 4, "COMMIT without a BEGIN"),
    "prepare": ("PREPARE TRANSACTION 'x';\n", 3, "PREPARE TRANSACTION"),
}


def _write(project: Path, middle: str) -> Path:
    path = project / "migrations" / "001_hostile.sql"
    path.write_text(BODY.format(middle=middle), encoding="utf-8")
    (project / "migrations" / "rollback" / "001_rollback.sql").write_text(
        "BEGIN;\nDROP TABLE first_part;\nDROP TABLE second_part;\nCOMMIT;\n"
    )
    return path


def _tables(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        ).fetchall()
    return {row[0] for row in rows}


@pytest.mark.parametrize("case", sorted(CASES))
def test_apply_refuses_files_that_do_not_split_cleanly(
    case: str, project: Path, pg_url: str
) -> None:
    middle, line, words = CASES[case]
    _write(project, middle)
    code, out, err = run(project, "migrate", "--apply", "--database-url", pg_url)
    assert code == 2, (out, err)
    assert f"migrations/001_hostile.sql:{line}:" in err and words in err
    assert "Traceback" not in err
    assert _tables(pg_url) <= {"buildamp_migrations"}  # nothing ran
    with psycopg.connect(pg_url) as conn:
        exists = conn.execute("SELECT to_regclass('buildamp_migrations')").fetchone()
        if exists and exists[0]:
            assert conn.execute("SELECT count(*) FROM buildamp_migrations").fetchone() == (0,)


@pytest.mark.parametrize("case", ["nul", "rollback", "second_begin"])
def test_lint_and_check_refuse_the_same_files(case: str, project: Path) -> None:
    middle, line, words = CASES[case]
    _write(project, middle)
    code, _, err = run(project, "lint")
    assert code == 2 and f"migrations/001_hostile.sql:{line}:" in err and words in err
    code, out, _ = run(project, "migrate", "--check")
    assert code == 1 and f"migrations/001_hostile.sql:{line}:" in out and words in out


def test_a_clean_file_still_applies(project: Path, pg_url: str) -> None:
    _write(project, "")
    code, _, err = run(project, "migrate", "--apply", "--database-url", pg_url)
    assert code == 0, err
    assert {"first_part", "second_part"} <= _tables(pg_url)


HIDDEN_CONTROL = {
    # every spelling of transaction control, behind comments (nested, too) that
    # a first-word check must see through, and in any case
    "nested_comment": "/* a /* b */ c */ rollback;\n",
    "line_comment": "-- note\n  Savepoint s;\n",
    "abort": "ABORT;\n",
    "end": "end;\n",
    "start_transaction": "start transaction;\n",
    "release": "SAVEPOINT s;\nRELEASE s;\n",
    "commit_prepared": "COMMIT PREPARED 'x';\n",
    "begin_with_options": "BEGIN ISOLATION LEVEL SERIALIZABLE;\n",
    "commit_and_chain": "COMMIT AND CHAIN;\n",
}


@pytest.mark.parametrize("case", sorted(HIDDEN_CONTROL))
def test_split_finds_transaction_control_in_any_spelling(case: str) -> None:
    from buildamp.files.integrity import split_statements
    from buildamp.model.errors import StateError

    with pytest.raises(StateError):
        split_statements(BODY.format(middle=HIDDEN_CONTROL[case]), "m.sql")


def test_split_keeps_look_alike_statements_and_their_text() -> None:
    """Statements that only start like transaction control (an identifier
    ``begin_at``, PREPARE of a query, ``END`` inside a DO body) are ordinary."""
    from buildamp.files.integrity import split_statements

    middle = (
        "PREPARE q AS SELECT 1;\n"
        "DO $$ BEGIN PERFORM 1; END $$;\n"
        "/* c */ CREATE TABLE begin_at (id int);\n"
    )
    text = BODY.format(middle=middle)
    pieces = split_statements(text, "m.sql")
    assert [p.kind for p in pieces] == ["begin", *["statement"] * 5, "commit"]
    assert [text[p.start : p.stop] for p in pieces[1:-1]] == [
        "CREATE TABLE first_part (id int)",
        "PREPARE q AS SELECT 1",
        "DO $$ BEGIN PERFORM 1; END $$",
        "CREATE TABLE begin_at (id int)",
        "CREATE TABLE second_part (id int)",
    ]


# -- long files are split in pieces, with the whole file's result -------------

SNIPPETS = [
    "CREATE TABLE t (id int)",
    "SELECT 'a;b'",
    "SELECT $$x;y$$",
    "SELECT $tag$ ; $tag$",
    "-- a comment; with a semicolon\nSELECT 1",
    "/* block ; comment */ SELECT 2",
    'CREATE TABLE "we;ird" (id int)',
    "SELECT 'é ü'",
    "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END",
    "CREATE RULE r AS ON INSERT TO t DO ALSO (SELECT 1; SELECT 2)",
    "CREATE FUNCTION g() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\nSELECT 1;\nSELECT 2;\nEND",
    "SELECT 'line\nSELECT 1;\nline'",
    "SELECT $$\nSELECT 1;\n$$",
    "SELECT E'it\\'s\nSELECT 1;\n'",
    "/*\nSELECT 1;\n*/ SELECT 2",
    'SELECT "odd\nSELECT 1;\nname" FROM t',
    "SELECT 1 -- hides the semicolon after it",
    "\n  -- leading comment\n\nSELECT 3",
    "SELECT 1 +",  # a parse error
    "CREATE TYPE e AS ENUM ('a', 'b')",  # a cut after a line of paired quotes
    "SELECT 'x\nSELECT ('a', 'b');\ny'",  # paired quotes inside a string
    "SELECT $b$\nBEGIN\n  PERFORM 1;\nEND;\n$b$",  # plain lines in a dollar quote
    "-- c\rSELECT 4",  # a comment ends at a carriage return
    "BEGIN",
    "COMMIT",
    "SAVEPOINT s",
]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(SNIPPETS), min_size=1, max_size=12), st.booleans())
def test_pieces_split_as_the_whole_file(statements: list[str], trailing: bool) -> None:
    """Parsing a long file in pieces gives exactly the statements (and the
    parse error, at the same offset) of parsing it whole."""
    from pglast import parser

    text = ";\n".join(statements) + (";\n" if trailing else "")
    try:
        expected: object = list(parser.split(text, with_parser=True, only_slices=True))
    except parser.ParseError as error:
        expected = ("error", error.args)
    for piece in (1, 8, 40, 1 << 17):
        with mock.patch.object(integrity, "PIECE", piece):
            try:
                found: object = integrity.statement_slices(text)
            except parser.ParseError as error:
                found = ("error", error.args)
        assert found == expected


def test_a_long_file_is_parsed_in_pieces() -> None:
    """A file past PIECE characters is never given to the parser whole (the
    parser holds ~17 bytes per byte of SQL while it splits), not even when a
    cut falls inside a DO block (that piece is tried again, longer)."""
    from pglast import parser

    block = "DO $$\nBEGIN\n" + "  PERFORM 1;\n" * 30 + "END\n$$;\n"  # plain lines inside
    text = "CREATE TABLE t (id int);\n" * 60 + block + "CREATE TABLE u (id int);\n" * 40
    seen: list[int] = []
    split = parser.split

    def spy(sql: str, with_parser: bool = True, only_slices: bool = False) -> object:
        if with_parser:
            seen.append(len(sql))
        return split(sql, with_parser=with_parser, only_slices=only_slices)

    with mock.patch.object(integrity, "PIECE", 200), mock.patch.object(parser, "split", spy):
        pieces = integrity.split_statements(text, "x.sql")
    assert len(pieces) == 101
    assert seen and max(seen) < len(text) / 2  # the DO block's piece grew, no more


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(SNIPPETS), min_size=1, max_size=12), st.integers(1, 60))
def test_counting_is_splitting_without_the_pieces(statements: list[str], piece: int) -> None:
    """``count_statements`` is ``len(split_statements)``, with the same error
    (message and place) when the file is refused."""
    from buildamp.model.errors import StateError

    text = "-- header\n" + ";\n".join(statements) + ";\n"

    def outcome(measure: object) -> object:
        try:
            return measure(text, "x.sql")  # type: ignore[operator]
        except StateError as error:
            return ("refused", str(error))

    with mock.patch.object(integrity, "PIECE", piece):
        split = outcome(lambda t, w: len(integrity.split_statements(t, w)))
        assert outcome(integrity.count_statements) == split


def _pieces_parsed(text: str, piece: int) -> list[tuple[int, int]]:
    """(offset, length) of each text the splitter gave the parser."""
    from pglast import parser

    seen: list[tuple[int, int]] = []
    split = parser.split

    def spy(sql: str, with_parser: bool = True, only_slices: bool = False) -> object:
        seen.append((text.find(sql), len(sql)))
        return split(sql, with_parser=with_parser, only_slices=only_slices)

    with mock.patch.object(integrity, "PIECE", piece), mock.patch.object(parser, "split", spy):
        integrity.split_statements(text, "x.sql")
    return seen


def test_the_leading_comments_are_not_parsed() -> None:
    """A generated file's header (870,000 characters of comment lines at 10,000
    tables) holds no statement: the first piece starts after it."""
    header = "-- a line of the header\n" * 100
    text = header + "BEGIN;\n" + "CREATE TABLE t (id int);\n" * 50 + "COMMIT;\n"
    assert all(offset >= len(header) for offset, _ in _pieces_parsed(text, 200))


def test_lines_of_enum_values_are_places_to_cut() -> None:
    """Lines holding pairs of single quotes (the ``CREATE TYPE ... AS ENUM``
    of every new enum) are cut at: pieces stay about PIECE long."""
    text = "CREATE TYPE e AS ENUM ('a', 'b');\n" * 200
    assert max(length for _, length in _pieces_parsed(text, 200)) < 400


def test_a_dollar_quoted_body_is_taken_whole_not_doubled() -> None:
    """A cut inside a dollar-quoted body (the ``DO`` block checking every new
    table holds 30,000 plain lines) is tried again up to the body's end, not
    twice as long over and over: the parser's memory grows with the piece."""
    body = "DO $b$\nBEGIN\n" + "  PERFORM 1;\n" * 300 + "END\n$b$;\n"
    text = "CREATE TABLE t (id int);\n" * 20 + body + "CREATE TABLE u (id int);\n" * 400
    seen = _pieces_parsed(text, 200)
    assert max(length for _, length in seen) < len(body) + 600
