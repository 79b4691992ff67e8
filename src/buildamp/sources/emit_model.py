"""Schema tables -> model declarations a person would write (the inverse of the readers).

Shared by :mod:`buildamp.sources.emit_rust` and :mod:`buildamp.sources.emit_python`:
each column becomes a field with the most natural type of the language and only
the options it needs (``sql_type`` only where no type maps to the column type),
each table a struct with the table options that keep it exactly as it is
(``name``, ``tenant = false``, ``timestamps = false``, raw ``indexes`` and
``constraints`` that keep their names). The readers are the oracle: a written
model read back gives the same table.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass, field

from buildamp.model.errors import ModelError
from buildamp.model.naming import snake_case
from buildamp.model.schema import Column, Schema, Table
from buildamp.pg.sqlbits import constraint_body, create_index_sql, q, serial_default

# Column type -> (Rust type, Python hint) for types with a direct mapping.
DIRECT: dict[str, tuple[str, str]] = {
    "TEXT": ("String", "str"),
    "SMALLINT": ("i16", "i16"),
    "INTEGER": ("i32", "i32"),
    "BIGINT": ("i64", "int"),
    "REAL": ("f32", "f32"),
    "DOUBLE PRECISION": ("f64", "float"),
    "BOOLEAN": ("bool", "bool"),
    "BYTEA": ("Vec<u8>", "bytes"),
    "UUID": ("Uuid", "UUID"),
    "NUMERIC": ("Decimal", "Decimal"),
    "TIMESTAMPTZ": ("DateTime<Utc>", "datetime"),
    "TIMESTAMP": ("NaiveDateTime", "NaiveDateTime"),
    "DATE": ("NaiveDate", "date"),
    "TIME": ("NaiveTime", "time"),
    "INTERVAL": ("Duration", "timedelta"),
    "JSONB": ("serde_json::Value", "Any"),
}
# The base a column of an unmapped type is declared with, before its sql_type.
_CLOSEST: dict[str, str] = {"NUMERIC": "NUMERIC", "JSON": "JSONB"}
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
RUST_KEYWORDS = frozenset(
    {
        "as",
        "async",
        "await",
        "break",
        "const",
        "continue",
        "crate",
        "dyn",
        "else",
        "enum",
        "extern",
        "false",
        "fn",
        "for",
        "if",
        "impl",
        "in",
        "let",
        "loop",
        "match",
        "mod",
        "move",
        "mut",
        "pub",
        "ref",
        "return",
        "self",
        "Self",
        "static",
        "struct",
        "super",
        "trait",
        "true",
        "type",
        "unsafe",
        "use",
        "where",
        "while",
        "abstract",
        "become",
        "box",
        "do",
        "final",
        "macro",
        "override",
        "priv",
        "typeof",
        "unsized",
        "virtual",
        "yield",
        "try",
    }
)
_NOT_RAW = frozenset({"crate", "self", "Self", "super"})


@dataclass(frozen=True)
class FieldSpec:
    """One field: its name, type in both languages and options in writing order."""

    name: str
    rust_type: str
    python_type: str
    options: tuple[tuple[str, str | bool], ...] = ()
    comment: str = ""


@dataclass(frozen=True)
class EnumSpec:
    name: str  # type name in the model (PascalCase)
    values: tuple[str, ...]


@dataclass(frozen=True)
class ModelSpec:
    """One table as a model: struct name, fields, table options, comment."""

    struct: str
    table: str
    fields: tuple[FieldSpec, ...]
    options: tuple[tuple[str, str | bool | tuple[str, ...]], ...]
    comment: str = ""
    enums: tuple[str, ...] = ()  # model enum types the fields use
    imports: frozenset[str] = field(default_factory=frozenset)


def pascal(name: str) -> str:
    """``order_status`` -> ``OrderStatus``."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", name) if part)


def struct_name(table: str) -> str:
    """``order_items`` -> ``OrderItem``: the singular a person would name the model."""
    words = table.split("_")
    last = words[-1]
    if last.endswith("ies") and len(last) > 3:
        last = last[:-3] + "y"
    elif re.search(r"(ss|x|ch|sh)es$", last):
        last = last[:-2]
    elif last.endswith("s") and not last.endswith("ss") and len(last) > 1:
        last = last[:-1]
    name = pascal("_".join([*words[:-1], last]))
    return name if name[:1].isalpha() else f"T{name}"


def enum_specs(schema: Schema) -> dict[str, EnumSpec]:
    """Model enums by database name; refuses a name the readers would not map back."""
    specs: dict[str, EnumSpec] = {}
    for enum in schema.enums:
        name = pascal(enum.name)
        if snake_case(name) != enum.name or not _IDENT.match(name):
            raise ModelError(
                f"enum type {enum.name!r} has no model name that maps back to it",
                hint="rename the type (ALTER TYPE ... RENAME TO a_snake_case_name), then adopt",
            )
        specs[enum.name] = EnumSpec(name, enum.values)
    return specs


def check_field_name(name: str, table: str) -> None:
    """A column the model languages can name (Rust ``r#type`` is fine)."""
    if not _IDENT.match(name) or name in _NOT_RAW or keyword.iskeyword(name):
        raise ModelError(
            f"column {table}.{name} cannot be a field name in a model",
            hint=f"rename it (ALTER TABLE {q(table)} RENAME COLUMN {q(name)} TO ...), then adopt",
        )


def model_spec(table: Table, enums: dict[str, EnumSpec]) -> ModelSpec:
    """The model for ``table``. Its foreign keys are written out in ``constraints``
    as the database has them (name, columns, ON DELETE): a ``references`` option
    would generate its own name and, between tenant tables, a different key."""
    single_id = table.primary_key == ("id",)
    fields = []
    used: set[str] = set()
    for column in table.columns:
        check_field_name(column.name, table.name)
        spec = _field(table, column, enums, single_id, used)
        fields.append(
            FieldSpec(
                spec.name,
                spec.rust_type,
                spec.python_type,
                spec.options,
                column.comment or "",
            )
        )
    options: list[tuple[str, str | bool | tuple[str, ...]]] = [("name", table.name)]
    host = table.column("host")
    if host is None or host.type != "TEXT" or not host.not_null:
        options.append(("tenant", False))
    if not table.touch_updated_at:
        options.append(("timestamps", False))
    if not single_id:
        options.append(("primary_key", table.primary_key))
    if table.indexes:
        options.append(
            ("indexes", tuple(create_index_sql(table.name, index) for index in table.indexes))
        )
    constraints = list(table.constraints)
    if constraints:
        options.append(
            (
                "constraints",
                tuple(f"CONSTRAINT {q(c.name)} {constraint_body(c)}" for c in constraints),
            )
        )
    return ModelSpec(
        struct_name(table.name),
        table.name,
        tuple(fields),
        tuple(options),
        table.comment or "",
        tuple(sorted(used)),
    )


def _field(
    table: Table, column: Column, enums: dict[str, EnumSpec], single_id: bool, used: set[str]
) -> FieldSpec:
    options: list[tuple[str, str | bool]] = []
    rust, python, exact = _types(column.type, enums, used)
    if not exact:
        options.append(("sql_type", column.type))
    if column.identity is not None:
        rust, python = f"Generated<{rust}>", f"Generated[{python}]"
        if column.identity == "always":
            options.append(("identity", "always"))
    is_id = single_id and column.name == "id"
    if is_id:
        rust, python = f"DatabaseId<{rust}>", f"DatabaseId[{python}]"
    elif not column.not_null and column.name not in table.primary_key:
        rust, python = f"Option<{rust}>", f"{python} | None"
    if column.default is not None:
        default = column.default
        if default == serial_default(table.name, column.name):
            default = f"nextval('{table.name}_{column.name}_seq'::regclass)"
        options.insert(0, ("default", default))
    return FieldSpec(column.name, rust, python, tuple(options))


def _types(sql_type: str, enums: dict[str, EnumSpec], used: set[str]) -> tuple[str, str, bool]:
    """Rust type, Python hint, and whether they map to ``sql_type`` with no ``sql_type``."""
    if sql_type in DIRECT:
        rust, python = DIRECT[sql_type]
        return rust, python, True
    if sql_type in enums:
        name = enums[sql_type].name
        used.add(name)
        return name, name, True
    if sql_type.endswith("[]"):
        rust, python, _ = _types(sql_type[:-2], enums, used)
        return f"Vec<{rust}>", f"list[{python}]", False
    base = _CLOSEST.get(sql_type.split("(")[0], "TEXT")
    rust, python = DIRECT[base]
    return rust, python, False
