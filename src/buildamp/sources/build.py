"""Declarations (from any language) -> the schema model plus change hints.

All option validation and naming rules live here, once, so a Rust model and a
Python model with the same meaning give byte-identical migrations.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from buildamp.cache.store import gc_paused
from buildamp.model.errors import Location, ModelError
from buildamp.model.hints import ColumnHint, Hints, TableHint, table_option
from buildamp.model.naming import snake_case, table_name_for
from buildamp.model.schema import (
    Column,
    Constraint,
    DocumentField,
    Enum,
    Identity,
    Schema,
    Storage,
    Table,
    clean_comment,
)
from buildamp.pg import sqltext
from buildamp.sources.decl import FieldDecl, SourceFile, StructDecl
from buildamp.sources.distribution import distribute_tables, refuse_global_unique
from buildamp.sources.indexes import (
    FieldPlan,
    dedupe_indexes,
    field_indexes,
    soft_delete_uniques,
    table_indexes,
)
from buildamp.sources.options import (
    FIELD_OPTIONS,
    STRUCT_MIGRATION_OPTIONS,
    TABLE_OPTIONS,
    Options,
    validate_options,
)
from buildamp.sources.references import is_join_table, join_key
from buildamp.sources.references import resolve as resolve_references
from buildamp.sources.type_context import add_enum, project_context, resolve_enums
from buildamp.sources.type_map import Mapped, TypeContext, map_type
from buildamp.sources.validation import (
    check_custom_sql,
    check_default,
    check_enum_names,
    check_identifier,
    check_table,
    check_validate_query,
    embedded_expression,
)

TIMESTAMP_COLUMNS = ("created_at", "updated_at")


@dataclass(frozen=True)
class BuildSettings:
    project_dir: Path
    default_storage: Storage = "columns"
    tenant_isolation: str = "none"
    table_names: str = "plural"  # "singular": BuildAmp's own `microblog_item`
    distribution: str = "none"


@dataclass(frozen=True)
class Models:
    schema: Schema
    hints: Hints
    # Domain structs that are no table (no id, no primary key, not a join
    # table): stored as JSONB where used; ``--verbose`` lists them.
    value_types: tuple[str, ...] = ()
    # Per source file, in order: (table name, enums its columns use) of each of
    # its tables; what the model index (cli/incremental.py) records.
    layout: tuple[tuple[tuple[str, tuple[str, ...]], ...], ...] = ()


@dataclass(frozen=True)
class Partial:
    """Tables of some model files, built against the whole project's type context."""

    tables: dict[str, Table]  # in build order
    hints: Hints
    structs: list[tuple[StructDecl, str]]  # each table's struct
    layout: tuple[tuple[tuple[str, tuple[str, ...]], ...], ...]  # as in Models.layout
    context: TypeContext  # the whole project's types, as the full build saw them


def build_models(
    files: list[SourceFile], settings: BuildSettings, reuse: Mapping[str, Table] | None = None
) -> Models:
    """Every table of ``files`` (checked across files: names, enums, references).
    ``reuse``: tables alive already (the schema state's), by name: a built table
    equal to one of them is that one, held once (at 10,000 unchanged tables the
    models' own copies were about 15 MB beside the state's)."""
    with gc_paused():
        return _build_models(files, settings, reuse or {})


def _held_once(table: Table, reuse: Mapping[str, Table]) -> Table:
    """The table of ``reuse`` equal to ``table`` (frozen, every field compared:
    interchangeable), else ``table``."""
    known = reuse.get(table.name)
    return known if known is not None and known == table else table


def _build_models(
    files: list[SourceFile], settings: BuildSettings, reuse: Mapping[str, Table]
) -> Models:
    ctx = project_context(files)
    tables: dict[str, Table] = {}
    hints = Hints()
    enums: dict[str, Enum] = {}
    built: list[tuple[StructDecl, str]] = []
    value_types: list[str] = []
    layout: list[tuple[tuple[str, tuple[str, ...]], ...]] = []
    for source in files:
        here: list[tuple[str, tuple[str, ...]]] = []
        layout.append(())
        for struct in source.structs:
            if not _is_table(struct):
                if struct.marker:
                    _refuse_keyless_table(struct)
                if struct.is_domain:
                    value_types.append(f"{struct.name} ({struct.location})")
                continue
            table, used_enums = _build_table(struct, ctx, settings, hints)
            here.append((table.name, tuple(used_enums)))
            layout[-1] = tuple(here)
            if table.name in tables:
                raise ModelError(
                    f"two models map to table {table.name!r}: {tables[table.name].source} "
                    f"and {struct.location}",
                    struct.location,
                    f"give one of them {table_option(str(struct.location), 'name', '...')}",
                )
            check_table(table, struct.location)
            tables[table.name] = _held_once(table, reuse)
            built.append((struct, table.name))
            for enum_key in used_enums:
                add_enum(enums, hints, ctx, enum_key)
    check_enum_names(enums, tables)
    tables = resolve_references(tables, built)
    if settings.distribution == "citus":
        tables = distribute_tables(tables)
    schema = Schema(
        # a table the references or the distribution changed: shared again
        tables=tuple(_held_once(tables[name], reuse) for name in sorted(tables)),
        enums=tuple(enums[name] for name in sorted(enums)),
    )
    return Models(schema, hints, tuple(value_types), tuple(layout))


def build_some(
    changed: list[SourceFile],
    context: list[SourceFile],
    struct_names: set[str],
    settings: BuildSettings,
) -> Partial:
    """The tables of the ``changed`` files alone, as :func:`build_models` builds
    them: ``context`` gives the aliases and enums of every file (in order),
    ``struct_names`` every struct's name. Checks across files (references, enum
    usage, duplicate names) are the caller's."""
    with gc_paused():
        ctx = project_context(context, changed)
        for name in struct_names:
            ctx.structs.setdefault(name, _NAME_ONLY)
        tables: dict[str, Table] = {}
        hints = Hints()
        structs: list[tuple[StructDecl, str]] = []
        layout: list[tuple[tuple[str, tuple[str, ...]], ...]] = []
        for source in changed:
            here: list[tuple[str, tuple[str, ...]]] = []
            for struct in source.structs:
                if not _is_table(struct):
                    continue
                table, used = _build_table(struct, ctx, settings, hints)
                if table.name in tables:
                    raise ModelError(f"two models map to table {table.name!r}", struct.location)
                check_table(table, struct.location)
                tables[table.name] = table
                structs.append((struct, table.name))
                here.append((table.name, tuple(used)))
            layout.append(tuple(here))
        return Partial(tables, hints, structs, tuple(layout), ctx)


# Type mapping asks only whether a name is a struct of the project.
_NAME_ONLY = StructDecl("", (), (), False, Location(""))


def value_types_of(source: SourceFile) -> tuple[str, ...]:
    """The domain structs of ``source`` that are no table, as ``--verbose`` lists them."""
    return tuple(
        f"{s.name} ({s.location})" for s in source.structs if s.is_domain and not _is_table(s)
    )


def _refuse_keyless_table(struct: StructDecl) -> None:
    """A struct marked as a table (``@domain``, ``#[buildamp_domain]``) without
    a key would silently become a value type: say so instead."""
    python = struct.location.file.endswith(".py")
    key = "@domain(primary_key=[...])" if python else "#[table(primary_key = [...])]"
    if struct.location.file.endswith(".elm"):
        key = "@table primaryKey=[...]"
    raise ModelError(
        f"{struct.name} is marked {struct.marker} but has no `id` field, no primary key "
        "and is not a join table (two references)",
        struct.location,
        f"add an `id` field (or {key}), or remove {struct.marker} to keep it a value type",
    )


def _is_table(struct: StructDecl) -> bool:
    if not struct.is_domain:
        return False
    if any(f.name == "id" for f in struct.fields):
        return True
    if any(o.key == "primary_key" and o.attribute == "table" for o in struct.options):
        return True
    return is_join_table(struct)


def _struct_options(struct: StructDecl) -> Options:
    return validate_options(
        struct.options,
        {"table": TABLE_OPTIONS, "migration": STRUCT_MIGRATION_OPTIONS},
        f"struct {struct.name}",
    )


# Most fields have no options: they share one empty (never modified) Options.
_NO_OPTIONS = Options({}, {})


def _field_options(struct: StructDecl, field: FieldDecl) -> Options:
    if not field.options:
        return _NO_OPTIONS
    allowed = {"migration": FIELD_OPTIONS}
    return validate_options(field.options, allowed, f"field {struct.name}.{field.name}")


def _build_table(
    struct: StructDecl, ctx: TypeContext, settings: BuildSettings, hints: Hints
) -> tuple[Table, list[str]]:
    options = _struct_options(struct)
    name = options.get_str("name")
    if name is None:
        name = _default_table_name(struct.name, settings)
    storage: Storage = "jsonb" if options.get_str("storage") == "jsonb" else "columns"
    if "storage" not in options.values:
        storage = settings.default_storage
    tenant = options.get_bool("tenant", True)
    isolation = options.get_str("tenant_isolation") or settings.tenant_isolation
    check_identifier(name, "table name", options.where("name", struct.location))
    plans = _plan_fields(struct, ctx, name, hints)
    primary_key = options.get_list("primary_key") or (
        join_key(struct) if is_join_table(struct) else ("id",)
    )
    field_names = {p.decl.name for p in plans}
    for key in primary_key:
        if key not in field_names:
            raise ModelError(
                f"primary key column {key!r} is not a field of {struct.name}",
                options.where("primary_key", struct.location),
            )
    timestamps = options.get_bool("timestamps", True)
    if storage == "jsonb":
        if not timestamps:
            raise ModelError(
                'timestamps = false does not apply to storage = "jsonb" tables',
                options.where("timestamps", struct.location),
                "jsonb tables always have created_at and updated_at",
            )
        columns, document = _jsonb_columns(plans, tenant, primary_key, struct)
    else:
        columns, document = _typed_columns(plans, tenant, primary_key, timestamps), []
    column_names = {c.name for c in columns}
    types = {p.column.name: p.column.type for p in plans}
    indexes, constraints = field_indexes(plans, name, tenant, storage, column_names, types, struct)
    indexes, constraints = soft_delete_uniques(plans, storage, indexes, constraints)
    indexes += table_indexes(options, name, tenant, storage, column_names, types, struct)
    indexes = dedupe_indexes(indexes, struct.location)
    constraints += _table_constraints(options, column_names, struct)
    custom_sql = options.get_str("custom_sql")
    if custom_sql is not None:
        check_custom_sql(
            custom_sql, settings.project_dir, options.where("custom_sql", struct.location)
        )
    validate = options.get_str("validate")
    if validate is not None:
        validate = check_validate_query(validate, options.where("validate", struct.location))
    updated = next((c for c in columns if c.name == "updated_at"), None)
    if settings.distribution == "citus" and tenant:
        refuse_global_unique(plans, struct)
    hints.tables[name] = TableHint(
        model=struct.name,
        rename_from=options.get_str("rename_from"),
        confirm_destructive=options.get_bool("confirm_destructive"),
        location=str(struct.location),
    )
    table = Table(
        name=name,
        columns=tuple(columns),
        primary_key=tuple(primary_key),
        indexes=tuple(sorted(indexes, key=lambda i: i.name)),
        constraints=tuple(sorted(constraints, key=lambda c: c.name)),
        storage=storage,
        tenant=tenant,
        touch_updated_at=timestamps
        and updated is not None
        and updated.type in ("TIMESTAMPTZ", "TIMESTAMP"),
        rls=tenant and isolation == "rls",
        document=tuple(document),
        custom_sql=custom_sql,
        validate=validate,
        source=str(struct.location),
        comment=clean_comment(struct.doc),
    )
    # a field with its own sql_type does not use the enum's type
    used = sorted(
        {
            p.mapped.enum
            for p in plans
            if p.mapped.enum and storage == "columns" and "sql_type" not in p.options.values
        }
    )
    return table, used


def _default_table_name(struct_name: str, settings: BuildSettings) -> str:
    """``MicroblogItem`` -> ``microblog_items``, or ``microblog_item`` with
    ``table_names = "singular"`` in the config."""
    if settings.table_names == "singular":
        return snake_case(struct_name)
    return table_name_for(struct_name)


def _tenant_named(field: FieldDecl, ctx: TypeContext) -> FieldDecl:
    """The field typed ``Host``/``MultiTenant`` is the tenant column ``host``,
    whatever the model calls it."""
    if field.name == "host" or field.type.name not in ("Host", "MultiTenant"):
        return field
    if not map_type(field.type, ctx, field.name, field.location).tenant_column:
        return field  # a project type of that name, not the framework's
    return replace(field, name="host")


def _table_constraints(options: Options, columns: set[str], struct: StructDecl) -> list[Constraint]:
    """``constraints = ["CONSTRAINT name UNIQUE (...)", "CONSTRAINT name CHECK (...)"]``:
    constraints taken as written, names kept (how adopted tables keep theirs)."""
    where = options.where("constraints", struct.location)
    found: list[Constraint] = []
    for entry in options.get_list("constraints"):
        constraint = sqltext.parse_constraint_definition(entry, where)
        for column in constraint.columns:
            if column not in columns:
                raise ModelError(
                    f"constraint column {column!r} is not a column of {struct.name}",
                    where,
                    f"columns: {', '.join(sorted(columns))}",
                )
        found.append(constraint)
    return found


def _plan_fields(struct: StructDecl, ctx: TypeContext, table: str, hints: Hints) -> list[FieldPlan]:
    plans: list[FieldPlan] = []
    seen: set[str] = set()
    for declared in struct.fields:
        field = _tenant_named(resolve_enums(declared, struct, ctx), ctx)
        options = _field_options(struct, field)
        if options is not _NO_OPTIONS and options.get_bool("ignore"):
            continue
        check_identifier(field.name, "column name", field.location)
        if field.name in seen:
            raise ModelError(f"field {field.name!r} declared twice", field.location)
        seen.add(field.name)
        plans.append(_plan_field(struct, field, options, ctx, table, hints))
    return plans


def _plan_field(
    struct: StructDecl,
    field: FieldDecl,
    options: Options,
    ctx: TypeContext,
    table: str,
    hints: Hints,
) -> FieldPlan:
    where = field.location
    mapped = map_type(field.type, ctx, field.name, where)
    if mapped.default is None and field.default is not None:
        mapped = replace(mapped, default=field.default)
    if not options.values:
        return _plain_field(field, options, mapped, table, hints, ctx)
    sql_type = mapped.sql_type
    explicit = options.get_str("sql_type")
    if explicit is not None:
        try:
            sql_type = sqltext.canonical_type(explicit)
        except ModelError as error:
            raise ModelError(error.message, options.where("sql_type", where)) from None
    not_null = not mapped.nullable or mapped.force_not_null
    if "not_null" in options.values:
        not_null = options.get_bool("not_null")
    default = mapped.default
    if options.get_str("default") is not None:
        default = sqltext.check_expression(
            options.get_str("default") or "", "default", options.where("default", where)
        )
        check_default(default, sql_type, options.where("default", where))
        if default.upper() == "NULL":
            default = None
    if default is not None:
        default = sqltext.normalize_default(default, sql_type)
    identity: Identity | None = "by default" if mapped.identity and explicit is None else None
    if options.get_str("identity") == "always" and identity is not None:
        identity = "always"
    if identity is not None:
        default = None
    column = Column(
        field.name,
        sql_type,
        not_null=not_null,
        default=default,
        identity=identity,
        deprecated=options.get_bool("deprecated"),
    )
    if column.deprecated:
        column = Column(column.name, column.type, False, column.default, column.identity, True)
    _record_column_hint(struct, field, options, table, hints, column.not_null)
    return FieldPlan(field, options, mapped, column)


def _plain_field(
    field: FieldDecl, options: Options, mapped: Mapped, table: str, hints: Hints, ctx: TypeContext
) -> FieldPlan:
    """:func:`_plan_field` for a field without options (most fields): same result,
    faster; one column object per name and type (see ``TypeContext.plain_columns``)."""
    key = (field.name, id(mapped))
    known = ctx.plain_columns.get(key)
    if known is not None and known[0] is mapped:
        column = known[1]
    else:
        default = mapped.default
        if default is not None:
            default = sqltext.normalize_default(default, mapped.sql_type)
        identity: Identity | None = "by default" if mapped.identity else None
        if identity is not None:
            default = None
        not_null = not mapped.nullable or mapped.force_not_null
        column = Column(field.name, mapped.sql_type, not_null, default, identity)
        ctx.plain_columns[key] = (mapped, column)
    hints.places.setdefault(table, {})[field.name] = field.location
    if not column.not_null:
        hints.optional.setdefault(table, []).append(field.name)
    return FieldPlan(field, options, mapped, column)


def _record_column_hint(
    struct: StructDecl,
    field: FieldDecl,
    options: Options,
    table: str,
    hints: Hints,
    required: bool = False,
) -> None:
    where = field.location
    convert_sql = options.get_str("convert_sql")
    convert_back_sql = options.get_str("convert_back_sql")
    for key, text in (("convert_sql", convert_sql), ("convert_back_sql", convert_back_sql)):
        if text is None:
            continue
        if "%s" not in text:
            raise ModelError(
                f"{key} must use %s for the old column value", options.where(key, where)
            )
        rewritten = embedded_expression(
            text.replace("%s", "buildamp_old_value"), key, options.where(key, where)
        ).replace("buildamp_old_value", "%s")
        if key == "convert_sql":
            convert_sql = rewritten
        else:
            convert_back_sql = rewritten
    if convert_back_sql is not None and convert_sql is None:
        raise ModelError(
            "convert_back_sql without convert_sql",
            options.where("convert_back_sql", where),
            "add the forward convert_sql, or remove convert_back_sql",
        )
    convert_from = options.get_str("convert_from")
    if convert_from is not None:
        try:
            convert_from = sqltext.canonical_type(convert_from)
        except ModelError as error:
            raise ModelError(error.message, options.where("convert_from", where)) from None
    backfill = options.get_str("backfill")
    if backfill is not None:
        backfill = embedded_expression(backfill, "backfill", options.where("backfill", where))
    hints.columns[(table, field.name)] = ColumnHint(
        rename_from=options.get_str("rename_from"),
        convert_from=convert_from,
        convert_sql=convert_sql,
        enum_migration=options.get_str("enum_migration"),
        backfill=backfill,
        confirm_destructive=options.get_bool("confirm_destructive"),
        location=str(where),
        required=required,
        convert_back_sql=convert_back_sql,
    )


def _typed_columns(
    plans: list[FieldPlan], tenant: bool, primary_key: tuple[str, ...], timestamps: bool = True
) -> list[Column]:
    columns: list[Column] = []
    names = {p.decl.name for p in plans}
    for plan in plans:
        column = plan.column
        if column.name in primary_key and not column.not_null:
            column = Column(column.name, column.type, True, column.default, column.identity)
        if plan.decl.doc is not None:
            column = replace(column, comment=clean_comment(plan.decl.doc))
        columns.append(column)
    if tenant and "host" not in names:
        after = next(i for i, c in enumerate(columns) if c.name == primary_key[0])
        columns.insert(after + 1, Column("host", "TEXT", not_null=True))
    for name in TIMESTAMP_COLUMNS:
        if timestamps and name not in names:
            columns.append(Column(name, "TIMESTAMPTZ", not_null=True, default="now()"))
    return columns


def _jsonb_columns(
    plans: list[FieldPlan], tenant: bool, primary_key: tuple[str, ...], struct: StructDecl
) -> tuple[list[Column], list[DocumentField]]:
    if primary_key != ("id",):
        raise ModelError('storage = "jsonb" tables have the primary key id only', struct.location)
    id_plan = next(p for p in plans if p.decl.name == "id")
    id_column = id_plan.column
    columns = [Column("id", id_column.type, True, id_column.default, id_column.identity)]
    columns.append(Column("data", "JSONB", not_null=True))
    if tenant:
        columns.append(Column("host", "TEXT", not_null=True))
    for name in TIMESTAMP_COLUMNS:
        columns.append(Column(name, "TIMESTAMPTZ", not_null=True, default="now()"))
    document = [
        DocumentField(
            p.column.name, p.column.type, p.options.get_bool("not_null"), p.column.default
        )
        for p in plans
        if p.decl.name != "id"
    ]
    return columns, sorted(document, key=lambda d: d.name)
