"""What the schema diagram shows: references (real foreign keys; without any, ``<stem>_id``
fields where the target table exists) and the rows drawn for each table, shared by
the Mermaid, DOT and JSON renderers in :mod:`buildamp.cli.diagram`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from buildamp.model.naming import pluralize
from buildamp.model.schema import Column, Constraint, Index, Schema, Table


@dataclass(frozen=True)
class Reference:
    """An arrow from ``table.column`` to ``target.target_column``.

    ``document`` is true when the column is a key of a ``storage = "jsonb"``
    table's ``data`` document; ``inferred`` when no foreign key backs it."""

    table: str
    column: str
    target: str
    target_column: str
    nullable: bool
    inferred: bool
    document: bool = False


@dataclass(frozen=True)
class Row:
    """One line inside a table's box, shared by the Mermaid and DOT renderers."""

    kind: Literal["column", "document", "index", "constraint"]
    name: str
    type: str
    keys: tuple[str, ...] = ()
    note: str = ""

    @property
    def port(self) -> str:
        """DOT port: columns and document keys may share a name (``created_at``)."""
        prefix = {"column": "c", "document": "d", "index": "i", "constraint": "k"}[self.kind]
        return f"{prefix}_{self.name}"


# -- references ---------------------------------------------------------------


def references(schema: Schema) -> list[Reference]:
    """The foreign keys, in table order. Only a schema without any (models that
    declare no references) gets arrows guessed from ``<stem>_id`` fields whose
    target table exists: once real keys exist, a guess could only be wrong."""
    tables = sorted(schema.tables, key=lambda t: t.name)
    keys = [
        reference
        for table in tables
        for constraint in table.constraints
        if (reference := _foreign_key(table, constraint)) is not None
    ]
    if keys:
        return keys
    found: list[Reference] = []
    for table in tables:
        fields: list[tuple[str, bool, bool]] = []
        if table.storage == "jsonb":
            fields += [(d.name, not d.not_null, True) for d in table.document]
        else:
            fields += [(c.name, not c.not_null, False) for c in table.columns]
        for name, nullable, document in fields:
            target = _inferred_target(schema, name)
            if target is not None:
                found.append(
                    Reference(
                        table.name,
                        name,
                        target.name,
                        target.primary_key[0],
                        nullable,
                        True,
                        document,
                    )
                )
    return found


def _foreign_key(table: Table, constraint: Constraint) -> Reference | None:
    if constraint.kind != "foreign_key" or not constraint.columns or not constraint.references:
        return None
    # A tenant-safe key is (host, col) -> (host, id): the arrow is col -> id.
    own = [c for c in constraint.columns if c != "host"] or list(constraint.columns)
    target = [c for c in constraint.ref_columns if c != "host"] or list(constraint.ref_columns)
    column = table.column(own[0])
    nullable = column is None or not column.not_null
    return Reference(
        table.name, own[0], constraint.references, target[0] if target else "id", nullable, False
    )


def _inferred_target(schema: Schema, field: str) -> Table | None:
    """``author_id`` -> table ``authors`` (or ``author``), when it exists."""
    if not field.endswith("_id") or len(field) <= 3:
        return None
    stem = field[:-3]
    head, _, last = stem.rpartition("_")
    plural = f"{head}_{pluralize(last)}" if head else pluralize(last)
    for candidate in (plural, stem):
        table = schema.table(candidate)
        if table is not None and len(table.primary_key) == 1:
            return table
    return None


# -- rows ---------------------------------------------------------------------


def table_rows(schema: Schema, table: Table, refs: list[Reference]) -> list[Row]:
    """Columns, document keys, then indexes and constraints, each with a short note."""
    outgoing = {(r.column, r.document): r for r in refs if r.table == table.name}
    unique_members = _unique_members(table)
    rows: list[Row] = []
    for column in table.columns:
        keys: list[str] = []
        if column.name in table.primary_key:
            keys.append("PK")
        ref = outgoing.get((column.name, False))
        if ref is not None:
            keys.append("FK")
        if column.name in unique_members:
            keys.append("UK")
        note = _column_note(schema, table, column)
        if ref is not None:
            note = ", ".join(n for n in (note, _reference_note(ref)) if n)
        rows.append(Row("column", column.name, column.type, tuple(keys), note))
    for field in table.document:
        keys = []
        ref = outgoing.get((field.name, True))
        notes = ["in data"]
        if ref is not None:
            keys.append("FK")
        if field.name in unique_members:
            keys.append("UK")
        if field.not_null:
            notes.append("required")
        if field.default is not None:
            notes.append(f"default {field.default}")
        notes += _enum_note(schema, field.type)
        if ref is not None:
            notes.append(_reference_note(ref))
        rows.append(Row("document", field.name, field.type, tuple(keys), ", ".join(notes)))
    for index in table.indexes:
        kind = "UNIQUE_INDEX" if index.unique else "INDEX"
        rows.append(Row("index", index.name, kind, (), _index_note(index)))
    for constraint in table.constraints:
        rows.append(
            Row(
                "constraint",
                constraint.name,
                constraint.kind.upper(),
                (),
                _constraint_note(constraint),
            )
        )
    return rows


def _unique_members(table: Table) -> set[str]:
    """Columns (or document keys) that a unique constraint or index covers; on a
    tenant table ``host`` is left out: it makes the rule per tenant, it is not the key."""
    members: set[str] = set()
    for constraint in table.constraints:
        if constraint.kind == "unique":
            members.update(constraint.columns)
    document = {d.name for d in table.document}
    for index in table.indexes:
        if not index.unique or index.where is not None:
            continue
        for key in index.keys:
            if key.is_column:
                members.add(key.expression)
            else:
                name = _document_key(key.expression)
                if name in document:
                    members.add(name)
    if table.tenant:
        members.discard("host")
    return members


def _document_key(expression: str) -> str | None:
    """``(data ->> 'email')::bigint`` -> ``email``."""
    match = re.match(r"^\(?\s*data\s*->>\s*'((?:[^']|'')*)'", expression)
    return match.group(1).replace("''", "'") if match else None


def _column_note(schema: Schema, table: Table, column: Column) -> str:
    notes: list[str] = []
    if table.tenant and column.name == "host":
        notes.append("tenant, row-level security" if table.rls else "tenant")
    if table.storage == "jsonb" and column.name == "data":
        notes.append("document")
    if not column.not_null and column.name not in table.primary_key:
        notes.append("nullable")
    if column.identity is not None:
        notes.append(f"identity {column.identity}")
    if column.default is not None:
        notes.append(f"default {column.default}")
    if column.deprecated:
        notes.append("deprecated")
    notes += _enum_note(schema, column.type)
    return ", ".join(notes)


def _enum_note(schema: Schema, type_name: str) -> list[str]:
    enum = schema.enum(type_name.rstrip("[]"))
    return [f"one of {' | '.join(enum.values)}"] if enum is not None else []


def _reference_note(ref: Reference) -> str:
    guess = " (by name)" if ref.inferred else ""
    return f"-> {ref.target}.{ref.target_column}{guess}"


def _index_note(index: Index) -> str:
    keys = ", ".join(k.expression + (" DESC" if k.descending else "") for k in index.keys)
    return keys + (f" WHERE {index.where}" if index.where else "")


def _constraint_note(constraint: Constraint) -> str:
    if constraint.kind == "check":
        return constraint.expression or ""
    columns = ", ".join(constraint.columns)
    if constraint.kind == "foreign_key":
        target = ", ".join(constraint.ref_columns)
        return f"{columns} -> {constraint.references}({target})"
    return columns


# -- Mermaid ------------------------------------------------------------------
