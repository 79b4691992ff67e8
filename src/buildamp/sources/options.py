"""The option vocabulary shared by Rust attributes and Python ``migration(...)``.

One table of allowed keys and value kinds, so both languages accept exactly
the same options and fail with the same messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from buildamp.model.errors import Location, ModelError
from buildamp.model.naming import camel_case
from buildamp.model.schema import ON_DELETE_CHOICES
from buildamp.sources.decl import OptionDecl, OptionValue

Kind = Literal["str", "bool", "list", "str|bool", "int"]

FIELD_OPTIONS: dict[str, Kind] = {
    "default": "str",
    "not_null": "bool",
    "rename_from": "str",
    "index": "bool",
    "unique": "str|bool",
    "ignore": "bool",
    "deprecated": "bool",
    "convert_from": "str",
    "convert_sql": "str",
    "convert_back_sql": "str",
    "enum_migration": "str",
    "composite_index": "list",
    "sql_type": "str",
    "confirm_destructive": "bool",
    "backfill": "str",
    "references": "str",
    "on_delete": "str",
    "identity": "str",
}

TABLE_OPTIONS: dict[str, Kind] = {
    "name": "str",
    "indexes": "list",
    "storage": "str",
    "tenant": "bool",
    "primary_key": "list",
    "rename_from": "str",
    "tenant_isolation": "str",
    "timestamps": "bool",
    "constraints": "list",
}

STRUCT_MIGRATION_OPTIONS: dict[str, Kind] = {
    "custom_sql": "str",
    "validate": "str",
    "confirm_destructive": "bool",
}

# On a unit-only enum (Rust ``#[migration(...)]``, Python ``@domain(...)``, Elm
# tags in the union's doc comment).
ENUM_OPTIONS: dict[str, Kind] = {
    "enum_name": "str",
}

CHOICES: dict[str, tuple[str, ...]] = {
    "storage": ("columns", "jsonb"),
    "enum_migration": ("add_values", "recreate"),
    "unique": ("global",),
    "tenant_isolation": ("none", "rls"),
    "on_delete": ON_DELETE_CHOICES,
    "identity": ("always", "by default"),
}

_KIND_TEXT = {
    "str": 'a string ("...")',
    "bool": "true or false",
    "list": 'a list of strings (["a", "b"])',
    "str|bool": 'true, false or "global"',
    "int": "an integer",
}


@dataclass(frozen=True)
class Options:
    """Validated options of one field or struct, by key."""

    values: dict[str, OptionValue]
    locations: dict[str, Location]

    def get_str(self, key: str) -> str | None:
        value = self.values.get(key)
        return value if isinstance(value, str) else None

    def get_bool(self, key: str, default: bool = False) -> bool:
        value = self.values.get(key)
        return value if isinstance(value, bool) else default

    def get_list(self, key: str) -> tuple[str, ...]:
        value = self.values.get(key)
        return tuple(str(v) for v in value) if isinstance(value, tuple) else ()

    def where(self, key: str, fallback: Location) -> Location:
        return self.locations.get(key, fallback)


def _kind_ok(kind: Kind, value: OptionValue) -> bool:
    if kind == "str":
        return isinstance(value, str)
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "list":
        return isinstance(value, tuple) and all(isinstance(v, str) for v in value)
    if kind == "str|bool":
        return isinstance(value, str | bool)
    return isinstance(value, int) and not isinstance(value, bool)


def _python(option: OptionDecl) -> bool:
    return option.location.file.endswith(".py")


def _spelling(option: OptionDecl, allowed: dict[str, dict[str, Kind]]) -> str:
    """How the user wrote the attribute: Rust ``#[table(...)]``, Python ``@domain(...)``
    or an Elm tag."""
    if option.location.file.endswith(".elm"):
        return "@table" if "table" in allowed else "a tag comment"
    if not _python(option):
        return f"#[{option.attribute}(...)]"
    struct_level = "table" in allowed
    return "@domain(...)" if struct_level else "migration(...)"


def _shown(option: OptionDecl) -> str:
    """The option as the user spelled it: Elm tags are the camelCase names."""
    return camel_case(option.key) if option.location.file.endswith(".elm") else option.key


def _allowed_names(option: OptionDecl, allowed: dict[str, dict[str, Kind]]) -> list[str]:
    if _python(option) and "table" in allowed:
        # @domain takes the table options and the struct-level migration options
        keys = {k for table in allowed.values() for k in table}
        return sorted({"table" if k == "name" else k for k in keys})
    return sorted(allowed.get(option.attribute, {}))


def validate_options(
    options: tuple[OptionDecl, ...],
    allowed: dict[str, dict[str, Kind]],
    context: str,
) -> Options:
    """Check keys and value kinds. ``allowed`` maps attribute name -> key -> kind."""
    values: dict[str, OptionValue] = {}
    locations: dict[str, Location] = {}
    for option in options:
        table = allowed.get(option.attribute, {})
        kind = table.get(option.key)
        if kind is None:
            raise ModelError(
                f"unknown option {option.key!r} in {_spelling(option, allowed)} on {context}",
                option.location,
                f"allowed: {', '.join(_allowed_names(option, allowed))}",
            )
        value = option.value
        if isinstance(value, list):
            value = tuple(value)
        if not _kind_ok(kind, value):
            raise ModelError(
                f"option {_shown(option)!r} on {context} must be {_KIND_TEXT[kind]}, got {value!r}",
                option.location,
            )
        choices = CHOICES.get(option.key)
        if choices and isinstance(value, str) and value not in choices:
            raise ModelError(
                f"option {_shown(option)!r} on {context} must be one of {', '.join(choices)}"
                f", got {value!r}",
                option.location,
            )
        if option.key in values and values[option.key] != value:
            raise ModelError(
                f"option {_shown(option)!r} given twice with different values on {context}",
                option.location,
            )
        values[option.key] = value
        locations[option.key] = option.location
    return Options(values, locations)
