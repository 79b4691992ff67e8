"""Issue 15, online runs: on a terminal, the closing "applied" line of a
migration with a batched backfill stays on screen; the progress bar's refresh
(carriage return + erase line) used to wipe it."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.trust_project import Project

BEFORE = '#[table(name = "items")]\npub struct Item {\n    pub id: i64,\n    pub name: String,\n}\n'
AFTER = BEFORE.replace(
    "    pub name: String,\n",
    '    pub name: String,\n    #[migration(backfill = "upper(name)")]\n    pub shout: String,\n',
)


def visible_lines(raw: str) -> list[str]:
    """What a terminal shows: per line, the text after the last carriage return
    that erased it, without colour codes."""
    text = re.sub(
        r"\x1b\[[0-9;?]*[A-Za-z]", lambda m: "\x00" if m.group() == "\x1b[2K" else "", raw
    )
    shown = []
    for line in text.replace("\r\n", "\n").split("\n"):
        for part in reversed(line.split("\r")):
            if part.strip("\x00"):
                shown.append(part.split("\x00")[-1] if "\x00" in part else part)
                break
    return shown


@pytest.mark.skipif(shutil.which("script") is None, reason="needs script(1) for a pseudo-terminal")
def test_applied_line_survives_the_progress_bar(tmp_path: Path, pg_url: str) -> None:
    project = Project(tmp_path, pg_url, online=True)
    project.generate(BEFORE)
    project.apply()
    project.sql(
        "INSERT INTO items (id, host, name) SELECT g, 'h', 'n' FROM generate_series(1, 3000) g"
    )
    project.generate(AFTER)
    command = f"{sys.executable} -m buildamp -C {tmp_path} migrate --apply --database-url {pg_url}"
    result = subprocess.run(
        ["script", "-qec", command, "/dev/null"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "backfill items" in result.stdout  # a bar was drawn
    shown = visible_lines(result.stdout)
    assert any(line.startswith("applied 002_add_shout_to_items.sql") for line in shown), shown
