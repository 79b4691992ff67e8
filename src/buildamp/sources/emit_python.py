"""Write Python model files (``@domain`` dataclasses) from model specs.

The inverse of :mod:`buildamp.sources.python`: what this writes, the reader
imports back into the same table.
"""

from __future__ import annotations

import ast
import re

from buildamp.sources.emit_model import EnumSpec, ModelSpec

HEADER = '"""Adopted from the live database by `buildamp init --from-database`."""\n'
_TYPES_NAMES = ("DatabaseId", "Generated", "NaiveDateTime", "i16", "i32", "f32")
_STDLIB = {
    "datetime": "from datetime import datetime",
    "date": "from datetime import date",
    "time": "from datetime import time",
    "timedelta": "from datetime import timedelta",
    "Decimal": "from decimal import Decimal",
    "UUID": "from uuid import UUID",
}


def py_string(text: str) -> str:
    """A Python string literal, double-quoted like a formatter would write it."""
    if '"' in text or not text.isprintable():
        return repr(text)
    return '"' + text.replace("\\", "\\\\") + '"'


def _value(value: str | bool | tuple[str, ...]) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(py_string(v) for v in value) + "]"
    if isinstance(value, bool):
        return repr(value)
    return py_string(value)


def _words(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text))


def python_model(spec: ModelSpec, enums_module: str) -> str:
    """One model file; ``enums_module`` is the relative import of the enums file."""
    hints = []
    for field in spec.fields:
        hint = field.python_type
        if field.options:
            inner = ", ".join(f"{k}={_value(v)}" for k, v in field.options)
            hint = f"Annotated[{hint}, migration({inner})]"
        hints.append((field, hint))
    words = set().union(*(_words(h) for _, h in hints)) if hints else set()
    lines = [HEADER.rstrip("\n"), "", "from __future__ import annotations", ""]
    typing_names = [name for name in ("Annotated", "Any") if name in words]
    stdlib = {line for word, line in _STDLIB.items() if word in words}
    stdlib.add("from dataclasses import dataclass")
    if typing_names:
        stdlib.add(f"from typing import {', '.join(typing_names)}")
    lines += sorted(stdlib)
    lines += [
        "",
        "from buildamp import domain, migration"
        if "migration" in words
        else "from buildamp import domain",
    ]
    types = sorted(name for name in _TYPES_NAMES if name in words)
    if types:
        lines.append(f"from buildamp.types import {', '.join(types)}")
    if spec.enums:
        lines.append(f"from {enums_module} import {', '.join(spec.enums)}")
    lines += ["", ""]
    options = []
    for key, value in spec.options:
        options.append(f"{'table' if key == 'name' else key}={_value(value)}")
    if sum(len(o) for o in options) < 60:
        lines.append(f"@domain({', '.join(options)})")
    else:
        lines.append("@domain(")
        for option in options:
            key, _, value = option.partition("=")
            if value.startswith("[") and len(option) > 80:
                items = value[1:-1]
                lines.append(f"    {key}=[")
                lines += [f"        {item}," for item in _split_items(items)]
                lines.append("    ],")
            else:
                lines.append(f"    {option},")
        lines.append(")")
    lines += ["@dataclass", f"class {spec.struct}:"]
    if spec.comment:
        lines.append(f"    {_docstring(spec.comment)}")
        lines.append("")
    for field, hint in hints:
        lines.append(f"    {field.name}: {hint}")
        if field.comment:  # an attribute docstring: the column's comment
            lines.append(f"    {_docstring(field.comment)}")
    if not spec.fields:
        lines.append("    pass")
    return "\n".join(lines) + "\n"


def _split_items(items: str) -> list[str]:
    """``'a', 'b'`` (reprs joined by ", ") back into its items."""
    return [py_string(v) for v in ast.literal_eval(f"[{items}]")]


def _docstring(text: str) -> str:
    """A docstring four spaces in that reads back (cleaned) as ``text``."""
    plain = all(line.isprintable() for line in text.split("\n"))
    if not plain or '"""' in text or text.endswith('"') or "\\" in text:
        return py_string(text)
    if "\n" not in text:
        return f'"""{text}"""'
    lines = text.split("\n")
    rest = "".join(f"\n    {line}".rstrip(" ") for line in lines[1:])
    return f'"""{lines[0]}{rest}\n    """'


def python_enums(enums: list[EnumSpec]) -> str:
    """``enums.py``: the database's enum types as ``str`` enums (value = label)."""
    lines = [HEADER.rstrip("\n"), "", "from __future__ import annotations", "", "import enum"]
    for spec in enums:
        lines += ["", "", f"class {spec.name}(str, enum.Enum):"]
        used: set[str] = set()
        for position, value in enumerate(spec.values):
            member = re.sub(r"\W", "_", value).upper().strip("_") or f"VALUE_{position}"
            if member[0].isdigit() or member in used:
                member = f"VALUE_{position}"
            used.add(member)
            lines.append(f"    {member} = {py_string(value)}")
    return "\n".join(lines) + "\n"
