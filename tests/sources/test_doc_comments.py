"""Doc comments are table and column comments: Rust ``///`` (and ``/** */``) on
a struct or field, a Python class docstring and attribute docstrings (the string
right after a field). Plain comments (``//``, ``////``, ``#``) are not, and a
dataclass without a docstring has none (``@dataclass`` fills ``__doc__``)."""

from __future__ import annotations

from pathlib import Path

from buildamp.files.config import Config
from buildamp.model.schema import Schema, clean_comment
from buildamp.sources.build import BuildSettings, build_models
from buildamp.sources.discover import read_sources

RUST = """
// Not documentation.
/// People who sign in.
///
/// Example:
///     indented, kept.
#[derive(BuildAmpDomain)]
#[table(tenant = false, timestamps = false)]
pub struct User {
    pub id: DatabaseId<i64>,
    /// Login address.
    #[migration(unique = true)]
    pub email: String,
    //// Four slashes: a plain comment.
    pub name: Option<String>,
    // A plain comment.
    pub bio: Option<String>,
    /** Block doc. */
    pub age: Option<i32>,
}
"""

PYTHON = '''
from dataclasses import dataclass
from typing import Annotated

from buildamp import domain, migration
from buildamp.types import DatabaseId


@domain(tenant=False, timestamps=False)
@dataclass
class User:
    """People who sign in.

    Example:
        indented, kept.
    """

    id: DatabaseId[int]
    email: Annotated[str, migration(unique=True)]
    """Login address."""
    # A plain comment: not the next field's.
    name: str | None
    bio: str | None
    age: Annotated[int | None, migration(sql_type="INTEGER")]
    "Block doc."


@domain(tenant=False, timestamps=False)
@dataclass
class Plain:
    id: DatabaseId[int]
'''


def build(tmp_path: Path, name: str, text: str) -> Schema:
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / name).write_text(text, encoding="utf-8")
    config = Config(project_dir=tmp_path)
    return build_models(read_sources(config), BuildSettings(tmp_path)).schema


def comments(schema: Schema, table: str) -> tuple[str | None, dict[str, str | None]]:
    found = schema.table(table)
    assert found is not None
    return found.comment, {c.name: c.comment for c in found.columns}


EXPECTED = (
    "People who sign in.\n\nExample:\n    indented, kept.",
    {"id": None, "email": "Login address.", "name": None, "bio": None, "age": "Block doc."},
)


def test_rust_doc_comments(tmp_path: Path) -> None:
    assert comments(build(tmp_path, "users_domain.rs", RUST), "users") == EXPECTED


def test_python_docstrings(tmp_path: Path) -> None:
    schema = build(tmp_path, "users.py", PYTHON)
    assert comments(schema, "users") == EXPECTED
    assert comments(schema, "plains") == (None, {"id": None})


def test_one_comparable_form() -> None:
    """A catalog comment and a doc comment normalise alike."""
    assert clean_comment("  Padded  \r\n  second   \n\n") == "Padded\nsecond"
    assert clean_comment("   \n  ") is None and clean_comment("") is None
    assert clean_comment(None) is None
    once = clean_comment("a\n    b\n      c")
    assert once == "a\nb\n  c" and clean_comment(once) == once
