"""What the models say about *how* to change, beyond what the schema is.

Renames, conversions and confirmations are instructions for the diff, not part
of the schema, so they live here and never in the snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from buildamp.model.errors import Location
from buildamp.model.naming import camel_case
from buildamp.model.records import fast_init


@fast_init
@dataclass(frozen=True, slots=True)
class ColumnHint:
    """How a field asks to change: rename, conversion, backfill, confirmation."""

    rename_from: str | None = None
    convert_from: str | None = None
    convert_sql: str | None = None
    enum_migration: str | None = None
    backfill: str | None = None
    confirm_destructive: bool = False
    location: str = ""
    required: bool = False  # the field's type is not optional (a document key must exist)
    convert_back_sql: str | None = None


@fast_init
@dataclass(frozen=True, slots=True)
class TableHint:
    """How a table asks to change, and the model it comes from."""

    model: str = ""
    rename_from: str | None = None
    confirm_destructive: bool = False
    location: str = ""


@dataclass(frozen=True)
class Hints:
    """Every hint of the models, by table and column."""

    tables: dict[str, TableHint] = field(default_factory=dict)
    # (table, column) -> the hint of a field with options
    columns: dict[tuple[str, str], ColumnHint] = field(default_factory=dict)
    # enum type -> (old value, new value) renames declared on its variants
    enum_renames: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    # table -> column -> where, of a field without options (most of them): its
    # whole hint with ``optional``, made into a ColumnHint only when asked for
    # (no pair per field: 200,000 of them at 10,000 models were 11 MB)
    places: dict[str, dict[str, Location]] = field(default_factory=dict)
    # table -> the names of those fields that are not required (a list per
    # table, not a (table, column) pair per field: 3.6 MB at 10,000 models)
    optional: dict[str, list[str]] = field(default_factory=dict)

    def column(self, table: str, column: str) -> ColumnHint:
        hint = self.columns.get((table, column))
        if hint is not None:
            return hint
        place = self.places.get(table, {}).get(column)
        if place is not None:
            return ColumnHint(
                location=str(place), required=column not in self.optional.get(table, ())
            )
        return _NO_COLUMN_HINT

    def table(self, table: str) -> TableHint:
        return self.tables.get(table, TableHint())


_NO_COLUMN_HINT = ColumnHint()


def field_options(location: str, *options: tuple[str, str]) -> str:
    """Field options as the model at ``location`` writes them, for fix hints:
    Rust ``#[migration(a = "x", b = "y")]``, Python ``migration(a="x", b="y")``,
    Elm ``-- @a "x" @b "y"``."""
    path = location.split(":", 1)[0]

    def quoted(value: str) -> str:
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'

    if path.endswith(".elm"):
        return "-- " + " ".join(f"@{camel_case(k)} {quoted(v)}" for k, v in options)
    if path.endswith(".py"):
        return "migration(" + ", ".join(f"{k}={quoted(v)}" for k, v in options) + ")"
    return "#[migration(" + ", ".join(f"{k} = {quoted(v)}" for k, v in options) + ")]"


def field_flag(location: str, name: str) -> str:
    """A flag field option as the model at ``location`` writes it: Rust
    ``#[migration(deprecated)]``, Python ``migration("deprecated")``, Elm
    ``-- @deprecated``."""
    path = location.split(":", 1)[0]
    if path.endswith(".elm"):
        return f"-- @{camel_case(name)}"
    if path.endswith(".py"):
        return f'migration("{name}")'
    return f"#[migration({name})]"


def table_option(location: str, key: str, value: str) -> str:
    """A table option as the model at ``location`` writes it, for fix hints:
    Rust ``#[table(name = "x")]``, Python ``@domain(table="x")``, Elm
    ``@table name="x"``."""
    path = location.split(":", 1)[0]
    shown = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if path.endswith(".elm"):
        return f"@table {camel_case(key)}={shown}"
    if path.endswith(".py"):
        return f"@domain({'table' if key == 'name' else key}={shown})"
    return f"#[table({key} = {shown})]"
