"""The schema diagram draws the real foreign keys, and guesses nothing from
``*_id`` names once a schema has real keys (a guess breaks on a table rename)."""

from __future__ import annotations

import json
from pathlib import Path

from buildamp.cli.diagram import render_dot, render_json, render_mermaid
from buildamp.cli.diagram_model import references
from buildamp.files.config import load_config
from buildamp.model.schema import Schema
from buildamp.sources.build import BuildSettings, build_models
from buildamp.sources.discover import read_sources

GOLDEN = Path(__file__).parent.parent / "golden"


def schema_of(case: str) -> Schema:
    root = GOLDEN / case
    return build_models(read_sources(load_config(root)), BuildSettings(root)).schema


def test_real_keys_only_and_named_by_their_column() -> None:
    schema = schema_of("relations_cycle")
    found = {(r.table, r.column, r.target, r.target_column, r.inferred) for r in references(schema)}
    # captain_id -> players: no name could have guessed it
    assert found == {
        ("teams", "captain_id", "players", "id", False),
        ("players", "team_id", "teams", "id", False),
    }


def test_blog_draws_every_key_solid() -> None:
    schema = schema_of("relations_blog")
    refs = references(schema)
    assert all(not r.inferred for r in refs)
    assert {(r.table, r.column) for r in refs} == {
        ("comments", "author_id"),
        ("comments", "parent_id"),
        ("comments", "post_id"),
        ("post_tags", "post_id"),
        ("post_tags", "tag_id"),
        ("posts", "author_id"),
    }
    mermaid = render_mermaid(schema)
    assert "authors ||--o{ posts" in mermaid and ".." not in mermaid.split("}")[-1]
    assert "dashed" not in render_dot(schema)
    data = json.loads(render_json(schema))
    assert len(data["references"]) == 6
    posts = next(t for t in data["tables"] if t["name"] == "posts")
    key = next(c for c in posts["constraints"] if c["kind"] == "foreign_key")
    assert (key["references"], key["ref_columns"], key["on_delete"]) == (
        "authors",
        ["host", "id"],
        "cascade",
    )
