"""The replay self-check: a plan that does not produce the models' schema stops
generation; differences the database cannot have (column order, sources) do not."""

from __future__ import annotations

from dataclasses import replace

import pytest

from buildamp.model.errors import InternalError
from buildamp.model.schema import Column, Enum, Schema, Table
from buildamp.plan import ops as o
from buildamp.plan.replay import next_state

POSTS = Table(
    "posts",
    (Column("id", "TEXT", True), Column("title", "TEXT", True), Column("body", "TEXT")),
    source="models/posts_domain.rs:1:1",
)
MOOD = Enum("mood", ("happy", "sad"))
OLD = Schema((POSTS,), (MOOD,))


def test_a_missing_operation_is_caught() -> None:
    new = Schema((replace(POSTS, columns=(*POSTS.columns, Column("n", "INTEGER"))),), (MOOD,))
    with pytest.raises(InternalError, match="self-check failed"):
        next_state(OLD, [], new)
    assert next_state(OLD, [o.AddColumn("posts", Column("n", "INTEGER"))], new).table("posts")


@pytest.mark.parametrize(
    "new",
    [
        Schema((replace(POSTS, columns=POSTS.columns[::-1]),), (MOOD,)),
        Schema((replace(POSTS, source="elsewhere.rs:9:1"),), (MOOD,)),
    ],
    ids=["column order", "source"],
)
def test_differences_the_database_cannot_have_pass(new: Schema) -> None:
    state = next_state(OLD, [], new)
    assert state.table("posts") is not None
    assert state.table("posts").source == new.tables[0].source  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "new",
    [
        Schema((POSTS,), (Enum("mood", ("happy", "sad", "meh")),)),
        Schema((POSTS,), ()),
        Schema((replace(POSTS, name="articles"),), (MOOD,)),
        Schema(
            (
                replace(
                    POSTS,
                    columns=(
                        POSTS.columns[0],
                        replace(POSTS.columns[1], not_null=False),
                        POSTS.columns[2],
                    ),
                ),
            ),
            (MOOD,),
        ),
    ],
    ids=["enum values", "enum gone", "table renamed", "nullability"],
)
def test_real_differences_fail(new: Schema) -> None:
    with pytest.raises(InternalError):
        next_state(OLD, [], new)
