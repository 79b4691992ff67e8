"""The project's type context: every file's aliases, structs and enums, each
enum's PostgreSQL type name (``enum_name`` or its snake_case name), one model
name declared by several files resolved per field, and the enums the tables
use collected and checked (two different enums never share a SQL name)."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from buildamp.model.errors import ModelError
from buildamp.model.hints import Hints
from buildamp.model.naming import snake_case
from buildamp.model.schema import Enum
from buildamp.sources.decl import EnumDecl, FieldDecl, SourceFile, StructDecl, TypeRef
from buildamp.sources.options import ENUM_OPTIONS, validate_options
from buildamp.sources.type_map import TypeContext
from buildamp.sources.validation import check_enum, check_identifier


def add_enum(enums: dict[str, Enum], hints: Hints, ctx: TypeContext, key: str) -> None:
    """The enum ``key`` of ``ctx`` (a table uses it) into the schema's ``enums``,
    checked, its variant renames into ``hints``; the model index's fast path
    (cli/incremental.py) collects the enums of unchanged tables with it too."""
    decl = ctx.enums[key]
    enum = Enum(ctx.enum_types[key], decl.variants, str(decl.location))
    check_enum(enum.name, enum.values, decl.location)
    known = enums.get(enum.name)
    if known is not None and known.values != enum.values:
        raise ModelError(
            f"two different enums map to PostgreSQL type {enum.name!r}: "
            f"{known.source} and {decl.location}",
            decl.location,
            f"give one of them another type name with {_enum_name_spelling(decl)}, "
            "or set sql_type on the fields that use it",
        )
    enums[enum.name] = enum
    if decl.renames:
        hints.enum_renames[enum.name] = decl.renames


class _EnumTypes(dict[str, str]):
    """:attr:`TypeContext.enum_types` computed on first use: a partial build's
    context holds every file's enums (10,000 at 10,000 models), its tables use
    a few."""

    def __init__(self, enums: dict[str, EnumDecl]) -> None:
        super().__init__()
        self.enums = enums

    def __missing__(self, key: str) -> str:
        value = self[key] = _enum_type(self.enums[key])
        return value

    def get(self, key: str, default: str | None = None) -> str | None:  # type: ignore[override]
        return self[key] if key in self or key in self.enums else default


def project_context(
    files: list[SourceFile], checked: list[SourceFile] | None = None
) -> TypeContext:
    """The type context of ``files``; ``checked``: only the enums of these files
    (and those declared twice) have their type name checked now, the others'
    are taken on use (files the index saw build: :func:`build_some`)."""
    enums: dict[str, EnumDecl] = {}
    ctx = TypeContext({}, enums, {}, {} if checked is None else _EnumTypes(enums))
    now = None if checked is None else {id(e) for source in checked for e in source.enums}
    by_name: dict[str, list[EnumDecl]] = {}
    for source in files:
        for alias in source.aliases:
            known = ctx.aliases.get(alias.name)
            if known is not None and known.target != alias.target:
                raise ModelError(
                    f"type alias {alias.name} defined twice differently (also at {known.location})",
                    alias.location,
                )
            ctx.aliases[alias.name] = alias
        for enum in source.enums:
            same_name = by_name.setdefault(enum.name, [])
            if not any(_same_enum(known_enum, enum) for known_enum in same_name):
                same_name.append(enum)
        for struct in source.structs:
            ctx.structs[struct.name] = struct
    for name, decls in by_name.items():
        if len(decls) == 1:
            ctx.enums[name] = decls[0]
            if now is None or id(decls[0]) in now:
                ctx.enum_types[name] = _enum_type(decls[0])
            continue
        # One model name, different enums (two files, or Python and Rust): each
        # field resolves its own (see _resolve_enums); one SQL name stays an error.
        ctx.enum_homes[name] = tuple(decls)
        for decl in decls:
            key = f"{name}@{decl.location.file}"
            if key in ctx.enums:
                raise ModelError(
                    f"enum {name} is defined twice in {decl.location.file} "
                    f"(also at {ctx.enums[key].location})",
                    decl.location,
                    "rename one of them",
                )
            ctx.enums[key] = decl
            ctx.enum_types[key] = _enum_type(decl)
    return ctx


def _same_enum(a: EnumDecl, b: EnumDecl) -> bool:
    """The same enum declared twice (say a Python and a Rust copy): one type."""
    return (a.variants, a.unit_only, a.renames, _enum_type(a)) == (
        b.variants,
        b.unit_only,
        b.renames,
        _enum_type(b),
    )


_ENUM_TYPE_NAME = re.compile(r"[a-z_][a-z0-9_]*")


def _enum_type(decl: EnumDecl) -> str:
    """The PostgreSQL type: ``enum_name`` when given, else the snake_case name."""
    if not decl.options:
        return snake_case(decl.name)
    python = decl.location.file.endswith(".py")
    allowed = {"table": {}, "migration": ENUM_OPTIONS} if python else {"migration": ENUM_OPTIONS}
    options = validate_options(decl.options, allowed, f"enum {decl.name}")
    name = options.get_str("enum_name")
    if name is None:
        return snake_case(decl.name)
    where = options.where("enum_name", decl.location)
    check_identifier(name, "enum type name", where)
    if not _ENUM_TYPE_NAME.fullmatch(name):
        raise ModelError(
            f"enum_name {name!r} on enum {decl.name} is not a lowercase SQL name",
            where,
            "use lowercase letters, digits and underscores (e.g. order_status)",
        )
    return name


def _enum_name_spelling(decl: EnumDecl) -> str:
    """How the user gives this enum another SQL type name, in its own language."""
    if decl.location.file.endswith(".py"):
        return f'@domain(enum_name="...") on class {decl.name} ({decl.location})'
    if decl.location.file.endswith(".elm"):
        return f"`@enumName ...` in the doc comment of type {decl.name} ({decl.location})"
    return f'#[migration(enum_name = "...")] on enum {decl.name} ({decl.location})'


def resolve_enums(field: FieldDecl, struct: StructDecl, ctx: TypeContext) -> FieldDecl:
    """A field naming an enum defined more than once uses the one of its own file,
    else the only one of its language; anything else is ambiguous."""
    if not ctx.enum_homes:
        return field
    ref = _resolve_ref(field.type, field, struct, ctx)
    return field if ref is field.type else replace(field, type=ref)


def _resolve_ref(ref: TypeRef, field: FieldDecl, struct: StructDecl, ctx: TypeContext) -> TypeRef:
    args = tuple(_resolve_ref(a, field, struct, ctx) for a in ref.args)
    name = ref.name
    homes = ctx.enum_homes.get(name)
    if homes is not None and not ref.args:
        here = struct.location.file
        chosen = [d for d in homes if d.location.file == here] or [
            d for d in homes if Path(d.location.file).suffix == Path(here).suffix
        ]
        if len(chosen) != 1:
            places = " and ".join(str(d.location) for d in homes)
            raise ModelError(
                f"type {name} of field {struct.name}.{field.name} is ambiguous: "
                f"different enums named {name} are defined at {places}",
                field.location,
                "rename one of the enums (enum names are global to the models)",
            )
        name = f"{name}@{chosen[0].location.file}"
    if name == ref.name and args == ref.args:
        return ref
    return TypeRef(name, args, ref.path)
