"""The composed migration file holds exactly the statements its steps hold
(files/compose.py ``verify_composed``), also for steps counted without a
parse (SQL with no quote, semicolon, comment or dollar sign)."""

from __future__ import annotations

import pytest

from buildamp.files.compose import Layout, compose_up
from buildamp.model.errors import StateError
from buildamp.render.step import Step


def compose(*sql: str) -> str:
    steps = [Step(text) for text in sql]
    return compose_up("m.sql", [], "now", [], steps, [], Layout())


def test_plain_quoted_and_multi_statement_steps_compose() -> None:
    text = compose(
        "CREATE TABLE a (id int)",
        "CREATE TABLE \"b\" (note text DEFAULT 'x;y')",
        "CREATE TABLE c (id int); CREATE TABLE d (id int)",  # custom SQL may hold several
    )
    assert "CREATE TABLE a (id int);" in text


@pytest.mark.parametrize(
    "sql",
    [
        "CREATE TABLE a (note text DEFAULT '-- x",  # a string that swallows the rest
        "CREATE TABLE a (id int) /* swallows the rest",
        "CREATE TABLE a (id int",  # plain SQL that does not parse
        "CREATE TABLE a (id int) BEGIN",
    ],
)
def test_a_step_that_hides_or_breaks_statements_is_refused(sql: str) -> None:
    with pytest.raises(StateError):
        compose("CREATE TABLE ok (id int)", sql, "CREATE TABLE last (id int)")
