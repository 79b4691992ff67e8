"""Reading a live database for adoption: foreign keys with their actions, comments,
what is left alone, and the model specs written from it (foreign keys written out
in ``constraints`` as the database has them; ON UPDATE refused by name)."""

from __future__ import annotations

from typing import Any

from buildamp.run.introspect import ForeignKey, introspect
from buildamp.sources.emit_model import enum_specs, model_spec
from tests.helpers import apply_sql

SQL = """
CREATE EXTENSION IF NOT EXISTS pgcrypto;
CREATE SCHEMA reporting;
CREATE TABLE authors (id bigint PRIMARY KEY, name text NOT NULL);
COMMENT ON COLUMN authors.name IS 'Pen name';
CREATE TABLE books (
    id bigint PRIMARY KEY,
    author_id bigint REFERENCES authors (id) ON DELETE CASCADE ON UPDATE RESTRICT,
    editor_id bigint CONSTRAINT books_editor REFERENCES authors (id) ON DELETE SET NULL,
    reviewer_id bigint REFERENCES authors (id)
);
CREATE SEQUENCE loose_counter;
CREATE MATERIALIZED VIEW author_count AS SELECT count(*) FROM authors;
CREATE TABLE spans (id int PRIMARY KEY, r int4range, EXCLUDE USING gist (r WITH &&));
"""


def test_foreign_keys_comments_and_unmodelled(pg_url: str, pg_conn: Any) -> None:
    apply_sql(pg_url, SQL)
    found = introspect(pg_conn)
    assert found.foreign_keys == (
        ForeignKey("books", "books_author_id_fkey", ("author_id",), "authors", ("id",),
                   "cascade", "restrict"),
        ForeignKey("books", "books_editor", ("editor_id",), "authors", ("id",),
                   "set null", "no action"),
        ForeignKey("books", "books_reviewer_id_fkey", ("reviewer_id",), "authors", ("id",),
                   "no action", "no action"),
    )  # fmt: skip
    books = found.schema.table("books")
    assert books is not None
    assert [c.name for c in books.constraints] == [
        "books_author_id_fkey",
        "books_editor",
        "books_reviewer_id_fkey",
    ]
    authors = found.schema.table("authors")
    assert authors is not None
    assert [(c.name, c.comment) for c in authors.columns] == [("id", None), ("name", "Pen name")]
    for line in (
        "extension pgcrypto",
        "schema reporting",
        "sequence public.loose_counter",
        "materialized view public.author_count",
        "exclusion constraint spans_r_excl on spans",
    ):
        assert line in found.unmodelled, found.unmodelled
    # the exclusion constraint's gist index is listed; ON UPDATE is not modelled
    assert len(found.unsupported) == 1
    assert found.unsupported[0].startswith(
        "foreign key books.books_author_id_fkey has ON UPDATE RESTRICT"
    )

    spec = model_spec(books, enum_specs(found.schema))
    assert all(f.options == () for f in spec.fields if f.name != "id")
    assert dict(spec.options)["constraints"] == (
        "CONSTRAINT books_author_id_fkey FOREIGN KEY (author_id) REFERENCES authors (id) "
        "ON DELETE CASCADE",
        "CONSTRAINT books_editor FOREIGN KEY (editor_id) REFERENCES authors (id) "
        "ON DELETE SET NULL",
        "CONSTRAINT books_reviewer_id_fkey FOREIGN KEY (reviewer_id) REFERENCES authors (id)",
    )
