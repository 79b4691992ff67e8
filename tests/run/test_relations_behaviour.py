"""What the database does with generated keys: a row of one tenant can never
point at another tenant's row, and deletes cascade, set null (never ``host``) or
are refused as declared."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from buildamp.cli.generate import generate
from buildamp.files.config import load_config
from tests.helpers import apply_sql

BLOG = Path(__file__).parent.parent / "golden" / "relations_blog" / "models"


@pytest.fixture
def blog(tmp_path: Path, pg_url: str) -> Iterator[psycopg.Connection[Any]]:
    (tmp_path / "buildamp.toml").write_text('models = ["models"]\n')
    shutil.copytree(BLOG, tmp_path / "models")
    result = generate(load_config(tmp_path))
    assert result.up_path is not None
    apply_sql(pg_url, result.up_path.read_text())
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO authors (id, host, name) VALUES ('a1', 'A', 'Ann'), ('b1', 'B', 'Bob');"
            "INSERT INTO posts (id, host, author_id, title) VALUES ('p1', 'A', 'a1', 'Hi');"
            "INSERT INTO tags (id, host, label) VALUES ('t1', 'A', 'news');"
        )
        yield conn


def test_cross_tenant_reference_is_refused(blog: psycopg.Connection[Any]) -> None:
    with pytest.raises(psycopg.errors.ForeignKeyViolation, match="fk_posts_author_id"):
        blog.execute("INSERT INTO posts (id, host, author_id, title) VALUES ('p2', 'B', 'a1', 'x')")
    with pytest.raises(psycopg.errors.ForeignKeyViolation, match="fk_post_tags_post_id"):
        blog.execute("INSERT INTO post_tags (post_id, host, tag_id) VALUES ('p1', 'B', 't1')")
    # moving a row to another tenant is refused the same way
    with pytest.raises(psycopg.errors.ForeignKeyViolation):
        blog.execute("UPDATE posts SET host = 'B' WHERE id = 'p1'")
    blog.execute("INSERT INTO posts (id, host, author_id, title) VALUES ('p3', 'B', 'b1', 'ok')")


def test_cascade_set_null_and_restrict(blog: psycopg.Connection[Any]) -> None:
    blog.execute(
        "INSERT INTO comments (id, host, post_id, body) VALUES ('c1', 'A', 'p1', 'first');"
        "INSERT INTO comments (id, host, post_id, parent_id, body)"
        " VALUES ('c2', 'A', 'p1', 'c1', 'reply');"
        "INSERT INTO post_tags (post_id, host, tag_id) VALUES ('p1', 'A', 't1')"
    )
    # set null: the reply survives its parent, keeps its host
    blog.execute("DELETE FROM comments WHERE id = 'c1'")
    row = blog.execute("SELECT host, parent_id FROM comments WHERE id = 'c2'").fetchone()
    assert row == ("A", None)
    # restrict: a tag in use cannot go
    with pytest.raises(psycopg.errors.ForeignKeyViolation, match="fk_post_tags_tag_id"):
        blog.execute("DELETE FROM tags WHERE id = 't1'")
    # cascade: author -> posts -> comments and post_tags
    blog.execute("DELETE FROM authors WHERE id = 'a1'")
    counts = blog.execute(
        "SELECT (SELECT count(*) FROM posts), (SELECT count(*) FROM comments),"
        " (SELECT count(*) FROM post_tags)"
    ).fetchone()
    assert counts == (0, 0, 0)
    blog.execute("DELETE FROM tags WHERE id = 't1'")
