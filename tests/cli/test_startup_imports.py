"""Start-up cost follows the command (issue 20): ``--help`` loads no library it
does not print with, ``--check`` no render stack and no logging library, and
an audit line is written without structlog. Each case runs a real process
(``python -X importtime``) and reads which modules it imported: a set, not a
time, so the test cannot flake on a busy machine."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

MODEL = """
pub enum Mood { Happy, Sad }

pub struct Person {
    pub id: String,
    pub name: String,
    pub mood: Mood,
}
"""

HEAVY = ("pglast", "structlog", "rich", "psycopg", "httpx", "tree_sitter", "watchfiles")
RENDER_STACK = (
    "buildamp.render.migration",
    "buildamp.render.ddl",
    "buildamp.render.online",
    "buildamp.render.data",
)


def imported(
    project: Path, *args: str, env: dict[str, str] | None = None, code: int = 0
) -> set[str]:
    """The modules a ``buildamp`` process imported (it must exit with ``code``)."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "buildamp", *args],
        cwd=project,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == code, result.stdout + result.stderr
    names = set()
    for line in result.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip())
    assert "buildamp.cli.main" in names  # the parse found the import lines
    return names


def loaded(names: set[str], roots: tuple[str, ...]) -> list[str]:
    return sorted(n for n in names if any(n == r or n.startswith(r + ".") for r in roots))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "models").mkdir()
    (tmp_path / "buildamp.toml").write_text('models = ["models"]\n')
    (tmp_path / "models" / "people_domain.rs").write_text(MODEL)
    return tmp_path


def test_help_imports_no_library_it_does_not_use(project: Path) -> None:
    names = imported(project, "--help")
    assert loaded(names, HEAVY) == []
    assert loaded(names, ("buildamp.render", "buildamp.plan", "buildamp.run")) == []


def test_check_imports_no_render_stack_and_no_logging_library(project: Path) -> None:
    names = imported(project, "migrate", "--generate")
    assert "structlog" not in names  # the audit line of the generate
    audit = (project / ".buildamp" / "audit.log").read_text().splitlines()
    assert any('"event": "migration.generated"' in line for line in audit)
    # no memo: the check really compares models, state and files
    names = imported(project, "migrate", "--check", env={"BUILDAMP_NO_CACHE": "1"})
    assert loaded(names, RENDER_STACK) == []
    assert loaded(names, ("structlog", "rich", "psycopg", "httpx", "buildamp.run")) == []


def test_check_after_an_edit_plans_without_composer_renderer_or_audit_log(
    project: Path,
) -> None:
    """An edit since the last generate: --check rebuilds the changed file and
    plans, and loads nothing that writes a migration or an event; an index of
    plain column names is read without PostgreSQL's parser."""
    indexed = MODEL.replace("pub struct", '#[table(indexes = ["name, mood DESC"])]\npub struct')
    model = project / "models" / "people_domain.rs"
    model.write_text(indexed)
    imported(project, "migrate", "--generate")
    assert "idx_persons_name_mood_desc" in (project / ".buildamp" / "schema_state.json").read_text()
    imported(project, "migrate", "--check")  # checks the new files once (PostgreSQL's splitter)
    model.write_text(indexed.replace("pub name", "pub age: Option<i64>,\n    pub name"))
    names = imported(project, "migrate", "--check", code=1)
    assert "buildamp.cli.incremental" in names  # the fast path planned it
    assert loaded(names, ("buildamp.render", "buildamp.events", "buildamp.run")) == []
    assert loaded(names, ("buildamp.files.compose", "buildamp.files.directives")) == []
    assert loaded(names, ("buildamp.cli.generate", "structlog", "rich", "psycopg")) == []
    assert loaded(names, ("pglast", "buildamp.cli.fleet")) == []
    assert loaded(names, SIDE_LIBRARIES) == []


# Standard modules no ordinary command needs, each a few milliseconds of start-up
# (tempfile loads shutil and random; importlib.resources, which tree_sitter_rust's
# package imports for query files, loads tempfile).
SIDE_LIBRARIES = ("logging", "tempfile", "importlib.resources", "getpass", "shutil")


def test_no_change_check_loads_no_fleet_targets_or_side_library(project: Path) -> None:
    """A no-change --check (the pre-commit hook) reads the config without the
    fleet code, target parsing or TOML positions, and loads no standard module
    it does not use."""
    imported(project, "migrate", "--generate")
    imported(project, "migrate", "--check")  # checks the new files once (PostgreSQL's splitter)
    names = imported(project, "migrate", "--check")
    assert "buildamp.cli.model_index" in names and "tomllib" in names
    assert loaded(names, ("buildamp.cli.fleet", "buildamp.files.targets")) == []
    assert loaded(names, ("buildamp.sources.build", "buildamp.plan", "pglast")) == []
    assert loaded(names, SIDE_LIBRARIES) == []


def test_incremental_generate_loads_no_side_library(project: Path) -> None:
    """A generate after an edit writes the migration, the state and an audit
    line without logging, uuid, tempfile, getpass or the fleet code."""
    imported(project, "migrate", "--generate")
    model = project / "models" / "people_domain.rs"
    model.write_text(MODEL.replace("pub name", "pub age: Option<i64>,\n    pub name"))
    names = imported(project, "migrate", "--generate", env={"BUILDAMP_ACTOR": "ci"})
    assert "buildamp.cli.incremental" in names and "buildamp.events.audit" in names
    assert len(list((project / "migrations").glob("002_*.sql"))) == 1
    assert loaded(names, ("buildamp.cli.fleet",)) == []
    assert loaded(names, SIDE_LIBRARIES) == []


def test_identifier_quoting_needs_no_parser() -> None:
    """Quoting a name (every identifier list) uses pglast's keyword table
    without importing pglast itself, and agrees with it."""
    code = (
        "import sys\n"
        "from buildamp.pg.sqltext import quote_ident\n"
        "quoted = [quote_ident(n) for n in ('user', 'users', 'Abc', 'between', 'abort', 'x1')]\n"
        "print(' '.join(quoted), 'pglast' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == [
        '"user"',
        "users",
        '"Abc"',
        '"between"',
        "abort",
        "x1",
        "False",
    ]


def test_identifier_quoting_follows_every_keyword_pglast_knows() -> None:
    from pglast.keywords import (
        COL_NAME_KEYWORDS,
        RESERVED_KEYWORDS,
        TYPE_FUNC_NAME_KEYWORDS,
        UNRESERVED_KEYWORDS,
    )

    from buildamp.pg.sqltext import quote_ident

    for word in RESERVED_KEYWORDS | TYPE_FUNC_NAME_KEYWORDS | COL_NAME_KEYWORDS:
        assert quote_ident(word) == f'"{word}"'
    for word in UNRESERVED_KEYWORDS:
        assert quote_ident(word) == word


# what the console script runs (its argv[0] names the program "buildamp")
LAUNCHER = "import sys; sys.argv[0] = 'buildamp'; from buildamp.cli.launch import entry; entry()"


def imported_by(code: str, *args: str, cwd: Path | None = None) -> set[str]:
    """The modules ``python -c CODE ARGS`` imported, whatever its exit code."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = result.stderr.splitlines()
    return {line.rsplit("|", 1)[1].strip() for line in lines if line.startswith("import time:")}


@pytest.mark.parametrize(
    "args", [[], ["--help"], ["-h"], ["--version"], ["migrate", "--help"], ["db", "-h"]]
)
def test_help_and_version_import_nothing_but_the_launcher(args: list[str]) -> None:
    """No click, no typing, no re: the stored screens need none of them."""
    names = imported_by(LAUNCHER, *args) - imported_by("pass")
    assert names == {
        "__future__",
        "buildamp",
        "buildamp.cli",
        "buildamp.cli.launch",
        "buildamp.cli.help_text",
    }


def test_click_path_loads_what_the_command_uses(project: Path) -> None:
    """Help rendered by click (an unusual form) loads no pathlib, traceback or
    error types; a check that passes loads no traceback."""
    names = imported_by(LAUNCHER, "--help", "--verbose")
    assert "click" in names and "buildamp.cli.main" in names
    assert loaded(names, ("pathlib", "traceback", "buildamp.model", "buildamp.files")) == []
    imported(project, "migrate", "--generate")
    names = imported_by(LAUNCHER, "migrate", "--check", cwd=project)
    assert "buildamp.files.config" in names and "traceback" not in names


def test_rust_grammar_without_the_package_init_is_the_package_grammar() -> None:
    import tree_sitter_rust
    from tree_sitter import Language

    from buildamp.sources.rust import _LANGUAGE as loaded_grammar

    published = Language(tree_sitter_rust.language())
    assert loaded_grammar == published
    assert loaded_grammar.node_kind_count == published.node_kind_count
