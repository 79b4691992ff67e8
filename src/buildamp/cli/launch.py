"""The ``buildamp`` console script: help and version screens without click.

Importing click alone costs 45-65 ms (``inspect``, ``typing``), more than the
50 ms goal for ``buildamp --help`` (issue 20). So every help screen (the group's
and each command's, ``-h`` and ``--help``, and the bare ``buildamp`` that shows
help on stderr) is click's own output rendered ahead of time into
:mod:`buildamp.cli.help_text` by ``scripts/regen_help_text.py``;
``tests/cli/test_help_text.py`` renders them again through the real command
group and requires them byte-equal, so the two cannot drift. ``--version``
prints ``buildamp.__version__`` (a test holds it equal to the package metadata,
which click reads at ~15 ms).

A screen is printed here only when click would print exactly the same bytes:
the arguments are exactly one of the stored forms, the program is called
``buildamp`` (``python -m buildamp`` is named differently), the terminal is at
least 80 columns (click wraps help at ``min(columns, 80) - 2``) and no shell
completion is asked for. Everything else (``--help --verbose``, ``-C x --help``,
a narrow terminal) goes to click, unchanged. Static text needs no secret scrubber.
"""

from __future__ import annotations

import os
import sys

from buildamp import __version__
from buildamp.cli.help_text import SCREENS, WIDTH

VERSION_FORMS = (("--version",),)
PROGRAM = "buildamp"
COMPLETION_VARIABLE = "_BUILDAMP_COMPLETE"


def entry() -> None:
    """Print a stored screen and exit, or run the click command group."""
    screen = static_screen(sys.argv[1:])
    if screen is not None:
        stream_name, code, text = screen
        stream = sys.stdout if stream_name == "stdout" else sys.stderr
        if stream is not None:  # no stream at all (a closed fd): click's business
            try:
                stream.write(text)
                stream.flush()
            except BrokenPipeError:
                os._exit(1)  # what click does when the reader left
            os._exit(code)
    # the command itself: click and everything the command needs
    from buildamp.cli.main import entry as run_command

    run_command()


def static_screen(argv: list[str]) -> tuple[str, int, str] | None:
    """The (stream, exit code, text) click would print for ``argv``, when known
    without click; else None."""
    if program_name() != PROGRAM or os.environ.get(COMPLETION_VARIABLE):
        return None
    form = tuple(argv)
    if form in VERSION_FORMS:
        return ("stdout", 0, f"{PROGRAM}, version {__version__}\n")
    screen = SCREENS.get(form)
    if screen is None or terminal_columns() < WIDTH:
        return None
    return screen


def program_name() -> str:
    """The name click gives the program (``click.utils._detect_program_name``):
    the script's file name, or ``""`` under ``python -m`` (click then says
    ``python -m buildamp``, which the stored screens do not)."""
    if getattr(sys.modules["__main__"], "__package__", None) in (None, ""):
        return os.path.basename(sys.argv[0])
    return ""


def terminal_columns() -> int:
    """``shutil.get_terminal_size().columns``, click's source of the help width,
    without importing shutil (~4 ms): ``COLUMNS`` if a positive number, else
    the terminal on stdout, else 80."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns > 0:
        return columns
    try:
        size = os.get_terminal_size(sys.__stdout__.fileno())  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):  # no stdout, closed, not a terminal
        return 80
    return size.columns or 80
