"""Events name references: a generated migration's ``Reference:`` header lines
report both ends' tables and the referencing field."""

from __future__ import annotations

from buildamp.events.bus import changes_from_summary


def test_reference_lines_name_both_tables_and_the_field() -> None:
    tables, fields = changes_from_summary(
        [
            "-- Reference: comments.post_id -> posts.id on delete cascade - added (fk_comments_post_id)",
            "Reference: post_tags.tag_id -> tags.id - dropped (fk_post_tags_tag_id)",
            "-- Table: authors - created",
        ]
    )
    assert tables == ("authors", "comments", "post_tags", "posts", "tags")
    assert fields == ("comments.post_id", "post_tags.tag_id")
