"""Building the models against the tables alive already (the schema state's):
an equal table is that object, held once; the models are the same either way."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from buildamp.files.config import load_config
from buildamp.sources.build import BuildSettings, build_models
from buildamp.sources.discover import read_sources

MODELS = """
pub enum Mood { Happy, Sad }

#[derive(BuildAmpDomain)]
pub struct Person {
    pub id: String,
    pub name: String,
    pub mood: Mood,
    pub nickname: Option<String>,
}

#[derive(BuildAmpDomain)]
pub struct Place {
    pub id: String,
    pub title: String,
}

#[derive(BuildAmpDomain)]
pub struct Visit {
    pub id: String,
    #[migration(references = "persons")]
    pub person_id: String,
    pub place_id: ForeignKey<Place, String>,
}
"""


def test_tables_equal_to_the_states_are_the_states(tmp_path: Path) -> None:
    (tmp_path / "buildamp.toml").write_text('models = ["models"]\n')
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "all_domain.rs").write_text(MODELS)
    files = read_sources(load_config(tmp_path))
    settings = BuildSettings(tmp_path)
    alone = build_models(files, settings)
    state = {t.name: replace(t) for t in alone.schema.tables}  # equal, not the same
    state["places"] = replace(state["places"], comment="another")
    assert any(t.constraints for t in state.values())  # references resolved: shared too
    models = build_models(files, settings, state)
    assert models == alone
    for table in models.schema.tables:
        assert (table is state[table.name]) == (table.name != "places")


def test_a_partial_build_names_the_enum_types_of_its_changed_files_only(tmp_path: Path) -> None:
    """The context of a partial build holds every file's enums (10,000 at 10,000
    models): only the changed files' type names are made (and checked) up front,
    the others on use, the same names."""
    from buildamp.sources.build import build_some
    from buildamp.sources.rust import read_rust_source

    changed = read_rust_source(
        "pub enum Mood { Happy, Sad }\n#[derive(BuildAmpDomain)]\n"
        "pub struct Person {\n    pub id: String,\n    pub mood: Mood,\n}\n",
        "models/people_domain.rs",
    )
    other = read_rust_source(
        '#[migration(enum_name = "place_kind")]\npub enum Kind { Big, Small }\n',
        "models/kinds_domain.rs",
    )
    partial = build_some(
        [changed], [other, changed], {"Person"}, BuildSettings(project_dir=tmp_path)
    )
    assert {c.name: c.type for c in partial.tables["persons"].columns}["mood"] == "mood"
    assert dict(partial.context.enum_types) == {"Mood": "mood"}
    assert partial.context.enum_types["Kind"] == "place_kind"
    assert partial.context.enum_types.get("Kind") == "place_kind"
    assert partial.context.enum_types.get("Nothing") is None
