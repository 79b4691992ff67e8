"""Write Rust model files (``#[derive(BuildAmpDomain)]`` structs) from model specs.

The inverse of :mod:`buildamp.sources.rust`: what this writes, the reader reads
back into the same table.
"""

from __future__ import annotations

import re

from buildamp.model.errors import ModelError
from buildamp.sources.emit_model import RUST_KEYWORDS, EnumSpec, ModelSpec

_VARIANT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

HEADER = "// Adopted from the live database by `buildamp init --from-database`.\n"
_USES = {
    "DateTime": "chrono",
    "Utc": "chrono",
    "NaiveDateTime": "chrono",
    "NaiveDate": "chrono",
    "NaiveTime": "chrono",
    "Duration": "chrono",
    "Decimal": "rust_decimal",
    "Uuid": "uuid",
}


def rust_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _value(value: str | bool | tuple[str, ...]) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return "[" + ", ".join(rust_string(v) for v in value) + "]"
    return rust_string(value)


def _doc(text: str, indent: str) -> list[str]:
    return [f"{indent}/// {line}".rstrip() for line in text.splitlines()]


def _field_name(name: str) -> str:
    return f"r#{name}" if name in RUST_KEYWORDS else name


def rust_model(spec: ModelSpec) -> str:
    """One ``<table>_domain.rs`` file."""
    types = " ".join(f.rust_type for f in spec.fields)
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", types))
    framework = [name for name in ("DatabaseId", "Generated") if name in words]
    lines = [HEADER.rstrip("\n"), f"use buildamp::{{{', '.join(['BuildAmpDomain', *framework])}}};"]
    crates: dict[str, list[str]] = {}
    for word, crate in _USES.items():
        if word in words:
            crates.setdefault(crate, []).append(word)
    for crate, names in sorted(crates.items()):
        listed = names[0] if len(names) == 1 else "{" + ", ".join(sorted(names)) + "}"
        lines.append(f"use {crate}::{listed};")
    if spec.enums:
        lines.append(f"use crate::types::{{{', '.join(spec.enums)}}};")
    lines.append("")
    lines += _doc(spec.comment, "")
    lines.append("#[derive(BuildAmpDomain)]")
    if len(spec.options) <= 3 and not any(isinstance(v, tuple) for _, v in spec.options):
        lines.append(f"#[table({', '.join(f'{k} = {_value(v)}' for k, v in spec.options)})]")
    else:
        lines.append("#[table(")
        for key, value in spec.options:
            if isinstance(value, tuple) and value:
                lines.append(f"    {key} = [")
                lines += [f"        {rust_string(v)}," for v in value]
                lines.append("    ],")
            else:
                lines.append(f"    {key} = {_value(value)},")
        lines.append(")]")
    lines.append(f"pub struct {spec.struct} {{")
    for field in spec.fields:
        lines += _doc(field.comment, "    ")
        if field.options:
            inner = ", ".join(f"{k} = {_value(v)}" for k, v in field.options)
            lines.append(f"    #[migration({inner})]")
        lines.append(f"    pub {_field_name(field.name)}: {field.rust_type},")
    lines.append("}")
    return "\n".join(lines) + "\n"


def rust_enums(enums: list[EnumSpec]) -> str:
    """``types.rs``: the database's enum types as unit-only Rust enums (variant = label)."""
    lines = [HEADER.rstrip("\n")]
    for enum in enums:
        for value in enum.values:
            if not _VARIANT.match(value) or value in RUST_KEYWORDS:
                raise ModelError(
                    f"enum label {value!r} of {enum.name} cannot be a Rust variant",
                    hint="adopt with --lang python (any label works there)",
                )
        lines.append("")
        if any(not v[:1].isupper() for v in enum.values):
            lines.append("#[allow(non_camel_case_types)]")
        lines.append(f"pub enum {enum.name} {{")
        lines += [f"    {value}," for value in enum.values]
        lines.append("}")
    return "\n".join(lines) + "\n"
