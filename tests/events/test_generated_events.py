"""A storage switch (jsonb -> columns drops document keys) is named in the
migration header and in the ``migration.generated`` event, with its table."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from buildamp.cli.main import main
from buildamp.events.bus import Event, subscribed

JSONB = """
#[table(name = "notes", storage = "jsonb")]
pub struct Note {
    pub id: String,
    pub title: String,
}
"""


def test_storage_switch_is_in_header_and_events(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "buildamp.toml").write_text('models = ["models"]\n')
    model = tmp_path / "models" / "notes_domain.rs"
    model.write_text(JSONB)
    runner = CliRunner()
    first = runner.invoke(main, ["-C", str(tmp_path), "migrate", "--generate"])
    assert first.exit_code == 0, first.output
    model.write_text(JSONB.replace('storage = "jsonb"', 'storage = "columns"'))
    seen: list[Event] = []
    with subscribed(seen.append):
        second = runner.invoke(
            main, ["-C", str(tmp_path), "migrate", "--generate", "--allow-destructive"]
        )
    assert second.exit_code == 0, second.output
    line = "Table: notes - storage jsonb -> columns (DESTRUCTIVE"
    (up,) = sorted((tmp_path / "migrations").glob("002_*.sql"))
    assert f"-- {line}" in up.read_text()
    generated = next(e for e in seen if e.event == "migration.generated")
    assert "notes" in generated.tables
    assert any(change.startswith(line) for change in generated.details["changes"])
