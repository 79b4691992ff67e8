"""A faster ``__init__`` for the frozen dataclasses made by the hundred thousand.

A frozen dataclass sets each field through ``object.__setattr__`` looked up on
every assignment; building 1,000 models makes some 100,000 such objects
(declarations, locations, columns, hints), and their construction alone was a
tenth of an initial generate. :func:`fast_init` swaps in an ``__init__`` with
the same signature that binds ``object.__setattr__`` once. Everything else
(equality, hashing, ``replace``, immutability) is the dataclass's own; a
pickle stores the field values and unpickling calls that ``__init__`` (a frozen
slots dataclass otherwise rebuilds itself through ``__setstate__``, which looks
its fields up again for every object: most of the time of loading a cached
state of 1,000 tables).
"""

from __future__ import annotations

import dataclasses
import operator
from typing import Any, TypeVar

T = TypeVar("T")


def fast_init(cls: type[T]) -> type[T]:
    """Give the frozen dataclass ``cls`` an equivalent, faster ``__init__``.

    Only for plain records: every field in ``__init__``, no ``default_factory``,
    no keyword-only fields, no ``__post_init__`` (anything else is refused at
    import time, so a class never silently loses behaviour)."""
    params = getattr(cls, "__dataclass_params__", None)
    if params is None or not params.frozen:
        raise TypeError(f"{cls.__name__}: fast_init is for frozen dataclasses")
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__}: fast_init does not call __post_init__")
    names: list[str] = []
    arguments: list[str] = []
    namespace: dict[str, Any] = {"_set": object.__setattr__}
    for field in dataclasses.fields(cls):  # type: ignore[arg-type]
        if not field.init or field.kw_only or field.default_factory is not dataclasses.MISSING:
            raise TypeError(f"{cls.__name__}.{field.name}: fast_init takes plain fields only")
        names.append(field.name)
        if field.default is dataclasses.MISSING:
            arguments.append(field.name)
        else:
            namespace[f"_default_{field.name}"] = field.default
            arguments.append(f"{field.name}=_default_{field.name}")
    body = "".join(f"    _set(self, {name!r}, {name})\n" for name in names) or "    pass\n"
    exec(f"def __init__(self, {', '.join(arguments)}):\n{body}", namespace)
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    init.__doc__ = cls.__init__.__doc__
    cls.__init__ = init  # type: ignore[method-assign]
    cls.__reduce_ex__ = _reducer(cls, names)  # type: ignore[method-assign]
    return cls


def _reducer(cls: type, names: list[str]) -> Any:
    """``__reduce_ex__`` for ``cls``: ``cls(*values)`` rebuilds it. A subclass
    (which may add fields) pickles the dataclass's way."""
    values = operator.attrgetter(*names) if len(names) > 1 else None
    default = object.__reduce_ex__

    def __reduce_ex__(self: Any, protocol: Any) -> Any:
        if self.__class__ is not cls:
            return default(self, protocol)
        if values is None:
            return (cls, tuple(getattr(self, name) for name in names))
        return (cls, values(self))

    return __reduce_ex__
