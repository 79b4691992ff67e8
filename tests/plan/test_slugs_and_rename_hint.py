"""Issue 15, names and headers: Django-style slugs that say what changed, cut at
a word boundary, never ``update_schema``; a removed and an added field of one
type make the refusal ask "did you rename ...?"."""

from __future__ import annotations

from pathlib import Path

import pytest

from buildamp.cli.generate import generate
from buildamp.files.migration import slugify
from buildamp.model.errors import PlanError
from tests.trust_project import Project

CUSTOMERS = """
pub enum OrderStatus { Open, Shipped }

#[table(name = "customers")]
pub struct Customer {
    pub id: i64,
    pub notes: String,
    pub status: OrderStatus,
}
"""


def slug(project: Project, text: str) -> str:
    result = project.generate(text)
    assert result.up_path is not None
    return result.up_path.name.split("_", 1)[1].removesuffix(".sql")


def test_slugs_say_what_changed(tmp_path: Path, pg_url: str) -> None:
    project = Project(tmp_path, pg_url, online=False)
    assert slug(project, CUSTOMERS) == "create_customers"
    added = CUSTOMERS.replace(
        "    pub notes: String,",
        "    pub notes: String,\n    pub phone: Option<String>,\n"
        "    pub marketing_opt_in: Option<bool>,",
    )
    assert slug(project, added) == "add_phone_marketing_opt_in_to_customers"
    enum = added.replace("{ Open, Shipped }", "{ Open, Processing, Shipped }")
    assert slug(project, enum) == "add_processing_to_order_status"
    removed = enum.replace("    pub phone: Option<String>,\n", "")
    assert slug(project, removed) == "remove_phone_from_customers"


def test_slug_is_cut_at_a_word_boundary() -> None:
    text = "add_a_very_long_field_name_one_and_another_very_long_field_name_to_customers"
    cut = slugify(text)
    assert len(cut) <= 60 and text.startswith(cut) and text[len(cut)] == "_"


def test_removed_and_added_field_of_one_type_suggest_rename_from(
    tmp_path: Path, pg_url: str
) -> None:
    project = Project(tmp_path, pg_url, online=False)
    project.generate(CUSTOMERS)
    project.models(CUSTOMERS.replace("pub notes: String", "pub customer_note: String"))
    with pytest.raises(PlanError) as error:
        generate(project.config)  # destructive: refused without confirmation
    text = str(error.value)
    assert "did you rename notes to customer_note?" in text
    assert 'rename_from = "notes"' in text and "shop_domain.rs:7:" in text


def test_destructive_refusal_suggests_rename_from(tmp_path: Path, pg_url: str) -> None:
    project = Project(tmp_path, pg_url, online=False)
    project.generate(CUSTOMERS)
    project.models(CUSTOMERS.replace("pub notes: String", "pub customer_note: Option<String>"))
    with pytest.raises(PlanError) as error:
        generate(project.config)
    text = str(error.value)
    assert "did you rename notes to customer_note?" in text and "shop_domain.rs:7:" in text


NOTES = """
#[table(storage = "jsonb")]
pub struct Note {
    pub id: String,
    pub title: String,
}
"""


def test_header_lists_every_change_naming_the_model(tmp_path: Path, pg_url: str) -> None:
    project = Project(tmp_path, pg_url, online=False)
    project.generate(CUSTOMERS + NOTES)
    changed = CUSTOMERS.replace(
        "    pub notes: String,", "    pub notes: String,\n    pub phone: Option<String>,"
    ).replace("{ Open, Shipped }", "{ Open, Processing, Shipped }") + NOTES.replace(
        "    pub title: String,",
        '    pub title: String,\n    #[migration(default = "7")]\n    pub weight: i64,',
    )
    text = project.generate(changed).up_text
    assert "-- Field: customers.phone - added (Customer)" in text
    assert "-- Enum: order_status - values changed" in text
    assert "-- Field: notes.weight - document key filled with 7 (Note)" in text
    assert "-- Table: notes - document keys added: weight (Note)" in text
