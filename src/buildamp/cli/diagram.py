"""``buildamp schema``: the snapshot drawn as an ER diagram (Mermaid or Graphviz
DOT) or written out as JSON, for people who would rather look than read SQL.

Pure rendering from a :class:`~buildamp.model.schema.Schema`: no database, no model
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
from typing import TYPE_CHECKING, Any, Literal

from buildamp.cli.diagram_model import Reference, references, table_rows
from buildamp.model.schema import Schema, Table

if TYPE_CHECKING:
    from buildamp.files.config import Config

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
                        **(
                            {"ref_columns": list(c.ref_columns), "on_delete": c.on_delete}
                            if c.kind == "foreign_key"
                            else {}
                        ),
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


def render_diagram(schema: Schema, output_format: str) -> str:
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
    # click: only when run as a command; render_diagram is a library call too
    import click

    # per command: `buildamp --help` and other commands import none of it
    from buildamp.files.snapshot import read_snapshot

    snapshot = read_snapshot(config.state_path, config.display(config.state_path))
    click.echo(render_diagram(snapshot.schema, output_format), nl=False)
    return 0
