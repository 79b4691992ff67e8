"""JSON text of the schema state, byte for byte what
``json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False)`` writes, only faster."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any


def encode_chunks(chunks: Iterable[tuple[str, str]]) -> Iterator[str]:
    """The value of the state's ``tables`` key from each table's name and JSON
    text (at its depth), given in name order; a piece at a time, not joined: no
    second copy of the state's text, and a table's text is made only when its
    piece is asked for."""
    separator = "{\n    "
    for name, text in chunks:
        yield separator + encode_string(name) + ": "
        yield text
        separator = ",\n    "
    yield "{}" if separator == "{\n    " else "\n  }"


def dumps_json(data: Any) -> str:
    """``json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False)``, same bytes.

    The standard library only uses its C encoder without ``indent``; its pure-Python
    indenting encoder took a third of an incremental generate on 1,000 models."""
    out: list[str] = []
    try:
        encode(data, "\n", out)
    except Unusual:
        return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False)
    return "".join(out)


class Unusual(Exception):
    """A value the fast encoder leaves to :func:`json.dumps`."""


encode_string: Any = json.encoder.encode_basestring
_CONSTANTS = {True: "true", False: "false"}


def encode(value: Any, indent: str, out: list[str]) -> None:
    kind = type(value)
    if kind is str:
        out.append(encode_string(value))
    elif kind is dict:
        if not value:
            out.append("{}")
            return
        inner = indent + "  "
        separator = "{" + inner
        for key in sorted(value):
            if type(key) is not str:
                raise Unusual
            out.append(separator + encode_string(key) + ": ")
            encode(value[key], inner, out)
            separator = "," + inner
        out.append(indent + "}")
    elif kind is list or kind is tuple:
        if not value:
            out.append("[]")
            return
        inner = indent + "  "
        separator = "[" + inner
        for item in value:
            out.append(separator)
            encode(item, inner, out)
            separator = "," + inner
        out.append(indent + "]")
    elif kind is bool:
        out.append(_CONSTANTS[value])
    elif value is None:
        out.append("null")
    elif kind is int:
        out.append(int.__repr__(value))
    else:
        raise Unusual
