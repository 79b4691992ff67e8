"""``buildamp --help`` without click (issue 20): the stored screens are click's
output, byte for byte, and are used only where click would print the same.

Each end-to-end case runs two real processes, the launcher (the console script)
and click itself (``buildamp.cli.main.entry``, what the launcher falls back to),
and requires the same stdout, stderr and exit code."""

from __future__ import annotations

import importlib.metadata
import os
import runpy
import subprocess
import sys
import tomllib
from pathlib import Path
from subprocess import PIPE
from typing import Any

import pytest

import buildamp
from buildamp.cli import help_text, launch

ROOT = Path(__file__).resolve().parents[2]
GENERATOR = ROOT / "scripts" / "regen_help_text.py"
# what the console script does: argv[0] is the script's path, __main__ has no package
LAUNCHER = (
    "import sys; sys.argv[0] = '/usr/bin/buildamp'; from buildamp.cli.launch import entry; entry()"
)
CLICK = (
    "import sys; sys.argv[0] = '/usr/bin/buildamp'; from buildamp.cli.main import entry; entry()"
)


def generator() -> dict[str, Any]:
    return runpy.run_path(str(GENERATOR))


def run(code: str, *args: str, env: dict[str, str] | None = None, stdout: Any = PIPE) -> Any:
    """``code`` run with ``args`` as its command line; COLUMNS unset unless given."""
    environment = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    return subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code, *args],
        env={**environment, **(env or {})},
        stdout=stdout,
        stderr=PIPE,
        text=True,
        check=False,
    )


def split(result: Any) -> tuple[str, str, int, set[str]]:
    """(stdout, stderr without the import lines, exit code, modules imported)."""
    lines = result.stderr.splitlines(keepends=True)
    imports = {line.rsplit("|", 1)[1].strip() for line in lines if line.startswith("import time:")}
    stderr = "".join(line for line in lines if not line.startswith("import time:"))
    return result.stdout, stderr, result.returncode, imports


def test_stored_screens_are_clicks_output() -> None:
    """Fails when a command, option or help text changed without
    ``python scripts/regen_help_text.py``."""
    expected = generator()["render_module"]()
    assert Path(help_text.__file__).read_text(encoding="utf-8") == expected


def test_every_command_has_its_help_stored() -> None:
    from buildamp.cli.main import main

    stored = {form[0] for form in help_text.SCREENS if form and not form[0].startswith("-")}
    assert stored == set(main.commands)
    assert help_text.SCREENS[()][:2] == ("stderr", 2)  # bare `buildamp`: click's usage error
    assert help_text.SCREENS[("--help",)][:2] == ("stdout", 0)


def test_version_is_the_package_metadata(monkeypatch: pytest.MonkeyPatch) -> None:
    """click reads the metadata (~15 ms); the launcher reads ``__version__``."""
    assert buildamp.__version__ == importlib.metadata.version("buildamp")
    monkeypatch.setattr(sys, "argv", ["/usr/bin/buildamp"])
    clicks = generator()["render_screen"](("--version",))
    assert launch.static_screen(["--version"]) == clicks


def test_console_script_is_the_launcher() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["scripts"]["buildamp"] == "buildamp.cli.launch:entry"


@pytest.mark.parametrize(
    "args",
    [[], ["--help"], ["-h"], ["--version"], ["migrate", "--help"], ["db", "-h"]],
    ids=lambda args: " ".join(args) or "no-args",
)
def test_stored_screen_is_printed_as_click_prints_it(args: list[str]) -> None:
    fast = split(run(LAUNCHER, *args))
    slow = split(run(CLICK, *args))
    assert fast[:3] == slow[:3]
    assert "click" not in fast[3] and "click" in slow[3]


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["--help", "--verbose"], {}),
        (["-C", "x", "--help"], {}),
        (["--help", "extra"], {}),
        (["migrate", "--help"], {"COLUMNS": "60"}),  # narrower than click's 80
        (["--help"], {"COLUMNS": "79"}),
        (["--help"], {"_BUILDAMP_COMPLETE": "bash_source"}),  # shell completion
        (["--version"], {"_BUILDAMP_COMPLETE": "bash_source"}),
    ],
    ids=[
        "help-verbose",
        "project-help",
        "extra-arg",
        "columns-60",
        "columns-79",
        "completion",
        "completion-version",
    ],
)
def test_other_forms_go_to_click_unchanged(args: list[str], env: dict[str, str]) -> None:
    fast = split(run(LAUNCHER, *args, env=env))
    slow = split(run(CLICK, *args, env=env))
    assert "click" in fast[3]
    assert fast[:3] == slow[:3]
    assert fast[0] + fast[1]  # click printed something


def test_wide_terminal_uses_the_stored_screen() -> None:
    fast = split(run(LAUNCHER, "--help", env={"COLUMNS": "200"}))
    assert "click" not in fast[3]
    assert fast[0] == help_text.SCREENS[("--help",)][2]


def test_python_dash_m_is_named_as_click_names_it() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "buildamp", "--help"], capture_output=True, text=True, check=True
    )
    assert result.stdout.startswith("Usage: python -m buildamp [OPTIONS] COMMAND")


def test_reader_gone_exits_as_click_does() -> None:
    """``buildamp --help`` into a pipe nobody reads: exit 1, nothing on stderr."""
    outcomes = []
    for code in (LAUNCHER, CLICK):
        read, write = os.pipe()
        os.close(read)
        try:
            result = run(code, "--help", stdout=write)
        finally:
            os.close(write)
        outcomes.append((result.returncode, split(result)[1]))
    assert outcomes[0] == outcomes[1] == (1, "")


def test_terminal_columns_follow_shutil(monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    for value in ("120", "60", "0", "-5", "abc", " 90 ", None):
        if value is None:
            monkeypatch.delenv("COLUMNS", raising=False)
        else:
            monkeypatch.setenv("COLUMNS", value)
        assert launch.terminal_columns() == shutil.get_terminal_size().columns, value
