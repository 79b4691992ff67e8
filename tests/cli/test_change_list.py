"""The change list ``generate`` prints: a sign per line that says what happened."""

from __future__ import annotations

from typing import Any

from buildamp.cli.change_list import change_line, echo_changes
from buildamp.model.schema import Enum
from buildamp.plan import ops as o


def test_created_things_are_additions() -> None:
    """An enum or function created is a ``+`` line, as a table created is (it
    was shown as ``~``, a change)."""
    enum = Enum("status", ("a", "b"))
    assert change_line(o.CreateEnum(enum)) == ("+", "Enum: status - created")
    assert change_line(o.DropEnum(enum)) == ("-", "Enum: status - dropped")


def test_the_list_is_printed_whole_in_order(capsys: Any) -> None:
    enums = [Enum(f"e{i}", ("x",)) for i in range(3)]
    echo_changes([o.CreateEnum(e) for e in enums])
    assert capsys.readouterr().out == "".join(f"+ Enum: e{i} - created\n" for i in range(3))
    echo_changes([])
    assert capsys.readouterr().out == ""
