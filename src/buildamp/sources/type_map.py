"""Model types -> PostgreSQL column types (the table in docs/type-mapping.md).

Works on :class:`TypeRef` so Rust and Python models share it; the Python reader
spells its hints with the Rust names (``str`` -> ``String``, ``int`` -> ``i64``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, replace

from buildamp.model.errors import Location, ModelError
from buildamp.model.hints import field_options
from buildamp.model.naming import snake_case
from buildamp.model.records import fast_init
from buildamp.model.schema import Column
from buildamp.pg.sqltext import NUMERIC_TYPES
from buildamp.sources.decl import AliasDecl, EnumDecl, StructDecl, TypeRef

SCALARS: dict[str, str] = {
    "String": "TEXT",
    "str": "TEXT",
    "char": "TEXT",
    "i8": "SMALLINT",
    "u8": "SMALLINT",
    "i16": "SMALLINT",
    "u16": "INTEGER",
    "i32": "INTEGER",
    "u32": "BIGINT",
    "i64": "BIGINT",
    "isize": "BIGINT",
    "usize": "NUMERIC(20,0)",
    "u64": "NUMERIC(20,0)",
    "i128": "NUMERIC(39,0)",
    "u128": "NUMERIC(39,0)",
    "f32": "REAL",
    "f64": "DOUBLE PRECISION",
    "bool": "BOOLEAN",
    "Uuid": "UUID",
    "Decimal": "NUMERIC",
    "NaiveDateTime": "TIMESTAMP",
    "NaiveDate": "DATE",
    "NaiveTime": "TIME",
    "Date": "DATE",
    "OffsetDateTime": "TIMESTAMPTZ",
    "PrimitiveDateTime": "TIMESTAMP",
    "IpAddr": "INET",
    "Duration": "INTERVAL",
    "RichContent": "JSONB",
    "Value": "JSONB",
}

JSON_CONTAINERS = frozenset(
    {"Vec", "VecDeque", "HashMap", "BTreeMap", "HashSet", "BTreeSet", "IndexMap", "()", "[]"}
)
WRAPPERS = frozenset({"Box", "Rc", "Arc", "Link", "Cow"})
INTEGER_TYPES = frozenset({"SMALLINT", "INTEGER", "BIGINT"})

NOW_EPOCH = "(extract(epoch from now()))::bigint"
UUID_TEXT = "gen_random_uuid()::text"


@fast_init
@dataclass(frozen=True, slots=True)
class Mapped:
    """What a field type means for its column."""

    sql_type: str
    nullable: bool = False
    default: str | None = None
    identity: bool = False
    primary_key: bool = False
    enum: str | None = None  # name of the model enum behind an enum column
    force_not_null: bool = False
    tenant_column: bool = False  # Host / MultiTenant: the table's `host`, whatever its name
    soft_delete: bool = False  # SoftDelete: unique constraints become partial indexes


# BuildAmp's Interface.Schema vocabulary: one meaning in Rust, Python and Elm.
FRAMEWORK_SCALARS: dict[str, Mapped] = {
    "Host": Mapped("TEXT", tenant_column=True),
    "MultiTenant": Mapped("TEXT", tenant_column=True),
    "CreateTimestamp": Mapped("TIMESTAMPTZ", default="now()"),
    "UpdateTimestamp": Mapped("TIMESTAMPTZ", nullable=True),
    "SoftDelete": Mapped("BIGINT", nullable=True, soft_delete=True),
}


def _database_id(base: Mapped) -> Mapped:
    """A ``DatabaseId<String>`` is filled by the database, as BuildAmp's own
    generator always did: inserting a row without an id must work."""
    if base.sql_type == "TEXT" and base.default is None:
        base = replace(base, default=UUID_TEXT)
    return replace(base, primary_key=True)


@dataclass(frozen=True)
class TypeContext:
    """Every named type of the project. Fill it before the first :func:`map_type`:
    results are memoised per context (a project repeats a few types many times)."""

    aliases: dict[str, AliasDecl]
    enums: dict[str, EnumDecl]  # by model name, or "Name@file" when the name is defined twice
    structs: dict[str, StructDecl]
    # PostgreSQL type of each enum above (``enum_name`` option, else snake_case name)
    enum_types: dict[str, str] = dataclasses.field(default_factory=dict)
    # model names defined by more than one different enum: a field resolves its own
    enum_homes: dict[str, tuple[EnumDecl, ...]] = dataclasses.field(default_factory=dict)
    memo: dict[TypeRef, Mapped] = dataclasses.field(default_factory=dict, compare=False, repr=False)
    # (column name, id of a Mapped) -> that Mapped and the column a field without
    # options builds from it: projects repeat a few field names and types, and
    # equal columns are one shared object (each Mapped kept, so no id is reused)
    plain_columns: dict[tuple[str, int], tuple[Mapped, Column]] = dataclasses.field(
        default_factory=dict, compare=False, repr=False
    )


def map_type(ref: TypeRef, ctx: TypeContext, field: str, location: Location) -> Mapped:
    """What ``ref`` stores as; ``field`` and ``location`` only name it in errors."""
    mapped = ctx.memo.get(ref)
    if mapped is None:
        mapped = _map(ref, ctx, field, location, depth=0)
        ctx.memo[ref] = mapped
    return mapped


def _map(ref: TypeRef, ctx: TypeContext, field: str, location: Location, depth: int) -> Mapped:
    if depth > 32:
        raise ModelError(f"type alias cycle in field {field!r} at {ref}", location)
    name, args = ref.name, ref.args

    def inner(index: int = 0) -> Mapped:
        if len(args) <= index:
            raise ModelError(f"{name} needs a type argument in field {field!r}", location)
        return _map(args[index], ctx, field, location, depth + 1)

    if name in ctx.aliases and not args:
        return _map(ctx.aliases[name].target, ctx, field, location, depth + 1)
    if name == "Option":
        return replace(inner(), nullable=True)
    if name in WRAPPERS:
        return inner()
    if name == "ForeignKey":
        # ForeignKey<Model, T>: a T column; the reference itself is resolved
        # across models by buildamp.sources.references.
        return inner(1)
    if name == "DatabaseId":
        return _database_id(inner())
    if not args and name in FRAMEWORK_SCALARS:
        return FRAMEWORK_SCALARS[name]
    if name in ("Generated", "AutoIncrement"):
        base = inner()
        if base.sql_type in INTEGER_TYPES:
            return replace(base, identity=True)
        if base.sql_type == "TEXT":
            return replace(base, default=UUID_TEXT)
        if base.sql_type == "UUID":
            return replace(base, default="gen_random_uuid()")
        if base.sql_type == "NUMERIC(20,0)":
            return Mapped("BIGINT", identity=True)
        raise ModelError(f"Generated<{args[0]}> is not supported in field {field!r}", location)
    if name == "Timestamp":
        return Mapped("BIGINT", default=NOW_EPOCH)
    if name in ("DefaultValue", "DefaultComment", "DefaultEmpty"):
        base = inner() if args else Mapped("TEXT")
        return replace(
            base, default=_empty_default(base, args[0] if args else None, field, location)
        )
    if name == "JsonBlob":
        return Mapped("JSONB", force_not_null=True)
    if name == "DateTime":
        tz = args[0].name if args else "Utc"
        return Mapped("TIMESTAMP" if tz == "NaiveDateTime" else "TIMESTAMPTZ")
    if name == "Vec" and args and args[0].name == "u8" and not args[0].args:
        return Mapped("BYTEA")
    if name == "[]" and args and args[0].name == "u8":
        return Mapped("BYTEA")
    if name in JSON_CONTAINERS:
        return Mapped("JSONB")
    if name in SCALARS and not args:
        return Mapped(SCALARS[name])
    if name in ctx.enums:
        enum = ctx.enums[name]
        if enum.unit_only:
            return Mapped(ctx.enum_types.get(name) or snake_case(enum.name), enum=name)
        return Mapped("JSONB")
    if name in ctx.structs:
        return Mapped("JSONB")
    raise ModelError(
        f"unknown type {ref} in field {field!r}",
        location,
        "use a supported type, define it under the model folders, "
        f"or set {field_options(str(location), ('sql_type', '...'))}",
    )


JSON_LISTS = frozenset({"Vec", "VecDeque", "HashSet", "BTreeSet", "[]"})


def _empty_default(base: Mapped, arg: TypeRef | None, field: str, location: Location) -> str:
    """``DefaultValue<T>``: the empty value of T's column type, never ``''`` for a
    number (PostgreSQL refuses ``INTEGER DEFAULT ''`` at apply time)."""

    kind = base.sql_type.split("(")[0]
    if kind in ("TEXT", "VARCHAR", "CHAR"):
        return "''"
    if kind in NUMERIC_TYPES:
        return "0"
    if kind == "BOOLEAN":
        return "false"
    if kind == "JSONB":
        return "'[]'::jsonb" if arg is not None and arg.name in JSON_LISTS else "'{}'::jsonb"
    raise ModelError(
        f"DefaultValue<{arg}> in field {field!r}: {base.sql_type} has no empty value",
        location,
        f"use the plain type with {field_options(str(location), ('default', '...'))}",
    )
