"""``buildamp schema``: the snapshot drawn as an ER diagram (Mermaid or Graphviz
DOT) or written out as JSON, for people who would rather look than read SQL.

Pure rendering from a :class:`~buildamp.schema.Schema`: no database, no model
sources. Mermaid and DOT draw the same rows (columns, document keys, indexes,
constraints) so the two pictures never disagree; JSON carries the full detail.

References come from real foreign keys and are otherwise inferred from
``<stem>_id`` fields, but only when a table named ``<stem>s`` (or ``<stem>``)
exists with a one-column primary key: a guess that names a missing table would
draw a box for something that is not in the database.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from buildamp.naming import pluralize
from buildamp.schema import Column, Constraint, Index, Schema, Table

if TYPE_CHECKING:
    from buildamp.config import Config

Format = Literal["mermaid", "dot", "json"]
FORMATS: tuple[Format, ...] = ("mermaid", "dot", "json")
JSON_FORMAT_VERSION = 1

# Words Mermaid's erDiagram lexer reads as keywords before it reads a name
# (its rules are case-insensitive and tried in order): such a table is quoted.
_MERMAID_RESERVED = frozenset(
    {
        "accdescr",
        "acctitle",
        "class",
        "classdef",
        "direction",
        "erdiagram",
        "many",
        "one",
        "only",
        "optionally",
        "style",
        "title",
        "to",
        "u",
        "zero",
    }
)
_MERMAID_KEYS = frozenset({"pk", "fk", "uk"})
_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_REFERENCES = re.compile(r'^\s*(?:"((?:[^"]|"")+)"|([^\s(]+))\s*\((.*)\)\s*$')


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
    """Foreign keys, then ``*_id`` fields whose target table exists, in table order."""
    found: list[Reference] = []
    for table in sorted(schema.tables, key=lambda t: t.name):
        covered: set[str] = set()
        for constraint in table.constraints:
            reference = _foreign_key(table, constraint)
            if reference is not None:
                found.append(reference)
                covered.add(reference.column)
        fields: list[tuple[str, bool, bool]] = []
        if table.storage == "jsonb":
            fields += [(d.name, not d.not_null, True) for d in table.document]
        else:
            fields += [(c.name, not c.not_null, False) for c in table.columns]
        for name, nullable, document in fields:
            if name in covered:
                continue
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
    match = _REFERENCES.match(constraint.references)
    if match is None:
        return None
    quoted, plain, columns = match.groups()
    target = quoted.replace('""', '"') if quoted is not None else plain
    target_column = columns.split(",")[0].strip().strip('"') or "id"
    column = table.column(constraint.columns[0])
    nullable = column is None or not column.not_null
    return Reference(table.name, constraint.columns[0], target, target_column, nullable, False)


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
        return f"{columns} -> {constraint.references}"
    return columns


# -- Mermaid ------------------------------------------------------------------


def mermaid_entity(name: str) -> str:
    """A table name as Mermaid reads it: bare when plain, else quoted."""
    if _PLAIN_NAME.fullmatch(name) and name.lower() not in _MERMAID_RESERVED:
        return name
    return '"' + re.sub(r'["%\\\r\n\t\v\b]', "_", name) + '"'


def _mermaid_word(text: str) -> str:
    """Attribute types and names: Mermaid allows letters, digits, ``_-[]()``."""
    word = re.sub(r"[^A-Za-z0-9_\-\[\]()]", "_", text.strip())
    if not word or not re.match(r"[A-Za-z_]", word):
        word = "_" + word
    if word.lower() in _MERMAID_KEYS:
        word += "_"
    return word


def _mermaid_comment(text: str) -> str:
    return '"' + " ".join(text.replace('"', "'").split()) + '"'


def render_mermaid(schema: Schema) -> str:
    """``erDiagram`` text: one block per table, then the references."""
    refs = references(schema)
    lines = ["erDiagram"]
    for table in sorted(schema.tables, key=lambda t: t.name):
        lines.append(f"    {mermaid_entity(table.name)} {{")
        for row in table_rows(schema, table, refs):
            parts = [_mermaid_word(row.type), _mermaid_word(row.name)]
            if row.keys:
                parts.append(", ".join(row.keys))
            if row.note:
                parts.append(_mermaid_comment(row.note))
            lines.append("        " + " ".join(parts))
        lines.append("    }")
    for ref in refs:
        parent = "|o" if ref.nullable else "||"
        line = ".." if ref.inferred else "--"
        lines.append(
            f"    {mermaid_entity(ref.target)} {parent}{line}o{{ {mermaid_entity(ref.table)} : "
            f"{_mermaid_comment(ref.column)}"
        )
    return "\n".join(lines) + "\n"


# -- Graphviz DOT -------------------------------------------------------------


def _dot_id(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _html(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def _dot_table(schema: Schema, table: Table, refs: list[Reference]) -> list[str]:
    rows = table_rows(schema, table, refs)
    cells = '<TD ALIGN="LEFT"{port}>{name}</TD><TD ALIGN="LEFT">{type}</TD>'
    cells += '<TD ALIGN="LEFT">{keys}</TD><TD ALIGN="LEFT">{note}</TD>'
    out = [
        f"    {_dot_id(table.name)} [label=<",
        '<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4">',
        f'<TR><TD COLSPAN="4" BGCOLOR="lightgrey"><B>{_html(table.name)}</B></TD></TR>',
    ]
    divider_done = False
    for row in rows:
        if row.kind in ("index", "constraint") and not divider_done:
            out.append('<TR><TD COLSPAN="4" ALIGN="LEFT"><I>indexes and constraints</I></TD></TR>')
            divider_done = True
        name = f"<B>{_html(row.name)}</B>" if "PK" in row.keys else _html(row.name)
        fields = cells.format(
            port=f' PORT="{_html(row.port)}"',
            name=name,
            type=_html(row.type),
            keys=_html(", ".join(row.keys)),
            note=_html(row.note),
        )
        out.append(f"<TR>{fields}</TR>")
    out.append("</TABLE>>];")
    return out


def render_dot(schema: Schema) -> str:
    """A ``digraph`` with one HTML-table node per table; arrows point at the target's
    key, dashed when inferred from a field name."""
    refs = references(schema)
    lines = [
        "digraph schema {",
        '    graph [rankdir=LR, fontname="Helvetica"];',
        '    node [shape=plain, fontname="Helvetica", fontsize=10];',
        '    edge [fontname="Helvetica", fontsize=9];',
    ]
    for table in sorted(schema.tables, key=lambda t: t.name):
        lines += _dot_table(schema, table, refs)
    for ref in refs:
        source = f"{'d' if ref.document else 'c'}_{ref.column}"
        style = "dashed" if ref.inferred else "solid"
        lines.append(
            f"    {_dot_id(ref.table)}:{_dot_id(source)}:e -> "
            f"{_dot_id(ref.target)}:{_dot_id('c_' + ref.target_column)}:w "
            f"[style={style}, label={_dot_id(ref.column)}];"
        )
    lines.append("}")
    return "\n".join(lines) + "\n"


# -- JSON ---------------------------------------------------------------------


def schema_json(schema: Schema) -> dict[str, Any]:
    """Everything the diagrams draw, as plain data (every key always present)."""
    tables = []
    for table in sorted(schema.tables, key=lambda t: t.name):
        tables.append(
            {
                "name": table.name,
                "storage": table.storage,
                "tenant": table.tenant,
                "rls": table.rls,
                "primary_key": list(table.primary_key),
                "columns": [
                    {
                        "name": c.name,
                        "type": c.type,
                        "not_null": c.not_null,
                        "default": c.default,
                        "identity": c.identity,
                        "deprecated": c.deprecated,
                        "primary_key": c.name in table.primary_key,
                    }
                    for c in table.columns
                ],
                "document": [
                    {"name": d.name, "type": d.type, "not_null": d.not_null, "default": d.default}
                    for d in table.document
                ],
                "indexes": [
                    {
                        "name": i.name,
                        "unique": i.unique,
                        "keys": [
                            {
                                "expression": k.expression,
                                "is_column": k.is_column,
                                "descending": k.descending,
                            }
                            for k in i.keys
                        ],
                        "where": i.where,
                    }
                    for i in sorted(table.indexes, key=lambda i: i.name)
                ],
                "constraints": [
                    {
                        "name": c.name,
                        "kind": c.kind,
                        "columns": list(c.columns),
                        "expression": c.expression,
                        "references": c.references,
                    }
                    for c in sorted(table.constraints, key=lambda c: c.name)
                ],
            }
        )
    return {
        "format_version": JSON_FORMAT_VERSION,
        "enums": [
            {"name": e.name, "values": list(e.values)}
            for e in sorted(schema.enums, key=lambda e: e.name)
        ],
        "tables": tables,
        "references": [
            {
                "table": r.table,
                "column": r.column,
                "document": r.document,
                "target": r.target,
                "target_column": r.target_column,
                "nullable": r.nullable,
                "inferred": r.inferred,
            }
            for r in references(schema)
        ],
    }


def render_json(schema: Schema) -> str:
    return json.dumps(schema_json(schema), indent=2, ensure_ascii=False) + "\n"


# -- entry points -------------------------------------------------------------


def render(schema: Schema, output_format: str) -> str:
    if output_format == "mermaid":
        return render_mermaid(schema)
    if output_format == "dot":
        return render_dot(schema)
    if output_format == "json":
        return render_json(schema)
    raise ValueError(f"unknown diagram format {output_format!r}; use one of {', '.join(FORMATS)}")


def run_schema(config: Config, output_format: str) -> int:
    """``buildamp schema``: the snapshot (what the migrations build), not the models,
    so the picture matches the database once every migration is applied."""
    import click

    from buildamp.snapshot import read_snapshot

    snapshot = read_snapshot(config.state_path, config.display(config.state_path))
    click.echo(render(snapshot.schema, output_format), nl=False)
    return 0
