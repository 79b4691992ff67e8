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


def imported(project: Path, *args: str, env: dict[str, str] | None = None) -> set[str]:
    """The modules a ``buildamp`` process imported (it must exit 0)."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "buildamp", *args],
        cwd=project,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
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
