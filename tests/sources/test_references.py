"""Declaring references: every spelling gives the same key, and every mistake is a
one-line error at the reference's file:line:column (exit 2 from the CLI)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from buildamp.cli.main import main
from buildamp.files.config import load_config
from buildamp.model.errors import ModelError
from buildamp.model.schema import Constraint, Table
from buildamp.sources.build import BuildSettings, build_models
from buildamp.sources.discover import read_sources

AUTHOR = """
#[derive(BuildAmpDomain)]
pub struct Author {
    pub id: DatabaseId<String>,
    pub name: String,
}
"""


def project(tmp_path: Path, files: dict[str, str]) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "buildamp.toml").write_text('models = ["models"]\n')
    for name, text in files.items():
        path = tmp_path / "models" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def build(root: Path) -> dict[str, Table]:
    models = build_models(read_sources(load_config(root)), BuildSettings(root))
    return {t.name: t for t in models.schema.tables}


def post(field: str) -> str:
    return (
        "#[derive(BuildAmpDomain)]\npub struct Post {\n    pub id: DatabaseId<String>,\n"
        f"    {field}\n}}\n"
    )


def key_of(tables: dict[str, Table]) -> Constraint:
    table = tables["posts"]
    return next(c for c in table.constraints if c.kind == "foreign_key")


def test_rust_python_and_option_spellings_give_one_key(tmp_path: Path) -> None:
    by_type = build(
        project(
            tmp_path / "a",
            {
                "a_domain.rs": AUTHOR
                + post(
                    '#[migration(on_delete = "cascade")]\n    pub author_id: ForeignKey<Author, String>,'
                )
            },
        )
    )
    by_option = build(
        project(
            tmp_path / "b",
            {
                "a_domain.rs": AUTHOR
                + post(
                    '#[migration(references = "authors", on_delete = "cascade")]\n    pub author_id: String,'
                )
            },
        )
    )
    python = build(
        project(
            tmp_path / "c",
            {
                "m.py": (
                    "from __future__ import annotations\n"
                    "from dataclasses import dataclass\nfrom typing import Annotated\n"
                    "from buildamp import domain, migration\n"
                    "from buildamp.types import DatabaseId, ForeignKey\n\n"
                    "@domain\n@dataclass\nclass Author:\n    id: DatabaseId[str]\n    name: str\n\n"
                    "@domain\n@dataclass\nclass Post:\n    id: DatabaseId[str]\n"
                    '    author_id: Annotated[ForeignKey[Author, str], migration(on_delete="cascade")]\n'
                )
            },
        )
    )
    expected = Constraint(
        "fk_posts_author_id",
        "foreign_key",
        ("host", "author_id"),
        None,
        "authors",
        ("host", "id"),
        "cascade",
    )
    assert key_of(by_type) == key_of(by_option) == key_of(python) == expected
    assert [c.columns for c in by_type["authors"].constraints] == [("host", "id")]
    index = by_type["posts"].index("idx_posts_author_id")
    assert index is not None
    assert [k.expression for k in index.keys] == ["host", "author_id"]


def test_existing_index_is_reused(tmp_path: Path) -> None:
    tables = build(
        project(
            tmp_path,
            {
                "a_domain.rs": AUTHOR
                + post("#[migration(index)]\n    pub author_id: ForeignKey<Author, String>,")
            },
        )
    )
    assert [i.name for i in tables["posts"].indexes] == ["idx_posts_author_id"]


@pytest.mark.parametrize(
    ("field", "message", "line"),
    [
        (
            '#[migration(references = "writers")]\n    pub author_id: String,',
            "which is no model or table",
            10,
        ),
        (
            '#[migration(references = "authors.email")]\n    pub author_id: String,',
            "which is no column",
            10,
        ),
        ("pub author_id: ForeignKey<Author, i64>,", "is BIGINT but authors.id is TEXT", 10),
        (
            '#[migration(on_delete = "set null")]\n    pub author_id: ForeignKey<Author, String>,',
            'is NOT NULL, so on_delete = "set null"',
            10,
        ),
        (
            '#[migration(references = "authors.name")]\n    pub author_id: String,',
            "which is not unique",
            10,
        ),
        (
            '#[migration(on_delete = "cascade")]\n    pub author_id: String,',
            "which references nothing",
            10,
        ),
        (
            '#[migration(on_delete = "explode")]\n    pub author_id: ForeignKey<Author, String>,',
            "must be one of",
            10,
        ),
    ],
)
def test_mistakes_are_located_errors(tmp_path: Path, field: str, message: str, line: int) -> None:
    root = project(tmp_path, {"a_domain.rs": AUTHOR + post(field)})
    with pytest.raises(ModelError) as caught:
        build(root)
    assert message in str(caught.value)
    assert str(caught.value).startswith(f"models/a_domain.rs:{line}:")


def test_cli_exit_2_names_both_ends_when_a_referenced_model_is_removed(tmp_path: Path) -> None:
    root = project(tmp_path, {"a_domain.rs": post("pub author_id: ForeignKey<Author, String>,")})
    result = CliRunner().invoke(main, ["--project", str(root), "migrate", "--generate"])
    assert result.exit_code == 2
    assert "posts.author_id references 'Author', which is no model or table" in result.output
    assert "Traceback" not in result.output
    assert not (root / "migrations").exists()


def test_join_table_and_value_types(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        {
            "a_domain.rs": AUTHOR
            + post("pub title: String,")
            + "#[derive(BuildAmpDomain)]\npub struct PostAuthor {\n"
            "    pub post_id: ForeignKey<Post, String>,\n"
            "    pub author_id: ForeignKey<Author, String>,\n    pub created_at: i64,\n}\n"
            "pub struct Address {\n    pub street: String,\n}\n"
        },
    )
    models = build_models(read_sources(load_config(root)), BuildSettings(root))
    join = models.schema.table("post_authors")
    assert join is not None and join.primary_key == ("post_id", "author_id")
    assert [v.split(" ")[0] for v in models.value_types] == ["Address"]
    result = CliRunner().invoke(
        main, ["--project", str(root), "--verbose", "migrate", "--generate", "--dry-run"]
    )
    assert result.exit_code == 0, result.output
    assert "value type (no table): Address" in result.output


def test_tenant_index_does_not_serve_a_plain_key(tmp_path: Path) -> None:
    """A tenant table's index is led by host; a key to a global table needs (col)."""
    tables = build(
        project(
            tmp_path,
            {
                "a_domain.rs": "#[derive(BuildAmpDomain)]\n#[table(tenant = false)]\n"
                "pub struct Country {\n    pub id: DatabaseId<String>,\n}\n"
                + post("#[migration(index)]\n    pub country_id: ForeignKey<Country, String>,")
            },
        )
    )
    keys = {i.name: [k.expression for k in i.keys] for i in tables["posts"].indexes}
    assert keys == {
        "idx_posts_country_id": ["host", "country_id"],
        "idx_posts_country_id_fk": ["country_id"],
    }
