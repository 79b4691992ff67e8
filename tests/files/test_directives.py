"""Every ``-- buildamp:`` directive: what is written is read back the same, and
generated files carry the machine-readable ``changes`` line events rely on."""

from __future__ import annotations

from buildamp.files import directives as d
from buildamp.files.compose import compose_up
from buildamp.model.schema import Column
from buildamp.plan import ops as o
from buildamp.render.migration import render_all


def test_batch_round_trip() -> None:
    spec = d.BatchSpec("people", 250, 0.5)
    assert d.parse_batch("-- note\n" + d.batch(spec)) == spec
    assert d.parse_batch(d.batch(d.BatchSpec("t"))) == d.BatchSpec("t", 1000, 0.0)
    assert d.parse_batch("-- buildamp:batch size=3") is None
    assert d.parse_batch("-- buildamp:batch table=t size=x pause=-1") == d.BatchSpec("t")


def test_changes_round_trip_and_only_in_the_header() -> None:
    line = d.changes(["b", "a", "a"], ["a.x"])
    assert d.parse_changes(f"-- header\n{line}\n\nBEGIN;") == (("a", "b"), ("a.x",))
    assert d.parse_changes(f"-- header\n\nBEGIN;\n{line}\n") is None  # not in the header
    assert d.parse_changes("-- buildamp:changes {not json}\n") is None


def test_other_directives() -> None:
    assert d.is_no_transaction("-- x\n" + d.no_transaction())
    assert not d.is_no_transaction("-- buildamp:no-transactions-here")
    assert d.parse_old_type(d.old_type("VARCHAR(50)")) == "VARCHAR(50)"
    assert d.parse_lint_ignore(d.lint_ignore(["BA001", "BA006"])) == {"BA001", "BA006"}
    assert d.parse_lint_ignore(d.lint_ignore()) == {"*"}
    assert d.parse_lint_ignore("-- plain comment") is None
    assert d.split_down("SELECT 1;\n-- buildamp:down\nSELECT 2;") == ("SELECT 1;\n", "\nSELECT 2;")
    assert d.split_down("SELECT 1;") == ("SELECT 1;", None)


def test_generated_header_names_tables_and_fields() -> None:
    ops: list[o.Operation] = [
        o.AddColumn("users", Column("email", "TEXT")),
        o.RenameColumn("posts", "body", "text"),
    ]
    text = compose_up("m.sql", [], "now", [op.describe() for op in ops], render_all(ops), [])
    assert d.parse_changes(text) == (("posts", "users"), ("posts.text", "users.email"))


def test_operations_without_sql_are_named_too() -> None:
    """A new document key without default changes only the recorded state."""
    from buildamp.model.schema import DocumentField, Table

    notes = Table("notes", (Column("id", "TEXT", True),), storage="jsonb")
    info = o.SetTableInfo(
        notes,
        Table("notes", notes.columns, storage="jsonb", document=(DocumentField("tag", "TEXT"),)),
    )
    assert render_all([info]) == []
    text = compose_up("m.sql", [], "now", [info.describe()], [], [], operations=[info])
    assert d.parse_changes(text) == (("notes",), ())
    assert "-- Table: notes - document keys added: tag" in text


def test_squashes_round_trip() -> None:
    replaced = [d.Squashed("001", "create_users", "a" * 64), d.Squashed("002", "add_x", "b" * 64)]
    text = "\n".join(["-- migrations/002_baseline.sql", *d.squashes(replaced), "", "BEGIN;"])
    assert d.parse_squashes(text) == replaced
    assert d.parse_squashes("BEGIN;\n" + d.squashes(replaced)[0]) == []
