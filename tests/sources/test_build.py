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
