"""Python type hints -> :class:`TypeRef` spelled with the Rust names.

The shared builder maps types by Rust name (``String``, ``i64``, ``Option``), so
translating here is all it takes for a Python model and its Rust twin to give
the same columns. Classes met on the way (nested models, enums) are reported
back so the reader can declare them too.
"""

from __future__ import annotations

import ast
import collections
import collections.abc as abc
import dataclasses
import datetime
import decimal
import enum
import ipaddress
import sys
import types
import typing
import uuid
from collections.abc import Callable
from typing import Annotated, Any, Final, Literal, Union, cast

from buildamp.markers import Migration
from buildamp.model.errors import Location, ModelError
from buildamp.sources.decl import OptionValue, TypeRef
from buildamp.types import TypeName

_MAX_DEPTH = 64
VALUE = TypeRef("Value")  # serde_json::Value: any JSON

SCALARS: dict[object, TypeRef] = {
    str: TypeRef("String"),
    int: TypeRef("i64"),
    float: TypeRef("f64"),
    bool: TypeRef("bool"),
    bytes: TypeRef("Vec", (TypeRef("u8"),)),
    bytearray: TypeRef("Vec", (TypeRef("u8"),)),
    decimal.Decimal: TypeRef("Decimal"),
    uuid.UUID: TypeRef("Uuid"),
    datetime.datetime: TypeRef("DateTime", (TypeRef("Utc"),)),
    datetime.date: TypeRef("NaiveDate"),
    datetime.time: TypeRef("NaiveTime"),
    datetime.timedelta: TypeRef("Duration"),
    ipaddress.IPv4Address: TypeRef("IpAddr"),
    ipaddress.IPv6Address: TypeRef("IpAddr"),
    Any: VALUE,
    object: VALUE,
}
_CONTAINERS: dict[str, tuple[object, ...]] = {
    "Vec": (list, collections.deque, abc.Sequence, abc.MutableSequence, abc.Iterable),
    "HashMap": (
        dict,
        collections.OrderedDict,
        collections.defaultdict,
        abc.Mapping,
        abc.MutableMapping,
    ),
    "HashSet": (set, frozenset, abc.Set, abc.MutableSet),
}


def is_pydantic(cls: object) -> bool:
    """A Pydantic v2 model, checked without importing Pydantic ourselves."""
    pydantic = sys.modules.get("pydantic")
    base = getattr(pydantic, "BaseModel", None)
    return isinstance(cls, type) and base is not None and issubclass(cls, base)


def is_model_class(cls: object) -> bool:
    return isinstance(cls, type) and (dataclasses.is_dataclass(cls) or is_pydantic(cls))


def enum_values(cls: type[enum.Enum]) -> tuple[str, ...]:
    """Member values when they are all strings (``StrEnum``), else member names."""
    members = list(cls)
    if members and all(isinstance(m.value, str) for m in members):
        return tuple(str(m.value) for m in members)
    return tuple(m.name for m in members)


def camel(name: str) -> str:
    """``display_name`` -> ``DisplayName``."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


class HintReader:
    """Translates the hints of one field; ``on_class`` hears of every model/enum class."""

    def __init__(
        self,
        on_class: Callable[[type], None],
        on_literal: Callable[[str, tuple[str, ...], Location], None],
    ) -> None:
        self.on_class = on_class
        self.on_literal = on_literal

    def field(
        self, hint: object, model: str, field: str, where: Location
    ) -> tuple[TypeRef, list[Migration]]:
        """The field's type and the ``migration(...)`` markers found at field level."""
        markers: list[Migration] = []
        state = _Field(model, field, where, markers)
        return self._convert(hint, state, top=True, lenient=False, depth=0), markers

    def _error(self, state: _Field, message: str, hint: str = "") -> ModelError:
        return ModelError(f"{message} in field {state.model}.{state.field}", state.where, hint)

    def _convert(
        self, hint: object, state: _Field, top: bool, lenient: bool, depth: int
    ) -> TypeRef:
        """``top``: still at field level (markers allowed); ``lenient``: inside JSON."""
        if depth > _MAX_DEPTH:
            raise self._error(state, "type hint nested too deeply")
        origin, args = typing.get_origin(hint), typing.get_args(hint)
        again = depth + 1
        if origin is Annotated:
            base: object = getattr(hint, "__origin__")  # noqa: B009 - typing internals, untyped
            ref = self._convert(base, state, top, lenient, again)
            return self._annotated(ref, getattr(hint, "__metadata__", ()), state, top)
        if isinstance(hint, typing.NewType):
            return self._convert(hint.__supertype__, state, top, lenient, again)
        if type(hint).__name__ == "TypeAliasType" and hasattr(hint, "__value__"):
            return self._convert(hint.__value__, state, top, lenient, again)
        if origin is Final or origin is typing.ClassVar:
            return self._convert(args[0] if args else Any, state, top, lenient, again)
        if origin is Union or origin is types.UnionType:
            return self._union(args, state, top, lenient, again)
        if origin is Literal:
            return self._literal(args, state, lenient)
        scalar = _scalar(hint)
        if scalar is not None and not args:
            return scalar
        if isinstance(hint, type) and issubclass(hint, enum.Enum):
            self.on_class(hint)
            return TypeRef(hint.__name__)
        if is_model_class(hint):
            assert isinstance(hint, type)
            self.on_class(hint)
            return TypeRef(hint.__name__)
        container = self._container(hint, origin, args, state, again)
        if container is not None:
            return container
        if lenient:
            return VALUE
        if isinstance(hint, typing.TypeVar | typing.ForwardRef | str):
            raise self._error(state, f"unresolved type {hint!r}", "define or import it")
        if isinstance(hint, type) and origin is None:
            return TypeRef(hint.__name__)  # the builder reports it as an unknown type
        raise self._error(
            state,
            f"unsupported type hint {hint!r}",
            "use str, int, float, bool, a model, an Enum, list/dict, X | None "
            'or Annotated[..., migration(sql_type="...")]',
        )

    def _annotated(
        self, ref: TypeRef, metadata: tuple[object, ...], state: _Field, top: bool
    ) -> TypeRef:
        for item in metadata:
            if isinstance(item, Migration):
                if not top:
                    raise self._error(
                        state,
                        "migration(...) must annotate the field's own type",
                        "write Annotated[list[str], migration(...)], not list[Annotated[...]]",
                    )
                state.markers.append(item)
            elif isinstance(item, TypeName):
                if item.model:
                    ref = TypeRef(item.name, (TypeRef(item.model), ref))
                else:
                    ref = TypeRef(item.name, (ref,)) if item.wraps else TypeRef(item.name)
        return ref

    def _union(
        self, args: tuple[object, ...], state: _Field, top: bool, lenient: bool, depth: int
    ) -> TypeRef:
        members = [a for a in args if a is not type(None)]
        if len(members) == 1:
            inner = self._convert(members[0], state, top, lenient, depth)
            return TypeRef("Option", (inner,)) if len(args) > 1 else inner
        if lenient:
            return VALUE
        raise self._error(
            state,
            f"union of several types {' | '.join(_name(m) for m in members)}",
            "use one type (X | None is fine), or dict/Any for free-form JSON",
        )

    def _literal(self, values: tuple[object, ...], state: _Field, lenient: bool) -> TypeRef:
        if not values or not all(isinstance(v, str) for v in values):
            if lenient:
                return VALUE
            raise self._error(state, "Literal[...] values must be strings (enum labels)")
        name = state.model + camel(state.field)
        self.on_literal(name, tuple(str(v) for v in values), state.where)
        return TypeRef(name)

    def _container(
        self,
        hint: object,
        origin: object,
        args: tuple[object, ...],
        state: _Field,
        depth: int,
    ) -> TypeRef | None:
        """JSON containers; arguments are kept for fidelity (``list[u8]`` is bytes in Rust)."""
        kind = origin if origin is not None else hint
        if kind is tuple:
            if len(args) == 2 and args[1] is Ellipsis:
                return TypeRef("Vec", (self._convert(args[0], state, False, True, depth),))
            parts = args if args != ((),) else ()
            return TypeRef("()", tuple(self._convert(a, state, False, True, depth) for a in parts))
        for name, kinds in _CONTAINERS.items():
            if any(kind is k for k in kinds):
                inner = tuple(self._convert(a, state, False, True, depth) for a in args)
                return TypeRef(name, inner)
        return None


@dataclasses.dataclass
class _Field:
    model: str
    field: str
    where: Location
    markers: list[Migration]


def _scalar(hint: object) -> TypeRef | None:
    """``SCALARS[hint]`` that tolerates unhashable hints (odd ``Annotated`` metadata)."""
    try:
        return SCALARS.get(hint)
    except TypeError:
        return None


def _name(hint: object) -> str:
    return getattr(hint, "__name__", None) or repr(hint)


def option_value(value: object) -> OptionValue:
    """Lists become tuples; anything else goes through as given for the builder to judge."""
    if isinstance(value, list | tuple):
        return tuple(value)
    if isinstance(value, set | frozenset):
        return tuple(sorted(value, key=str))
    return cast(OptionValue, value)


def called_name(call: ast.Call) -> str:
    """``migration`` for ``migration(...)`` and ``buildamp.migration(...)``."""
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""
