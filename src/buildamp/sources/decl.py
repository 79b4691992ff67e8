"""Language-neutral model declarations.

Readers (Rust via tree-sitter, Python via import) produce these faithfully and
check only syntax; :mod:`buildamp.sources.build` validates options and maps types,
so both languages share one set of rules and one set of error messages.
"""

from __future__ import annotations

from dataclasses import dataclass

from buildamp.model.errors import Location
from buildamp.model.records import fast_init

OptionScalar = str | bool | int | float
OptionValue = OptionScalar | tuple[OptionScalar, ...]


@fast_init
@dataclass(frozen=True, slots=True)
class TypeRef:
    """A type as written: ``chrono::DateTime<chrono::Utc>`` is
    ``TypeRef("DateTime", (TypeRef("Utc", path="chrono::Utc"),), path="chrono::DateTime")``.
    ``&str`` is ``TypeRef("str")``; a slice/array ``[u8]`` is ``TypeRef("[]", (u8,))``."""

    name: str
    args: tuple[TypeRef, ...] = ()
    path: str = ""

    def __str__(self) -> str:
        base = self.path or self.name
        if self.name == "[]" and self.args:
            return f"[{self.args[0]}]"
        if self.args:
            return f"{base}<{', '.join(str(a) for a in self.args)}>"
        return base


@fast_init
@dataclass(frozen=True, slots=True)
class OptionDecl:
    """One ``key = value`` (or bare ``key``, value ``True``) inside an attribute."""

    key: str
    value: OptionValue
    location: Location
    attribute: str  # "migration" or "table"


@fast_init
@dataclass(frozen=True, slots=True)
class FieldDecl:
    name: str
    type: TypeRef
    options: tuple[OptionDecl, ...]
    location: Location
    # a Python field default as SQL (``= "web"`` -> ``'web'``): the column default
    # unless the type has its own (Timestamp) or a ``default`` option says otherwise
    default: str | None = None
    doc: str | None = (
        None  # its doc comment (``///``, an attribute docstring): the column's comment
    )


@fast_init
@dataclass(frozen=True, slots=True)
class StructDecl:
    name: str
    fields: tuple[FieldDecl, ...]
    options: tuple[OptionDecl, ...]  # struct-level #[table(...)] and #[migration(...)]
    is_domain: bool  # derive(BuildAmpDomain), #[buildamp_domain], or pub in *_domain.rs
    location: Location
    # The mark that makes it a table as the user wrote it (``@domain``,
    # ``#[buildamp_domain]``, ...); empty when only the file convention applies.
    # A marked struct without a key is an error, not a value type.
    marker: str = ""
    doc: str | None = None  # its doc comment (``///``, a docstring): the table's comment


@fast_init
@dataclass(frozen=True, slots=True)
class EnumDecl:
    name: str
    variants: tuple[str, ...]
    unit_only: bool
    location: Location
    # (old, new) from ``#[migration(rename_from = "Old")]`` on a variant
    renames: tuple[tuple[str, str], ...] = ()
    # enum-level options: ``#[migration(enum_name = "...")]``, Python
    # ``@domain(enum_name=...)``, Elm ``@enumName`` in the union's doc comment
    options: tuple[OptionDecl, ...] = ()


@fast_init
@dataclass(frozen=True, slots=True)
class AliasDecl:
    name: str
    target: TypeRef
    location: Location


@fast_init
@dataclass(frozen=True, slots=True)
class SourceFile:
    path: str
    structs: tuple[StructDecl, ...] = ()
    enums: tuple[EnumDecl, ...] = ()
    aliases: tuple[AliasDecl, ...] = ()
