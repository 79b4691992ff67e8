"""Issue 15 item 10: Python field defaults (``= "web"``, ``= False``, ``= 0``, an
enum member) become column defaults, so adding such a field to a table with rows
needs nothing more; a ``default=`` option still wins."""

from __future__ import annotations

from pathlib import Path

from tests.trust_project import Project

BEFORE = """
import enum
from dataclasses import dataclass, field
from typing import Annotated
from buildamp import domain, migration
from buildamp.types import Timestamp

class Channel(enum.Enum):
    WEB = "web"
    APP = "app"

@domain
@dataclass
class Visit:
    id: int
    path: str
"""

AFTER = (
    BEFORE
    + """    source: str = "web"
    bot: bool = False
    hits: int = 0
    channel: Channel = Channel.APP
    label: Annotated[str, migration(default="'x'")] = "ignored"
    tags: list[str] = field(default_factory=list)
    note: str | None = None
    seen_at: Timestamp = 0
"""
)


def test_python_defaults_become_column_defaults(tmp_path: Path, pg_url: str) -> None:
    project = Project(tmp_path, pg_url, online=False, file="visits.py")
    project.generate(BEFORE)
    project.apply()
    project.sql(
        "INSERT INTO visits (id, host, path) SELECT g, 'h', '/' FROM generate_series(1, 25) g"
    )
    result = project.generate(
        AFTER.replace("    tags: list[str] = field(default_factory=list)\n", "")
    )
    assert result.written
    project.apply()
    assert project.rows("SELECT DISTINCT source, bot, hits, channel::text, label FROM visits") == [
        ("web", False, 0, "app", "x")
    ]
    # a type with its own default keeps it: Timestamp is "now", not the 0 placeholder
    assert project.value("SELECT count(*) FROM visits WHERE seen_at > 1600000000") == 25
    project.rollback()
    project.apply()
