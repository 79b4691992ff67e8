"""References change over time: add, drop, retarget, change on_delete, follow a
renamed table or column, change type on both ends. Each step is generated,
applied on PostgreSQL (catalog == snapshot), rolled back (catalog == previous)
and applied again."""

from __future__ import annotations

from pathlib import Path

import pytest

from buildamp.cli.generate import generate
from buildamp.files.config import load_config
from buildamp.files.snapshot import read_snapshot
from buildamp.model.errors import ModelError
from buildamp.model.schema import Schema
from buildamp.plan import ops as o
from buildamp.plan.replay import replay_comparable as unordered
from buildamp.run.comparable import comparable
from tests.helpers import apply_sql, catalog_of

AUTHOR = """
#[derive(BuildAmpDomain)]
#[table(tenant = TENANT)]
pub struct Author {
    pub id: DatabaseId<String>,
}

#[derive(BuildAmpDomain)]
#[table(tenant = TENANT)]
pub struct Editor {
    pub id: DatabaseId<String>,
}
"""


def post(*fields: str, tenant: str = "true") -> str:
    body = "\n".join(f"    {f}" for f in fields)
    return (
        AUTHOR.replace("TENANT", tenant)
        + f"#[derive(BuildAmpDomain)]\n#[table(tenant = {tenant})]\npub struct Post {{\n"
        f"    pub id: DatabaseId<String>,\n{body}\n}}\n"
    )


def run_steps(root: Path, url: str, steps: list[str]) -> list[list[o.Operation]]:
    """Generate and prove each step; the operations of each."""
    (root / "buildamp.toml").write_text('models = ["models"]\n')
    (root / "models").mkdir(exist_ok=True)
    previous = comparable(Schema())
    planned = []
    for text in steps:
        (root / "models" / "blog_domain.rs").write_text(text)
        result = generate(load_config(root), allow_destructive=True)
        assert result.up_path is not None and result.down_path is not None, text
        planned.append(result.operations)
        expected = comparable(read_snapshot(root / ".buildamp" / "schema_state.json", "s").schema)
        # unordered: an online (default) type change swaps in a new column, appended
        apply_sql(url, result.up_path.read_text())
        assert unordered(catalog_of(url)) == unordered(expected)
        apply_sql(url, result.down_path.read_text())
        assert unordered(catalog_of(url)) == unordered(previous)
        apply_sql(url, result.up_path.read_text())
        assert unordered(catalog_of(url)) == unordered(expected)
        previous = expected
    return planned


def keys(operations: list[o.Operation]) -> list[str]:
    return [
        f"{type(op).__name__}:{op.constraint.name}"
        for op in operations
        if isinstance(op, o.AddConstraint | o.DropConstraint)
        and op.constraint.kind == "foreign_key"
    ]


@pytest.mark.parametrize("tenant", ["true", "false"])
def test_add_change_retarget_nullable_drop(tmp_path: Path, pg_url: str, tenant: str) -> None:
    planned = run_steps(
        tmp_path,
        pg_url,
        [
            post("pub title: String,", tenant=tenant),
            post(
                "pub title: String,",
                "pub author_id: Option<ForeignKey<Author, String>>,",
                tenant=tenant,
            ),
            post(
                "pub title: String,",
                '#[migration(on_delete = "set null")]',
                "pub author_id: Option<ForeignKey<Author, String>>,",
                tenant=tenant,
            ),
            post(
                "pub title: String,",
                '#[migration(references = "editors", on_delete = "cascade")]',
                "pub author_id: Option<String>,",
                tenant=tenant,
            ),
            post(
                "pub title: String,",
                # nullable -> NOT NULL needs a value for NULL rows (issue 15 item 6)
                '#[migration(references = "editors", on_delete = "cascade", backfill = "\'editor-1\'")]',
                "pub author_id: String,",
                tenant=tenant,
            ),
            post("pub title: String,", "pub author_id: String,", tenant=tenant),
        ],
    )
    assert keys(planned[1]) == ["AddConstraint:fk_posts_author_id"]
    assert (
        keys(planned[2])
        == keys(planned[3])
        == [
            "DropConstraint:fk_posts_author_id",
            "AddConstraint:fk_posts_author_id",
        ]
    )
    assert keys(planned[4]) == []  # nullable -> NOT NULL keeps the key
    assert keys(planned[5]) == ["DropConstraint:fk_posts_author_id"]


def test_renamed_table_and_column_are_followed(tmp_path: Path, pg_url: str) -> None:
    lookup = """
#[derive(BuildAmpDomain)]
#[table(tenant = false NAME)]
pub struct Country {
    pub id: DatabaseId<AutoIncrement<i32>>,
    #[migration(unique = "global" RENAME)]
    pub CODE: String,
}

#[derive(BuildAmpDomain)]
pub struct Customer {
    pub id: DatabaseId<String>,
    #[migration(references = "TARGET")]
    pub country_code: String,
    pub country_id: ForeignKey<Country, i32>,
}
"""
    planned = run_steps(
        tmp_path,
        pg_url,
        [
            lookup.replace(" NAME", "")
            .replace(" RENAME", "")
            .replace("CODE", "code")
            .replace("TARGET", "countries.code"),
            lookup.replace(" NAME", ', name = "nations", rename_from = "countries"')
            .replace(" RENAME", "")
            .replace("CODE", "code")
            .replace("TARGET", "nations.code"),
            lookup.replace(" NAME", ', name = "nations"')
            .replace(" RENAME", ', rename_from = "code"')
            .replace("CODE", "iso")
            .replace("TARGET", "nations.iso"),
        ],
    )
    assert any(isinstance(op, o.RenameTable) for op in planned[1])
    # nothing is recreated: the keys follow, the unique constraint they rely on
    # is renamed with its table and column (RENAME CONSTRAINT keeps its index)
    assert keys(planned[1]) == keys(planned[2]) == []
    renamed = [
        (op.old.name, op.new.name)
        for op in planned[1] + planned[2]
        if isinstance(op, o.RenameConstraint)
    ]
    assert renamed == [
        ("unique_countries_code", "unique_nations_code"),
        ("unique_nations_code", "unique_nations_iso"),
    ]


def test_renamed_tenant_tables_keep_their_keys(tmp_path: Path, pg_url: str) -> None:
    """A tenant key points at UNIQUE (host, id): renaming either table renames
    constraints (RENAME CONSTRAINT), nothing is dropped, rebuilt or re-validated."""
    models = """
#[derive(BuildAmpDomain)]
#[table(name = "AUTHORS" RENAME_A)]
pub struct Author {
    pub id: DatabaseId<String>,
}

#[derive(BuildAmpDomain)]
#[table(name = "POSTS" RENAME_P)]
pub struct Post {
    pub id: DatabaseId<String>,
    pub author_id: ForeignKey<Author, String>,
}
"""
    first = (
        models.replace("AUTHORS", "authors")
        .replace("POSTS", "posts")
        .replace(" RENAME_A", "")
        .replace(" RENAME_P", "")
    )
    second = (
        models.replace("AUTHORS", "writers")
        .replace("POSTS", "articles")
        .replace(" RENAME_A", ', rename_from = "authors"')
        .replace(" RENAME_P", ', rename_from = "posts"')
    )
    planned = run_steps(tmp_path, pg_url, [first, second])
    kinds = {type(op).__name__ for op in planned[1]}
    assert not kinds & {"AddConstraint", "DropConstraint"}
    renamed = sorted(
        (op.old.name, op.new.name) for op in planned[1] if isinstance(op, o.RenameConstraint)
    )
    assert renamed == [
        ("fk_posts_author_id", "fk_articles_author_id"),
        ("unique_authors_host_id", "unique_writers_host_id"),
    ]


def test_type_change_on_both_ends_recreates_the_key(tmp_path: Path, pg_url: str) -> None:
    pair = """
#[derive(BuildAmpDomain)]
#[table(tenant = false)]
pub struct Country {
    pub id: DatabaseId<TYPE>,
}

#[derive(BuildAmpDomain)]
pub struct Customer {
    pub id: DatabaseId<String>,
    pub country_id: ForeignKey<Country, TYPE>,
}
"""
    planned = run_steps(
        tmp_path, pg_url, [pair.replace("TYPE", "i32"), pair.replace("TYPE", "i64")]
    )
    assert keys(planned[1]) == [
        "DropConstraint:fk_customers_country_id",
        "AddConstraint:fk_customers_country_id",
    ]


def test_removing_a_referenced_column_is_refused(tmp_path: Path) -> None:
    (tmp_path / "buildamp.toml").write_text('models = ["models"]\n')
    (tmp_path / "models").mkdir()
    base = (
        "#[derive(BuildAmpDomain)]\n#[table(tenant = false)]\npub struct Country {\n"
        "    pub id: DatabaseId<i32>,\nCODE}\n"
        "#[derive(BuildAmpDomain)]\npub struct Customer {\n    pub id: DatabaseId<String>,\n"
        '    #[migration(references = "countries.code")]\n    pub country_code: String,\n}\n'
    )
    path = tmp_path / "models" / "m_domain.rs"
    path.write_text(
        base.replace("CODE", '    #[migration(unique = "global")]\n    pub code: String,\n')
    )
    assert generate(load_config(tmp_path)).written
    path.write_text(base.replace("CODE", ""))
    with pytest.raises(ModelError, match=r"customers\.country_code references countries\.code"):
        generate(load_config(tmp_path))
