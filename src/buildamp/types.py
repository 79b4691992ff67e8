"""Type hints for Python models that have no builtin Python spelling.

Each is ``Annotated[<python type>, TypeName(...)]``: type checkers and Pydantic see
the plain Python type (``i32`` is an ``int``, ``DatabaseId[str]`` is a ``str``),
while the BuildAmp reader sees the Rust type name, so both languages share one
type mapping. Importing this module has no side effects.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, TypeAlias, TypeVar

T = TypeVar("T")

__all__ = [
    "AutoIncrement",
    "CreateTimestamp",
    "DatabaseId",
    "DefaultComment",
    "DefaultEmpty",
    "DefaultValue",
    "ForeignKey",
    "Generated",
    "Host",
    "JsonBlob",
    "Link",
    "MultiTenant",
    "NaiveDateTime",
    "RichContent",
    "SoftDelete",
    "Timestamp",
    "TypeName",
    "UpdateTimestamp",
    "f32",
    "f64",
    "i8",
    "i16",
    "i32",
    "i64",
    "i128",
    "u8",
    "u16",
    "u32",
    "u64",
    "u128",
]


@dataclass(frozen=True)
class TypeName:
    """``Annotated`` metadata naming the Rust type a hint stands for.

    ``wraps=False`` replaces the hinted type (``i32``); ``wraps=True`` wraps it
    (``DatabaseId[str]`` is ``DatabaseId<String>``).
    """

    name: str
    wraps: bool = False
    model: str = ""  # ForeignKey: the referenced model's class name


i8: TypeAlias = Annotated[int, TypeName("i8")]
i16: TypeAlias = Annotated[int, TypeName("i16")]
i32: TypeAlias = Annotated[int, TypeName("i32")]
i64: TypeAlias = Annotated[int, TypeName("i64")]
i128: TypeAlias = Annotated[int, TypeName("i128")]
u8: TypeAlias = Annotated[int, TypeName("u8")]
u16: TypeAlias = Annotated[int, TypeName("u16")]
u32: TypeAlias = Annotated[int, TypeName("u32")]
u64: TypeAlias = Annotated[int, TypeName("u64")]
u128: TypeAlias = Annotated[int, TypeName("u128")]
f32: TypeAlias = Annotated[float, TypeName("f32")]
f64: TypeAlias = Annotated[float, TypeName("f64")]

NaiveDateTime: TypeAlias = Annotated[datetime, TypeName("NaiveDateTime")]
"""A ``datetime`` without time zone: ``TIMESTAMP`` (plain ``datetime`` is ``TIMESTAMPTZ``)."""

DatabaseId: TypeAlias = Annotated[T, TypeName("DatabaseId", wraps=True)]
"""Primary key column of type ``T``."""
Generated: TypeAlias = Annotated[T, TypeName("Generated", wraps=True)]
"""Identity for integers, ``gen_random_uuid()`` for strings and UUIDs."""
AutoIncrement: TypeAlias = Annotated[T, TypeName("AutoIncrement", wraps=True)]
"""Same as :data:`Generated`."""
DefaultValue: TypeAlias = Annotated[T, TypeName("DefaultValue", wraps=True)]
"""``T`` with ``DEFAULT ''``."""
JsonBlob: TypeAlias = Annotated[T, TypeName("JsonBlob", wraps=True)]
"""``JSONB NOT NULL`` holding a ``T``."""
Link: TypeAlias = Annotated[T, TypeName("Link", wraps=True)]
"""A reference stored as ``T``."""
Timestamp: TypeAlias = Annotated[int, TypeName("Timestamp")]
"""``BIGINT`` epoch seconds defaulting to now."""
DefaultComment: TypeAlias = Annotated[str, TypeName("DefaultComment")]
"""``TEXT DEFAULT ''``."""
DefaultEmpty: TypeAlias = Annotated[str, TypeName("DefaultEmpty")]
"""``TEXT DEFAULT ''``."""
RichContent: TypeAlias = Annotated[Any, TypeName("RichContent")]
"""Structured rich text, stored as ``JSONB``."""


class ForeignKey:
    """``ForeignKey[Author, str]``: a ``str`` column referencing model ``Author``
    (its table's id), as Rust's ``ForeignKey<Author, String>``. At run time it is
    ``Annotated[str, TypeName("ForeignKey", model="Author")]``, so Pydantic and
    dataclasses see a plain ``str``. ``Author`` may be a class or its name."""

    def __class_getitem__(cls, params: tuple[Any, Any]) -> Any:
        if not isinstance(params, tuple) or len(params) != 2:
            raise TypeError("ForeignKey takes two arguments: ForeignKey[Model, type]")
        model, value_type = params
        name = model if isinstance(model, str) else getattr(model, "__name__", str(model))
        return Annotated[value_type, TypeName("ForeignKey", wraps=True, model=name)]


# BuildAmp's Interface.Schema vocabulary (the same names in Rust and Elm models).
MultiTenant: TypeAlias = Annotated[str, TypeName("MultiTenant")]
"""The tenant column: stored as ``host TEXT NOT NULL`` whatever the field is called."""
Host: TypeAlias = Annotated[str, TypeName("Host")]
"""Same as :data:`MultiTenant`."""
CreateTimestamp: TypeAlias = Annotated[datetime, TypeName("CreateTimestamp")]
"""``TIMESTAMPTZ NOT NULL DEFAULT now()``."""
UpdateTimestamp: TypeAlias = Annotated[datetime | None, TypeName("UpdateTimestamp")]
"""``TIMESTAMPTZ``, nullable, kept current by the ``updated_at`` trigger."""
SoftDelete: TypeAlias = Annotated[int | None, TypeName("SoftDelete")]
"""``BIGINT`` nullable deletion time; unique constraints become ``WHERE ... IS NULL``."""
