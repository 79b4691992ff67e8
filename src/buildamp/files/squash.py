"""The ``-- buildamp:squashes`` directive of a squashed baseline migration.

``migrate --squash --to VERSION`` replaces migrations 001..VERSION with one
baseline numbered VERSION. Its header lists every migration it replaces, with
the checksum that file had, so a database that applied the old files is
recognised (its history rows become the baseline's row) instead of looking
edited or missing.
"""

from __future__ import annotations

from dataclasses import dataclass

SQUASH_MARK = "-- buildamp:squashes"


@dataclass(frozen=True)
class Squashed:
    """One migration a baseline replaces: as it was named and summed."""

    version: str
    name: str
    checksum: str


def squash_lines(replaced: list[Squashed]) -> list[str]:
    return [f"{SQUASH_MARK} {m.version}_{m.name} {m.checksum}" for m in replaced]


def squashed_of(text: str) -> list[Squashed]:
    """The migrations a file replaces ([] for an ordinary migration)."""
    found: list[Squashed] = []
    for line in text.splitlines():
        if not line.startswith(SQUASH_MARK + " "):
            if line.startswith("BEGIN;"):
                break
            continue
        parts = line[len(SQUASH_MARK) :].split()
        if len(parts) == 2 and "_" in parts[0]:
            version, _, name = parts[0].partition("_")
            found.append(Squashed(version, name, parts[1]))
    return found
