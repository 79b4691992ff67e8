"""The fleet's live view: one rich line per target on a terminal."""

from __future__ import annotations

import io
import sys

import pytest

from buildamp.cli.fleet import _view
from buildamp.run.fleet import FleetTarget


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_one_live_line_per_target_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    screen = Terminal()
    monkeypatch.setattr(sys, "stdout", screen)
    targets = [
        FleetTarget("eu-1", "postgresql://u:pw@h/a"),
        FleetTarget("us-1", "postgresql://h/b"),
    ]
    with _view(targets, quiet=False) as notify:
        notify("eu-1", "running", "applied 001_create_notes.sql (12 ms)")
        notify("us-1", "failed", "[bold]not markup[/bold]")
    text = screen.getvalue()
    assert "\x1b[" in text  # drawn by rich, not plain lines
    assert "eu-1" in text and "applied 001_create_notes.sql (12 ms)" in text
    assert "[bold]not markup[/bold]" in text  # messages are shown as text, never as markup
    assert "[eu-1]" not in text  # not the plain form
