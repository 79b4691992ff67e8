"""What the models say about *how* to change, beyond what the schema is.

Renames, conversions and confirmations are instructions for the diff, not part
of the schema, so they live here and never in the snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from buildamp.model.naming import camel_case


@dataclass(frozen=True)
class ColumnHint:
    rename_from: str | None = None
    convert_from: str | None = None
    convert_sql: str | None = None
    enum_migration: str | None = None
    backfill: str | None = None
    confirm_destructive: bool = False
    location: str = ""


@dataclass(frozen=True)
class TableHint:
    model: str = ""
    rename_from: str | None = None
    confirm_destructive: bool = False
    location: str = ""


@dataclass(frozen=True)
class Hints:
    tables: dict[str, TableHint] = field(default_factory=dict)
    columns: dict[tuple[str, str], ColumnHint] = field(default_factory=dict)

    def column(self, table: str, column: str) -> ColumnHint:
        return self.columns.get((table, column), _NO_COLUMN_HINT)

    def table(self, table: str) -> TableHint:
        return self.tables.get(table, TableHint())


_NO_COLUMN_HINT = ColumnHint()


def field_option(location: str, key: str, value: str) -> str:
    """One field option as the model at ``location`` writes it, for fix hints:
    Rust ``#[migration(key = "v")]``, Python ``migration(key="v")``, Elm
    ``-- @camelKey "v"``."""
    path = location.split(":", 1)[0]
    quoted = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if path.endswith(".elm"):
        return f"-- @{camel_case(key)} {quoted}"
    if path.endswith(".py"):
        return f"migration({key}={quoted})"
    return f"#[migration({key} = {quoted})]"
