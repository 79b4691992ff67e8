"""A field without options keeps only where it is (no pair per field: 200,000
of them at 10,000 models), and its hint says whether it is required."""

from __future__ import annotations

from pathlib import Path

from buildamp.files.config import load_config
from buildamp.model.errors import Location
from buildamp.model.hints import ColumnHint
from buildamp.sources.build import BuildSettings, build_models
from buildamp.sources.discover import read_sources

MODEL = """
#[derive(BuildAmpDomain)]
pub struct Person {
    pub id: String,
    pub name: String,
    pub nickname: Option<String>,
}
"""


def test_a_plain_fields_hint_is_its_place_and_whether_it_is_required(tmp_path: Path) -> None:
    (tmp_path / "buildamp.toml").write_text('models = ["models"]\n')
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "people_domain.rs").write_text(MODEL)
    hints = build_models(read_sources(load_config(tmp_path)), BuildSettings(tmp_path)).hints
    places = hints.places["persons"]
    assert all(type(place) is Location for place in places.values())
    assert hints.column("persons", "name") == ColumnHint(
        location="models/people_domain.rs:5:9", required=True
    )
    assert hints.column("persons", "nickname") == ColumnHint(
        location="models/people_domain.rs:6:9", required=False
    )
    assert hints.column("persons", "missing") == ColumnHint()


def test_optional_fields_are_named_per_table() -> None:
    """The fields that are not required are a list of names per table, not a
    (table, column) pair per field (3.6 MB at 10,000 models)."""
    from buildamp.model.hints import Hints

    where = Location("m.rs", 3, 9)
    hints = Hints(places={"t": {"a": where, "b": where}}, optional={"t": ["b"]})
    assert hints.column("t", "a") == ColumnHint(location="m.rs:3:9", required=True)
    assert hints.column("t", "b") == ColumnHint(location="m.rs:3:9", required=False)
    assert hints.column("u", "a") == ColumnHint()
