"""Python model reader: discovery by import, type mapping, options, locations, errors."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from buildamp.files.config import Config
from buildamp.model.errors import Location, ModelError
from buildamp.sources.build import BuildSettings, build_models
from buildamp.sources.decl import EnumDecl, OptionDecl, SourceFile, StructDecl, TypeRef
from buildamp.sources.discover import model_files, read_sources
from buildamp.sources.python import read_python_files

T = TypeRef
SRC = str(Path(__file__).resolve().parents[2] / "src")
IMPORTS = """\
import enum
from dataclasses import dataclass
from typing import Annotated, Any, Literal, NewType, Optional

from buildamp import domain, migration
from buildamp.types import *
"""


def write(project: Path, files: dict[str, str], header: str = IMPORTS) -> None:
    for name, body in files.items():
        path = project / "models" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(header + textwrap.dedent(body), encoding="utf-8")


def read(project: Path, files: dict[str, str], header: str = IMPORTS) -> list[SourceFile]:
    write(project, files, header)
    config = Config(project_dir=project)
    return read_python_files(model_files(config), config)


def error_of(project: Path, files: dict[str, str], header: str = IMPORTS) -> ModelError:
    with pytest.raises(ModelError) as info:
        sources = read(project, files, header)
        build_models(sources, BuildSettings(project))
    return info.value


def struct(sources: list[SourceFile], name: str) -> StructDecl:
    return next(s for f in sources for s in f.structs if s.name == name)


def enum_decl(sources: list[SourceFile], name: str) -> EnumDecl:
    return next(e for f in sources for e in f.enums if e.name == name)


def types_of(decl: StructDecl) -> dict[str, TypeRef]:
    return {f.name: f.type for f in decl.fields}


def test_dataclass_model_with_options_and_locations(tmp_path: Path) -> None:
    sources = read(
        tmp_path,
        {
            "users.py": """
            @domain(table="users", indexes=["email"], custom_sql="x.sql")
            @dataclass
            class User:
                id: str
                email: Annotated[str, migration(index=True, default="''")]
            """
        },
    )
    (source,) = sources
    assert source.path == "models/users.py"
    user = struct(sources, "User")
    assert user.is_domain
    assert user.location == Location("models/users.py", 10, 7)
    assert user.options == (
        OptionDecl("name", "users", Location("models/users.py", 8, 9), "table"),
        OptionDecl("indexes", ("email",), Location("models/users.py", 8, 24), "table"),
        OptionDecl("custom_sql", "x.sql", Location("models/users.py", 8, 43), "migration"),
    )
    email = user.fields[1]
    assert email.location == Location("models/users.py", 12, 5)
    assert [(o.key, o.value, o.attribute) for o in email.options] == [
        ("index", True, "migration"),
        ("default", "''", "migration"),
    ]
    assert email.options[0].location == Location("models/users.py", 12, 37)


def test_pydantic_model_and_postponed_annotations(tmp_path: Path) -> None:
    header = "from __future__ import annotations\nfrom pydantic import BaseModel\n" + IMPORTS
    sources = read(
        tmp_path,
        {
            "m.py": """
            @domain
            class Post(BaseModel):
                id: DatabaseId[Generated[i64]]
                title: Annotated[str, migration(unique="global")] = ""
                body: Optional[str] = None
            """
        },
        header,
    )
    post = struct(sources, "Post")
    assert types_of(post) == {
        "id": T("DatabaseId", (T("Generated", (T("i64"),)),)),
        "title": T("String"),
        "body": T("Option", (T("String"),)),
    }
    # markers evaluated from string annotations still point at the `key=` in the file
    assert post.fields[1].options[0].location == Location("models/m.py", 13, 37)


def test_type_mapping(tmp_path: Path) -> None:
    header = "import datetime as dt, decimal, uuid\nfrom typing import TypeAlias\n" + IMPORTS
    sources = read(
        tmp_path,
        {
            "t.py": """
            UserId = NewType("UserId", str)
            Cents: TypeAlias = u32

            @dataclass
            class Inner:
                x: int

            class Color(enum.IntEnum):
                RED = 1
                GREEN = 2

            @domain
            @dataclass
            class Everything:
                id: UserId
                a: float
                b: bool
                c: bytes
                d: decimal.Decimal
                e: uuid.UUID
                f: dt.date
                g: dt.datetime
                h: int | None
                i: list[str]
                j: dict[str, Any]
                k: set[int]
                l: tuple[int, str]
                m: Any
                n: Inner
                o: Color
                p: Literal["on", "off"]
                q: Cents
                r: Timestamp
                s: NaiveDateTime
                t: Optional[list[Inner]]
            """
        },
        header,
    )
    everything = struct(sources, "Everything")
    assert types_of(everything) == {
        "id": T("String"),
        "a": T("f64"),
        "b": T("bool"),
        "c": T("Vec", (T("u8"),)),
        "d": T("Decimal"),
        "e": T("Uuid"),
        "f": T("NaiveDate"),
        "g": T("DateTime", (T("Utc"),)),
        "h": T("Option", (T("i64"),)),
        "i": T("Vec", (T("String"),)),
        "j": T("HashMap", (T("String"), T("Value"))),
        "k": T("HashSet", (T("i64"),)),
        "l": T("()", (T("i64"), T("String"))),
        "m": T("Value"),
        "n": T("Inner"),
        "o": T("Color"),
        "p": T("EverythingP"),
        "q": T("u32"),
        "r": T("Timestamp"),
        "s": T("NaiveDateTime"),
        "t": T("Option", (T("Vec", (T("Inner"),)),)),
    }
    inner = struct(sources, "Inner")
    assert not inner.is_domain and types_of(inner) == {"x": T("i64")}
    assert enum_decl(sources, "Color").variants == ("RED", "GREEN")  # non-string values: names
    literal = enum_decl(sources, "EverythingP")
    assert literal.variants == ("on", "off") and literal.unit_only
    schema = build_models(sources, BuildSettings(tmp_path)).schema
    assert [e.name for e in schema.enums] == ["color", "everything_p"]


def test_literal_enum_named_after_model_and_field(tmp_path: Path) -> None:
    sources = read(
        tmp_path,
        {
            "u.py": """
            @domain
            @dataclass
            class User:
                id: str
                account_status: Literal["active", "banned"]
            """
        },
    )
    assert types_of(struct(sources, "User"))["account_status"] == T("UserAccountStatus")
    assert enum_decl(sources, "UserAccountStatus").variants == ("active", "banned")


def test_value_types_from_sibling_and_relative_imports(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "shared/__init__.py": "",
            "shared/address.py": """
        @dataclass
        class Address:
            street: str
        """,
        },
    )
    sources = read(
        tmp_path,
        {
            "a.py": """
            from models.shared.address import Address

            @domain
            @dataclass
            class Shop:
                id: str
                address: Address
            """,
            "b.py": """
            from .shared.address import Address

            @domain
            @dataclass
            class Home:
                id: str
                address: Optional[Address]
            """,
        },
    )
    addresses = [s for f in sources for s in f.structs if s.name == "Address"]
    assert len(addresses) == 1  # the same class, declared once, in its own file
    assert addresses[0].location.file == "models/shared/address.py"
    schema = build_models(sources, BuildSettings(tmp_path)).schema
    assert {t.name: t.column("address").type for t in schema.tables} == {  # type: ignore[union-attr]
        "homes": "JSONB",
        "shops": "JSONB",
    }


def test_import_is_isolated(tmp_path: Path) -> None:
    before_path, before_modules = list(sys.path), set(sys.modules)
    read(tmp_path, {"x.py": "@domain\n@dataclass\nclass X:\n    id: str\n"})
    assert sys.path == before_path
    assert not {m for m in set(sys.modules) - before_modules if "models" in m}
    assert not list(tmp_path.rglob("__pycache__"))
    # a changed file is read afresh
    sources = read(tmp_path, {"x.py": "@domain\n@dataclass\nclass X:\n    id: int\n"})
    assert types_of(struct(sources, "X")) == {"id": T("i64")}


def test_unknown_option_is_reported_by_the_builder_with_its_line(tmp_path: Path) -> None:
    error = error_of(
        tmp_path,
        {
            "x.py": """
            @domain(colour="red")
            @dataclass
            class X:
                id: Annotated[str, migration(idnex=True)]
            """
        },
    )
    assert error.location == Location("models/x.py", 8, 9)
    assert "unknown option 'colour'" in error.message
    error = error_of(
        tmp_path,
        {
            "x.py": """
        @domain
        @dataclass
        class X:
            id: Annotated[str, migration(idnex=True)]
        """
        },
    )
    assert error.location == Location("models/x.py", 11, 34)
    assert "unknown option 'idnex'" in error.message and "index" in error.hint


def test_wrong_option_value_type(tmp_path: Path) -> None:
    error = error_of(
        tmp_path,
        {
            "x.py": """
        @domain(tenant="yes")
        @dataclass
        class X:
            id: str
        """
        },
    )
    assert error.location == Location("models/x.py", 8, 9)
    assert "must be true or false" in error.message


def test_unknown_type_points_at_the_field(tmp_path: Path) -> None:
    error = error_of(
        tmp_path,
        {
            "x.py": """
        class Opaque:
            pass

        @domain
        @dataclass
        class X:
            id: str
            blob: Opaque
        """
        },
    )
    assert error.location == Location("models/x.py", 15, 5)
    assert "unknown type Opaque in field 'blob'" in error.message


@pytest.mark.parametrize(
    ("body", "message", "line"),
    [
        ("x = (\n", "Python syntax error", 7),
        ("import no_such_module_anywhere\n", "ModuleNotFoundError", 7),
        ("def boom():\n    raise RuntimeError('db down')\n\nboom()\n", "db down", 8),
        ("import sys\nsys.exit(3)\n", "SystemExit", 8),
    ],
)
def test_import_errors_name_the_model_line(
    tmp_path: Path, body: str, message: str, line: int
) -> None:
    error = error_of(tmp_path, {"bad.py": body})
    assert error.location is not None
    assert (error.location.file, error.location.line) == ("models/bad.py", line)
    assert message in error.message
    assert error.exit_code == 2


def test_error_in_an_imported_sibling_points_at_the_sibling(tmp_path: Path) -> None:
    write(tmp_path, {"helper.py": "\n\nVALUE = 1 / 0\n"}, header="")
    error = error_of(tmp_path, {"main.py": "from .helper import VALUE\n"})
    assert error.location == Location("models/helper.py", 3)
    assert "ZeroDivisionError" in error.message


@pytest.mark.parametrize(
    ("hint", "message"),
    [
        ("list[Annotated[str, migration(index=True)]]", "must annotate the field's own type"),
        ("int | str", "union of several types"),
        ('"Missing"', "cannot resolve the type hints of X"),
        ("Literal[1, 2]", "Literal[...] values must be strings"),
    ],
)
def test_unsupported_hints(tmp_path: Path, hint: str, message: str) -> None:
    error = error_of(
        tmp_path,
        {
            "x.py": f"""
        @domain
        @dataclass
        class X:
            id: str
            f: {hint}
        """
        },
    )
    assert message in error.message
    assert error.location == Location("models/x.py", 12, 5)


def test_domain_needs_a_dataclass_or_pydantic_model(tmp_path: Path) -> None:
    error = error_of(
        tmp_path,
        {
            "x.py": """
        @domain
        class X:
            id: str
        """
        },
    )
    assert error.location == Location("models/x.py", 9, 7)
    assert "must be a dataclass or a Pydantic model" in error.message


def test_rust_and_python_defining_one_table_is_an_error(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "users.py": """
        @domain(table="users")
        @dataclass
        class User:
            id: str
        """
        },
    )
    (tmp_path / "models" / "users_domain.rs").write_text("pub struct User { pub id: String }\n")
    config = Config(project_dir=tmp_path)
    with pytest.raises(ModelError) as info:
        build_models(read_sources(config), BuildSettings(tmp_path))
    assert "two models map to table 'users'" in info.value.message


def test_mixed_rust_and_python_project(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "posts.py": """
        @domain
        @dataclass
        class Post:
            id: str
        """
        },
    )
    (tmp_path / "models" / "users_domain.rs").write_text("pub struct User { pub id: String }\n")
    schema = build_models(read_sources(Config(project_dir=tmp_path)), BuildSettings(tmp_path))
    assert [t.name for t in schema.schema.tables] == ["posts", "users"]


def _run(code: str, cwd: Path) -> str:
    env = {**os.environ, "PYTHONPATH": SRC}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def test_import_buildamp_is_cheap_and_exposes_markers(tmp_path: Path) -> None:
    code = (
        "import sys, buildamp\n"
        "print('buildamp.markers' in sys.modules, buildamp.__version__)\n"
        "print(buildamp.domain is __import__('buildamp.markers').markers.domain)\n"
    )
    assert _run(code, tmp_path).split() == ["False", "0.1.0", "True"]


def test_works_without_pydantic(tmp_path: Path) -> None:
    write(tmp_path, {"x.py": "@domain\n@dataclass\nclass X:\n    id: str\n"})
    code = (
        "import sys; sys.modules['pydantic'] = None\n"
        "from pathlib import Path\n"
        "from buildamp.files.config import Config\n"
        "from buildamp.sources.discover import read_sources\n"
        "print([s.name for f in read_sources(Config(Path('.'))) for s in f.structs])\n"
    )
    assert _run(code, tmp_path) == "['X']"


def test_option_errors_use_python_spelling(tmp_path: Path) -> None:
    def build_error(source: str) -> str:
        project = tmp_path / str(abs(hash(source)))
        sources = read(project, {"m.py": source})
        with pytest.raises(ModelError) as failure:
            build_models(sources, BuildSettings(project))
        return str(failure.value)

    field_error = build_error(
        "@domain\n@dataclass\nclass A:\n    id: str\n    x: Annotated[str, migration(indexx=True)]\n"
    )
    assert "unknown option 'indexx' in migration(...)" in field_error and "m.py:" in field_error
    table_error = build_error("@domain(colour='red')\n@dataclass\nclass B:\n    id: str\n")
    assert "in @domain(...)" in table_error
    assert "custom_sql" in table_error and "table" in table_error.split("allowed:")[1]
