"""Indexes and constraints a model asks for: field options (``index``,
``unique``, ``composite_index``, JSONB ``not_null``) and table ``indexes``
entries, keyed for the table's storage and led by ``host`` on tenant tables."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from buildamp.model.errors import Location, ModelError
from buildamp.model.naming import object_name
from buildamp.model.schema import Column, Constraint, Index, IndexKey, Storage
from buildamp.pg import sqltext
from buildamp.sources.decl import FieldDecl, StructDecl
from buildamp.sources.options import Options
from buildamp.sources.type_map import Mapped

_DEFINITION = re.compile(r"\s*CREATE\s+(UNIQUE\s+)?INDEX\s", re.IGNORECASE)
JSONB_TEXT_TYPES = frozenset({"TEXT", "JSONB", "TIMESTAMPTZ", "TIMESTAMP", "DATE", "UUID"})


@dataclass
class FieldPlan:
    """One field on its way to a column: its declaration, options and mapping."""

    decl: FieldDecl
    options: Options
    mapped: Mapped
    column: Column


def _document_key(name: str, sql_type: str) -> IndexKey:
    expression = f"(data ->> {sqltext.quote_literal(name)})"
    if sql_type not in JSONB_TEXT_TYPES and not sql_type.islower():
        expression = f"{expression}::{sql_type.lower()}"
    return IndexKey(sqltext.normalize_expression(expression), False, False)


def _key_for(name: str, storage: Storage, columns: set[str], types: dict[str, str]) -> IndexKey:
    if storage == "jsonb" and name not in columns:
        return _document_key(name, types.get(name, "TEXT"))
    return IndexKey(name)


def field_indexes(
    plans: list[FieldPlan],
    table: str,
    tenant: bool,
    storage: Storage,
    columns: set[str],
    types: dict[str, str],
    struct: StructDecl,
) -> tuple[list[Index], list[Constraint]]:
    indexes: list[Index] = []
    constraints: list[Constraint] = []
    host = (IndexKey("host"),) if tenant else ()
    for plan in plans:
        name, options = plan.column.name, plan.options
        if not options.values:
            continue  # nothing to index or check
        key = _key_for(name, storage, columns, types)
        if options.get_bool("index"):
            indexes.append(Index(object_name("idx", table, [name]), host + (key,)))
        unique = options.values.get("unique")
        if unique is True or unique == "global":
            lead = () if unique == "global" else host
            constraint_name = object_name("unique", table, [name])
            if storage == "jsonb":
                indexes.append(Index(constraint_name, lead + (key,), unique=True))
            else:
                constraints.append(
                    Constraint(
                        constraint_name, "unique", tuple(k.expression for k in lead) + (name,)
                    )
                )
        if storage == "jsonb" and options.get_bool("not_null"):
            literal = sqltext.quote_literal(name)
            check = f"data ? {literal} AND (data -> {literal}) <> 'null'::jsonb"
            constraints.append(
                Constraint(
                    object_name("chk", table, [name, "present"]),
                    "check",
                    (),
                    sqltext.normalize_expression(check),
                )
            )
        entries = options.get_list("composite_index")
        if entries:
            where = options.where("composite_index", plan.decl.location)
            keys, words = _entry_keys(", ".join(entries), where, storage, columns, types, struct)
            indexes.append(_named_index(table, host, keys, words))
    return indexes, constraints


def _entry_keys(
    entry: str,
    where: Location,
    storage: Storage,
    columns: set[str],
    types: dict[str, str],
    struct: StructDecl,
) -> tuple[tuple[IndexKey, ...], list[str]]:
    """Keys mapped to this table's storage, and the words naming the index."""
    keys = sqltext.parse_index_keys(entry, where)
    words = [k.expression + (" desc" if k.descending else "") for k in keys]
    known = columns | set(types)
    out: list[IndexKey] = []
    for key in keys:
        if key.is_column:
            if key.expression not in known:
                raise ModelError(
                    f"index column {key.expression!r} is not a column of {struct.name}",
                    where,
                    f"columns: {', '.join(sorted(known))}",
                )
            mapped = _key_for(key.expression, storage, columns, types)
            out.append(IndexKey(mapped.expression, key.descending, mapped.is_column))
        else:
            out.append(key)
    return tuple(out), words


def _named_index(
    table: str, host: tuple[IndexKey, ...], keys: tuple[IndexKey, ...], words: list[str]
) -> Index:
    lead = host if not keys or keys[0].expression != "host" else ()
    return Index(object_name("idx", table, words), lead + keys)


def table_indexes(
    options: Options,
    table: str,
    tenant: bool,
    storage: Storage,
    columns: set[str],
    types: dict[str, str],
    struct: StructDecl,
) -> list[Index]:
    where = options.where("indexes", struct.location)
    host = (IndexKey("host"),) if tenant else ()
    indexes = []
    for entry in options.get_list("indexes"):
        if is_index_definition(entry):
            indexes.append(_raw_index(entry, where, table, columns | set(types), struct))
            continue
        keys, words = _entry_keys(entry, where, storage, columns, types, struct)
        indexes.append(_named_index(table, host, keys, words))
    return indexes


def is_index_definition(entry: str) -> bool:
    """An ``indexes`` entry written as a whole ``CREATE INDEX`` statement."""
    return _DEFINITION.match(entry) is not None


def _raw_index(
    entry: str, where: Location, table: str, known: set[str], struct: StructDecl
) -> Index:
    """A raw index definition: taken as written, its name kept (adopted databases)."""
    on, index = sqltext.parse_index_definition(entry, where)
    if on != table:
        raise ModelError(
            f"index {index.name!r} is defined ON {on}, but {struct.name} is table {table}",
            where,
            f"write ON {table}",
        )
    for key in index.keys:
        if key.is_column and key.expression not in known:
            raise ModelError(
                f"index column {key.expression!r} is not a column of {struct.name}",
                where,
                f"columns: {', '.join(sorted(known))}",
            )
    return index


def dedupe_indexes(indexes: list[Index], where: Location) -> list[Index]:
    by_name: dict[str, Index] = {}
    for index in indexes:
        known = by_name.get(index.name)
        if known is not None and known != index:
            raise ModelError(f"two different indexes are both named {index.name!r}", where)
        by_name[index.name] = index
    return list(by_name.values())


def soft_delete_uniques(
    plans: list[FieldPlan],
    storage: Storage,
    indexes: list[Index],
    constraints: list[Constraint],
) -> tuple[list[Index], list[Constraint]]:
    """On a table with a ``SoftDelete`` field, a deleted row must not block a new
    one with the same value: each unique constraint (or, on JSONB tables, unique
    index) becomes a unique index ``WHERE <field> IS NULL``, same name and keys."""
    soft = next((p.column.name for p in plans if p.mapped.soft_delete), None)
    if soft is None:
        return indexes, constraints
    if storage == "jsonb":
        key = _document_key(soft, "TEXT").expression
        where = sqltext.normalize_expression(f"{key} IS NULL")
        return [replace(i, where=where) if i.unique else i for i in indexes], constraints
    where = sqltext.normalize_expression(f"{sqltext.quote_ident(soft)} IS NULL")
    kept: list[Constraint] = []
    partial = list(indexes)
    for constraint in constraints:
        if constraint.kind != "unique":
            kept.append(constraint)
            continue
        keys = tuple(IndexKey(column) for column in constraint.columns)
        partial.append(Index(constraint.name, keys, unique=True, where=where))
    return partial, kept
