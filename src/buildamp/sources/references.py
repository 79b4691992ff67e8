"""References between models (DESIGN.md section 11, "Relations").

A field references another model by its type (``ForeignKey<Model, T>``, Python
``ForeignKey[Model, T]``) or by ``references = "table" | "table.column"``. Each
model is built alone (and cached); references need every model, so they are
resolved here, after all tables exist, into:

* a foreign key named ``fk_<table>_<column>``: tenant -> tenant is
  ``(host, col) -> target (host, id)`` so a row can never point at another
  tenant's row; to or from a ``tenant = false`` table it is ``(col) -> (id)``;
* on a tenant target, ``UNIQUE (host, <column>)`` (what the key points at);
* an index led by the key's columns when no index, unique constraint or primary
  key of the table already starts with them (deletes on the parent stay cheap).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from buildamp.model.errors import Location, ModelError
from buildamp.model.naming import object_name
from buildamp.model.schema import ON_DELETE_CHOICES, Constraint, Index, IndexKey, OnDelete, Table
from buildamp.sources.decl import FieldDecl, StructDecl, TypeRef

STANDARD_COLUMNS = frozenset({"host", "created_at", "updated_at"})


@dataclass(frozen=True)
class ReferenceDecl:
    """One field's reference as declared, before the target is known to exist."""

    model: str  # the declaring struct
    field: str
    target: str  # a model name, or a table name
    target_column: str | None
    on_delete: OnDelete
    location: Location  # of the option or field, for errors
    on_delete_location: Location | None = None


# The outer type of a field that may reference: ForeignKey<M, T>, maybe in Options.
_MAY_REFERENCE = frozenset({"ForeignKey", "Option"})


def _unwrap(ref: TypeRef) -> TypeRef:
    while ref.name == "Option" and ref.args:
        ref = ref.args[0]
    return ref


def type_target(field: FieldDecl) -> str | None:
    """The model named by a ``ForeignKey<Model, T>`` field type (through ``Option``)."""
    ref = _unwrap(field.type)
    if ref.name == "ForeignKey" and len(ref.args) == 2:
        return ref.args[0].name
    return None


def _option(field: FieldDecl, key: str) -> tuple[str, Location] | None:
    for option in field.options:
        if option.attribute == "migration" and option.key == key and isinstance(option.value, str):
            return option.value, option.location
    return None


def is_reference(field: FieldDecl) -> bool:
    return type_target(field) is not None or _option(field, "references") is not None


def is_join_table(struct: StructDecl) -> bool:
    """No id, two or more references, nothing else but the standard columns."""
    if any(f.name == "id" for f in struct.fields):
        return False
    refs = [f for f in struct.fields if is_reference(f)]
    others = [f for f in struct.fields if not is_reference(f) and not _ignored(f)]
    return len(refs) >= 2 and all(f.name in STANDARD_COLUMNS for f in others)


def join_key(struct: StructDecl) -> tuple[str, ...]:
    """A join table's primary key: its reference fields, in declaration order."""
    return tuple(f.name for f in struct.fields if is_reference(f))


def _ignored(field: FieldDecl) -> bool:
    return any(o.key == "ignore" and o.value is True for o in field.options)


def declared(struct: StructDecl) -> list[ReferenceDecl]:
    """The references a struct's fields declare (options checked by the builder)."""
    found = []
    for field in struct.fields:
        if not field.options and field.type.name not in _MAY_REFERENCE:
            continue  # no option, not a ForeignKey type (the common field)
        if _ignored(field):
            continue
        by_type = type_target(field)
        by_option = _option(field, "references")
        chosen = _option(field, "on_delete")
        if by_type is None and by_option is None:
            if chosen is not None:
                raise ModelError(
                    f"on_delete on {struct.name}.{field.name}, which references nothing",
                    chosen[1],
                    'add references = "table" or use ForeignKey<Model, T>',
                )
            continue
        target, column, where = by_type or "", None, field.location
        if by_option is not None:
            text, where = by_option
            target, _, rest = text.partition(".")
            column = rest or None
            if not target or (column is not None and not column):
                raise ModelError(
                    f"references = {text!r} on {struct.name}.{field.name} is not "
                    '"table" or "table.column"',
                    where,
                )
            if by_type is not None and by_type != target:
                raise ModelError(
                    f"{struct.name}.{field.name} is ForeignKey<{by_type}, ...> but says "
                    f"references = {text!r}",
                    where,
                    "keep one of them",
                )
        on_delete: OnDelete = "no action"
        if chosen is not None:
            on_delete = next(c for c in ON_DELETE_CHOICES if c == chosen[0])
        found.append(
            ReferenceDecl(
                struct.name,
                field.name,
                target,
                column,
                on_delete,
                where,
                chosen[1] if chosen is not None else None,
            )
        )
    return found


def resolve(
    tables: dict[str, Table],
    structs: list[tuple[StructDecl, str]],
) -> dict[str, Table]:
    """Tables with their foreign keys, target unique constraints and key indexes.

    ``structs`` pairs each table's struct with its table name; a reference's
    target is a model name (``Author``) or a table name (``authors``)."""
    by_model = {struct.name: name for struct, name in structs}
    for struct, name in structs:
        written = next((o.location for o in struct.options if o.key == "constraints"), None)
        _check_written_keys(tables, name, written or struct.location)
    result = dict(tables)
    for struct, name in structs:
        for decl in declared(struct):
            _add_reference(result, by_model, name, decl)
    return result


def _add_reference(
    tables: dict[str, Table], by_model: dict[str, str], name: str, decl: ReferenceDecl
) -> None:
    table = tables[name]
    where = decl.location
    here = f"{name}.{decl.field}"
    target_name = by_model.get(decl.target, decl.target)
    target = tables.get(target_name)
    if target is None:
        known = ", ".join(sorted(set(by_model) | set(tables)))
        raise ModelError(
            f"{here} references {decl.target!r}, which is no model or table (removed? "
            "remove or change the reference in the same change)",
            where,
            f"known: {known}",
        )
    if table.storage != "columns" or target.storage != "columns":
        raise ModelError(
            f'{here} -> {target.name}: references need storage = "columns" on both ends',
            where,
        )
    column = table.column(decl.field)
    if column is None:
        raise ModelError(f"{here} is not a column", where)
    target_column_name = decl.target_column or _single_key(target, here, where)
    target_column = target.column(target_column_name)
    if target_column is None:
        raise ModelError(
            f"{here} references {target.name}.{target_column_name}, which is no column",
            where,
            f"columns of {target.name}: {', '.join(c.name for c in target.columns)}",
        )
    if column.type != target_column.type:
        raise ModelError(
            f"{here} is {column.type} but {target.name}.{target_column_name} is "
            f"{target_column.type}",
            where,
            "give both ends the same type (change both together)",
        )
    if decl.on_delete == "set null" and column.not_null:
        raise ModelError(
            f'{here} is NOT NULL, so on_delete = "set null" cannot work',
            decl.on_delete_location or where,
            "make the field optional (Option<T> / T | None) or choose another on_delete",
        )
    if decl.on_delete == "set default" and column.default is None and column.not_null:
        raise ModelError(
            f'{here} has no default, so on_delete = "set default" cannot work',
            decl.on_delete_location or where,
            "add a default or choose another on_delete",
        )
    tenant = table.tenant and target.tenant
    columns = ("host", decl.field) if tenant else (decl.field,)
    ref_columns = ("host", target_column_name) if tenant else (target_column_name,)
    _ensure_unique(tables, target, ref_columns, here, where)
    table = tables[name]  # a self-reference just gained its unique constraint
    key = Constraint(
        object_name("fk", name, [decl.field]),
        "foreign_key",
        columns,
        None,
        target.name,
        ref_columns,
        decl.on_delete,
    )
    constraints = tuple(sorted((*table.constraints, key), key=lambda c: c.name))
    indexes = table.indexes
    if not _led_by(table, columns):
        keys = tuple(IndexKey(c) for c in columns)
        index = Index(object_name("idx", name, [decl.field]), keys)
        if table.index(index.name) is not None:  # the model's own (host, col) index
            index = Index(object_name("idx", name, [decl.field, "fk"]), keys)
        indexes = tuple(sorted((*indexes, index), key=lambda i: i.name))
    tables[name] = replace(table, constraints=constraints, indexes=indexes)


def _check_written_keys(tables: dict[str, Table], name: str, where: Location) -> None:
    """Keys written out in ``constraints = [...]`` (how adoption keeps a database's
    own keys): the target table and columns exist, with the same types, and are
    unique, as PostgreSQL will insist when the key is added."""
    table = tables[name]
    for key in table.constraints:
        if key.kind != "foreign_key" or key.references is None:
            continue
        here = f"{name}.{key.name}"
        target = tables.get(key.references)
        if target is None:
            raise ModelError(
                f"{here} references table {key.references!r}, which no model maps to",
                where,
                f"known: {', '.join(sorted(tables))}",
            )
        if len(key.columns) != len(key.ref_columns):
            raise ModelError(
                f"{here} has {len(key.columns)} column(s) but references {len(key.ref_columns)}",
                where,
            )
        for own, other in zip(key.columns, key.ref_columns, strict=True):
            column, target_column = table.column(own), target.column(other)
            if column is None or target_column is None:
                missing = own if column is None else f"{target.name}.{other}"
                raise ModelError(f"{here}: {missing} is not a column", where)
            if column.type != target_column.type:
                raise ModelError(
                    f"{here}: {name}.{own} is {column.type} but {target.name}.{other} is "
                    f"{target_column.type}",
                    where,
                    "give both ends the same type",
                )
        if not _unique_over(target, key.ref_columns):
            raise ModelError(
                f"{here} references {target.name} ({', '.join(key.ref_columns)}), "
                "which is not unique",
                where,
                "reference the primary key or a unique constraint",
            )


def _single_key(target: Table, here: str, where: Location) -> str:
    if len(target.primary_key) != 1:
        raise ModelError(
            f"{here} references {target.name}, whose primary key has "
            f"{len(target.primary_key)} columns",
            where,
            f'name the column: references = "{target.name}.<column>"',
        )
    return target.primary_key[0]


def _ensure_unique(
    tables: dict[str, Table],
    target: Table,
    ref_columns: tuple[str, ...],
    here: str,
    where: Location,
) -> None:
    """What a key points at must be unique: the primary key, a unique constraint,
    or (on a tenant table) a generated ``UNIQUE (host, col)`` over a unique col."""
    if _unique_over(target, ref_columns):
        return
    column = ref_columns[-1]
    if len(ref_columns) == 1 or not _unique_over(target, (column,)):
        raise ModelError(
            f"{here} references {target.name}.{column}, which is not unique",
            where,
            f"reference the primary key, or make {target.name}.{column} unique",
        )
    constraint = Constraint(
        object_name("unique", target.name, list(ref_columns)), "unique", ref_columns
    )
    current = tables[target.name]
    constraints = tuple(sorted((*current.constraints, constraint), key=lambda c: c.name))
    tables[target.name] = replace(current, constraints=constraints)


def _unique_over(table: Table, columns: tuple[str, ...]) -> bool:
    if set(table.primary_key) == set(columns):
        return True
    if any(c.kind == "unique" and set(c.columns) == set(columns) for c in table.constraints):
        return True
    return any(
        i.unique
        and i.where is None
        and {k.expression for k in i.keys if k.is_column} == set(columns)
        and all(k.is_column for k in i.keys)
        for i in table.indexes
    )


def _led_by(table: Table, columns: tuple[str, ...]) -> bool:
    """Whether some index of ``table`` starts with ``columns`` (in any order)."""
    want = set(columns)
    size = len(columns)
    leads: list[tuple[str, ...]] = [table.primary_key]
    leads += [c.columns for c in table.constraints if c.kind == "unique"]
    leads += [
        tuple(k.expression if k.is_column else "" for k in i.keys)
        for i in table.indexes
        if i.where is None
    ]
    return any(len(lead) >= size and set(lead[:size]) == want for lead in leads)
