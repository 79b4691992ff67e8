"""``constraints = ["CONSTRAINT name FOREIGN KEY ..."]`` entries: parsed exactly,
shapes the schema model cannot hold refused with the key's name."""

from __future__ import annotations

import pytest

from buildamp.model.errors import ModelError
from buildamp.model.schema import Constraint
from buildamp.pg.sqlbits import foreign_key_body
from buildamp.pg.sqltext import parse_constraint_definition


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "CONSTRAINT k FOREIGN KEY (a, b) REFERENCES t (x, y) ON DELETE CASCADE",
            Constraint("k", "foreign_key", ("a", "b"), None, "t", ("x", "y"), "cascade"),
        ),
        (
            "CONSTRAINT k FOREIGN KEY (host, a) REFERENCES t (host, id) ON DELETE SET NULL (a)",
            Constraint("k", "foreign_key", ("host", "a"), None, "t", ("host", "id"), "set null"),
        ),
        (
            "CONSTRAINT k FOREIGN KEY (a) REFERENCES public.t (id) ON DELETE SET NULL (a)",
            Constraint("k", "foreign_key", ("a",), None, "t", ("id",), "set null"),
        ),
    ],
)
def test_entries_parse_and_render_back(text: str, expected: Constraint) -> None:
    key = parse_constraint_definition(text)
    assert key == expected
    assert parse_constraint_definition(f"CONSTRAINT k {foreign_key_body(key)}") == key


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("FOREIGN KEY (a) REFERENCES t (id) ON UPDATE CASCADE", "has ON UPDATE CASCADE"),
        ("FOREIGN KEY (a) REFERENCES t (id) DEFERRABLE", "has DEFERRABLE"),
        ("FOREIGN KEY (a) REFERENCES t (id) NOT VALID", "has NOT VALID"),
        ("FOREIGN KEY (a, b) REFERENCES t (x, y) MATCH FULL", "has MATCH FULL"),
        ("FOREIGN KEY (a) REFERENCES t", "no referenced columns"),
        ("FOREIGN KEY (a) REFERENCES other.t (id)", "a table in another schema"),
        (
            "FOREIGN KEY (host, a) REFERENCES t (host, id) ON DELETE SET NULL",
            "ON DELETE SET NULL other than with (a)",
        ),
    ],
)
def test_unmodelled_shapes_are_refused(text: str, message: str) -> None:
    with pytest.raises(ModelError) as error:
        parse_constraint_definition(f"CONSTRAINT k {text}")
    assert "foreign key k" in str(error.value) and message in str(error.value)
