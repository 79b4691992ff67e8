"""BA006 on ALTER COLUMN ... TYPE asks pg/facts whether the change rewrites,
given the ``-- buildamp:old-type`` directive buildamp writes above it."""

from __future__ import annotations

from buildamp.files import directives
from buildamp.files.compose import Layout, compose_up
from buildamp.lint.engine import lint_sql
from buildamp.model.schema import Column
from buildamp.plan import ops as o
from buildamp.render.migration import RenderOptions, render_all


def _codes(text: str) -> list[str]:
    return [f.code for f in lint_sql(text, "m.sql") if f.severity == "error"]


def _rendered(old_type: str, new_type: str) -> str:
    op = o.AlterColumn("users", Column("name", old_type), Column("name", new_type))
    steps = render_all([op], RenderOptions(online=True))
    return compose_up("m.sql", [], "now", [], steps, [], Layout(lock_timeout="1s"))


def test_varchar_widening_is_not_a_rewrite() -> None:
    for new_type in ("TEXT", "VARCHAR(100)", "VARCHAR"):
        text = _rendered("VARCHAR(50)", new_type)
        assert directives.old_type("VARCHAR(50)") in text
        assert _codes(text) == [], new_type


def test_a_rewriting_change_is_still_reported() -> None:
    statement = "SET lock_timeout = '1s';\nALTER TABLE users ALTER COLUMN age TYPE bigint;\n"
    assert _codes(directives.old_type("INTEGER") + "\n" + statement) == ["BA006"]
    # hand-written, without the directive: the old type is unknown, so it is reported
    assert _codes("SET lock_timeout = '1s';\nALTER TABLE users ALTER COLUMN name TYPE text;\n") == [
        "BA006"
    ]
    narrowing = (
        directives.old_type("VARCHAR(100)") + "\nALTER TABLE users ALTER COLUMN n TYPE varchar(5);"
    )
    assert _codes("SET lock_timeout = '1s';\n" + narrowing) == ["BA006"]


def test_volatile_defaults_are_decided_on_the_parse_tree() -> None:
    base = "SET lock_timeout = '1s';\nALTER TABLE users ADD COLUMN c text DEFAULT {};\n"
    assert _codes(base.format("gen_random_uuid()::text")) == ["BA006"]
    assert _codes(base.format("my_function()")) == ["BA006"]  # user functions are VOLATILE
    assert _codes(base.format("now()::text")) == []
    assert _codes(base.format("'now()'")) == []  # a string, not a call
    assert _codes(base.format("lower('X')")) == []


def test_a_no_transaction_file_is_linted_statement_by_statement() -> None:
    body = "SET lock_timeout = '1s';\nCREATE INDEX CONCURRENTLY i ON t (c);\n"
    assert _codes(body) == ["BA002"]  # no BEGIN: applied as one transaction
    assert _codes("-- buildamp:no-transaction\n" + body) == []
