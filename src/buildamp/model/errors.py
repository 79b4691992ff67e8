"""Errors a user can act on. The CLI prints ``str(error)`` as one line and exits
with ``error.exit_code``; nothing else of ours ever prints a traceback."""

from __future__ import annotations

import re
from dataclasses import dataclass

from buildamp.model.records import fast_init

# "models/a.rs:3:5": a place already written out (a table's ``source``);
# compiled on first use (re keeps it): only an error message needs it
_POSITIONED = r":\d+:\d+$"


@fast_init
@dataclass(frozen=True, slots=True)
class Location:
    """A place in a file: ``file:line:column``, or just the file when no line
    is known."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.file}:{self.line}:{self.column or 1}"
        return self.file

    def positioned(self) -> str:
        """Always ``file:line:column`` (editors and CI annotations jump there):
        a fault of the whole file (its name, its state) points at ``1:1``."""
        if self.line or re.search(_POSITIONED, self.file):
            return str(self)
        return f"{self.file}:1:1"


class BuildampError(Exception):
    """Base of every expected failure."""

    exit_code = 2

    def __init__(self, message: str, location: Location | None = None, hint: str = "") -> None:
        self.message = message
        self.location = location
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        # bad input (exit 2) always starts with file:line:column (see docs/cli.md)
        text = self.message
        if self.location is not None:
            where = self.location.positioned() if self.exit_code == 2 else str(self.location)
            text = f"{where}: {self.message}"
        if self.hint:
            text = f"{text} ({self.hint})"
        return text


class ModelError(BuildampError):
    """Bad model source: syntax, unknown type, unknown or mistyped option."""


class ConfigError(BuildampError):
    """Bad configuration file or command-line usage."""


class StateError(BuildampError):
    """Corrupt or inconsistent snapshot / migration files."""


class PlanError(BuildampError):
    """A change we refuse to generate without more information from the user."""

    # The tables at fault, for a layer that knows no model files (the renderer):
    # the command that called it points the error at the first one's model.
    tables: tuple[str, ...] = ()


class DatabaseError(BuildampError):
    """The database refused a statement or cannot be reached."""

    exit_code = 3
    statement = ""  # the SQL that failed, when one did


class InternalError(BuildampError):
    """A self-check failed: a bug of ours. Nothing was written."""

    exit_code = 4
