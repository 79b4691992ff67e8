"""Events name references: a migration adding or dropping a foreign key reports
both ends' tables and the referencing field (from its ``changes`` directive)."""

from __future__ import annotations

from buildamp.files.compose import compose_up
from buildamp.files.directives import parse_changes
from buildamp.model.schema import Constraint
from buildamp.plan import ops as o


def _key(name: str, column: str, target: str) -> Constraint:
    return Constraint(
        name, "foreign_key", ("host", column), references=target, ref_columns=("host", "id")
    )


def test_reference_lines_name_both_tables_and_the_field() -> None:
    ops: list[o.Operation] = [
        o.AddConstraint("comments", _key("fk_comments_post_id", "post_id", "posts")),
        o.DropConstraint("post_tags", _key("fk_post_tags_tag_id", "tag_id", "tags")),
    ]
    summary = [op.describe() for op in ops]
    assert summary[0] == "Reference: comments.post_id -> posts.id - added (fk_comments_post_id)"
    text = compose_up("m.sql", [], "now", summary, [], [], operations=ops)
    assert parse_changes(text) == (
        ("comments", "post_tags", "posts", "tags"),
        ("comments.post_id", "post_tags.tag_id"),
    )
