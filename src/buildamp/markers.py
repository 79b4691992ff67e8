"""``@domain(...)`` and ``migration(...)``: the Python spelling of ``#[table]``/``#[migration]``.

Plain data on purpose: decorating or annotating a model never validates, imports
a database driver or raises for an unknown option. The reader hands the options
to the shared builder, which reports mistakes with the file and line recorded
here, exactly as it does for Rust attributes.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from types import FrameType
from typing import Any, TypeVar, overload

C = TypeVar("C", bound=type)

DOMAIN_ATTRIBUTE = "__buildamp_domain__"


@dataclass(frozen=True, eq=False)
class CallSite:
    """Where a marker was written, so errors point at the user's line, not ours."""

    file: str
    line: int
    column: int


@dataclass(frozen=True, eq=False)
class Migration:
    """Field options from ``Annotated[T, migration(...)]``, kept exactly as given.

    ``eq=False`` keeps it hashable (by identity) although values may be lists:
    ``typing`` and Pydantic hash ``Annotated`` metadata.
    """

    options: tuple[tuple[str, Any], ...]
    site: CallSite


@dataclass(frozen=True, eq=False)
class Domain:
    """Table options from ``@domain(...)``, stored on the class as ``__buildamp_domain__``."""

    options: tuple[tuple[str, Any], ...]
    site: CallSite


def _call_site(frame: FrameType | None) -> CallSite:
    """File, line and column of the call expression in ``frame`` (the user's code)."""
    if frame is None:
        return CallSite("", 0, 0)
    line, column = frame.f_lineno, 0
    positions = list(frame.f_code.co_positions())
    index = frame.f_lasti // 2
    if 0 <= index < len(positions):
        start_line, _, start_col, _ = positions[index]
        if start_line is not None:
            line = start_line
        if start_col is not None:
            column = start_col + 1
    return CallSite(frame.f_code.co_filename, line, column)


def migration(*flags: str, **options: Any) -> Migration:
    """``Annotated[str, migration(index=True)]``; bare flags: ``migration("ignore")``."""
    pairs = tuple((flag, True) for flag in flags) + tuple(options.items())
    return Migration(pairs, _call_site(sys._getframe(1)))


@overload
def domain(cls: C, /) -> C: ...


@overload
def domain(cls: None = None, /, **options: Any) -> _Decorator: ...


def domain(cls: type | None = None, /, **options: Any) -> Any:
    """Mark a dataclass or Pydantic model as a table: ``@domain`` or ``@domain(table=...)``."""
    marker = Domain(tuple(options.items()), _call_site(sys._getframe(1)))
    if cls is not None:
        setattr(cls, DOMAIN_ATTRIBUTE, marker)
        return cls
    return _Decorator(marker)


class _Decorator:
    """The decorator ``domain(...)`` returns; a class keeps type checkers precise."""

    def __init__(self, marker: Domain) -> None:
        self.marker = marker

    def __call__(self, cls: C) -> C:
        setattr(cls, DOMAIN_ATTRIBUTE, self.marker)
        return cls
