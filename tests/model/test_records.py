"""``fast_init`` (model/records.py) builds exactly what the dataclass's own
``__init__`` builds, for every class that uses it, and refuses classes it
cannot serve faithfully."""

from __future__ import annotations

import dataclasses
import inspect
import pickle
from dataclasses import dataclass, field

import pytest

from buildamp.files import integrity
from buildamp.model import errors, hints, schema
from buildamp.model.records import fast_init
from buildamp.render import step
from buildamp.sources import decl, type_map

FAST = [
    errors.Location,
    schema.Column,
    schema.IndexKey,
    schema.Index,
    schema.Constraint,
    schema.DocumentField,
    schema.Table,
    schema.Enum,
    hints.ColumnHint,
    hints.TableHint,
    decl.TypeRef,
    decl.OptionDecl,
    decl.FieldDecl,
    decl.StructDecl,
    decl.EnumDecl,
    decl.AliasDecl,
    decl.SourceFile,
    type_map.Mapped,
    integrity.Piece,
    step.Step,
]


def test_every_fast_init_record_is_checked_here() -> None:
    """A class given ``fast_init`` anywhere in the model, sources, render or files
    layers is in ``FAST`` (each test above runs over that list)."""
    import importlib
    import pkgutil

    import buildamp

    found = set()
    for package in ("model", "sources", "render", "files"):
        prefix = f"buildamp.{package}."
        path = [f"{buildamp.__path__[0]}/{package}"]
        for info in pkgutil.walk_packages(path, prefix):
            module = importlib.import_module(info.name)
            for value in vars(module).values():
                if (
                    isinstance(value, type)
                    and value.__module__ == info.name
                    and dataclasses.is_dataclass(value)
                    and "__reduce_ex__" in vars(value)  # what fast_init adds
                ):
                    found.add(value)
    assert found and found <= set(FAST), sorted(c.__name__ for c in found - set(FAST))


def _plain_init_signature(cls: type) -> inspect.Signature:
    """The signature the dataclass decorator gives: every field, its default."""
    parameters = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    for f in dataclasses.fields(cls):
        default = inspect.Parameter.empty if f.default is dataclasses.MISSING else f.default
        parameters.append(
            inspect.Parameter(f.name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=default)
        )
    return inspect.Signature(parameters)


@pytest.mark.parametrize("cls", FAST, ids=lambda c: c.__name__)
def test_same_signature_and_defaults_as_the_dataclass(cls: type) -> None:
    signature = inspect.signature(vars(cls)["__init__"])
    expected = _plain_init_signature(cls)
    assert [(p.name, p.default) for p in signature.parameters.values()] == [
        (p.name, p.default) for p in expected.parameters.values()
    ]


@pytest.mark.parametrize("cls", FAST, ids=lambda c: c.__name__)
def test_still_frozen_comparable_and_picklable(cls: type) -> None:
    required = {
        f.name: f"v_{f.name}"
        for f in dataclasses.fields(cls)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    }
    one, two = cls(**required), cls(**required)
    assert one == two and hash(one) == hash(two)
    for f in dataclasses.fields(cls):
        assert getattr(one, f.name) == required.get(f.name, f.default)
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(one, dataclasses.fields(cls)[0].name, "changed")
    assert pickle.loads(pickle.dumps(one, protocol=pickle.HIGHEST_PROTOCOL)) == one
    first = dataclasses.fields(cls)[0].name
    assert getattr(dataclasses.replace(one, **{first: "other"}), first) == "other"


def test_positional_and_keyword_arguments_bind_as_before() -> None:
    column = schema.Column("id", "TEXT", True, default="x", comment="c")
    assert column == schema.Column(
        name="id", type="TEXT", not_null=True, default="x", identity=None, comment="c"
    )
    with pytest.raises(TypeError):
        schema.Column("id")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        schema.Column("id", "TEXT", nope=1)  # type: ignore[call-arg]


def test_refuses_what_it_cannot_build_faithfully() -> None:
    @dataclass
    class Mutable:
        a: int

    @dataclass(frozen=True)
    class Factory:
        a: list[int] = field(default_factory=list)

    @dataclass(frozen=True)
    class PostInit:
        a: int

        def __post_init__(self) -> None:
            pass

    @dataclass(frozen=True)
    class NoInit:
        a: int = field(default=0, init=False)

    for cls in (Mutable, Factory, PostInit, NoInit):
        with pytest.raises(TypeError):
            fast_init(cls)


@dataclass(frozen=True, slots=True)
class Wider(schema.Column):
    """A subclass with a field of its own (pickled by module and name: not local)."""

    extra: str = "x"


def test_pickle_calls_the_constructor_and_a_subclass_keeps_its_own_way() -> None:
    """A pickle of a fast_init record is ``cls(*values)`` (no ``__setstate__``
    walk over the fields: a cached state of 1,000 tables loads ~2x faster); a
    subclass that adds a field still round-trips every field."""
    table = schema.Table("t", (schema.Column("id", "TEXT", True),), source="models/x.rs")
    assert table.__reduce_ex__(pickle.HIGHEST_PROTOCOL) == (
        schema.Table,
        tuple(getattr(table, f.name) for f in dataclasses.fields(schema.Table)),
    )
    assert pickle.loads(pickle.dumps(table, protocol=pickle.HIGHEST_PROTOCOL)) == table
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        assert pickle.loads(pickle.dumps(table, protocol=protocol)) == table

    wide = Wider("id", "TEXT", extra="kept")
    assert pickle.loads(pickle.dumps(wide, protocol=pickle.HIGHEST_PROTOCOL)).extra == "kept"
