"""What building the models records of each field."""

from __future__ import annotations

from pathlib import Path

from buildamp.model.errors import Location
from buildamp.sources.build import BuildSettings, build_models
from buildamp.sources.rust import read_rust_source


def test_models_record_bare_places() -> None:
    """A field without options is recorded as its location alone, optional
    fields apart from required ones (no pair per field)."""
    src = "pub struct Item {\n    pub id: String,\n    pub a: String,\n    pub b: Option<i64>,\n}\n"
    source = read_rust_source(src, "models/i_domain.rs", True)
    models = build_models([source], BuildSettings(Path(".")))
    places, optional = models.hints.places, models.hints.optional_places
    (table,) = places
    assert all(type(p) is Location for p in [*places[table].values(), *optional[table].values()])
    assert list(optional[table]) == ["b"] and "a" in places[table]
    assert models.hints.column(table, "a").location == "models/i_domain.rs:3:9"
    assert models.hints.column(table, "a").required
    assert not models.hints.column(table, "b").required
