"""Issue 13 item 13: plan errors start with ``file:line:column:``, speak the
model's language (Python users are told Python syntax), and never name an
internal class."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from buildamp.cli.main import main


def run(project: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["-C", str(project), *args], env={})
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "app"
    root.mkdir()
    assert run(root, "init")[0] == 0
    return root


PY_HEAD = "from dataclasses import dataclass\nfrom buildamp import domain\n\n"


def test_rust_not_null_without_default_names_the_field(project: Path) -> None:
    model = project / "models" / "things_domain.rs"
    model.write_text("pub struct Thing { pub id: String }\n")
    assert run(project, "migrate")[0] == 0
    model.write_text("pub struct Thing {\n    pub id: String,\n    pub code: String,\n}\n")
    code, _, err = run(project, "migrate")
    assert code == 2
    assert err.startswith("error: models/things_domain.rs:3:"), err
    assert '#[migration(default = "...")]' in err


def test_python_users_are_told_python_syntax(project: Path) -> None:
    model = project / "models" / "things.py"
    model.write_text(PY_HEAD + "@domain\n@dataclass\nclass Thing:\n    id: str\n")
    assert run(project, "migrate")[0] == 0
    model.write_text(PY_HEAD + "@domain\n@dataclass\nclass Thing:\n    id: str\n    code: str\n")
    code, _, err = run(project, "migrate")
    assert code == 2
    assert err.startswith("error: models/things.py:8:"), err
    assert 'migration(default="...")' in err and "#[" not in err


def test_type_change_without_conversion_is_located(project: Path) -> None:
    model = project / "models" / "things_domain.rs"
    model.write_text("pub struct Thing { pub id: String, pub n: String }\n")
    assert run(project, "migrate")[0] == 0
    model.write_text("pub struct Thing { pub id: String, pub n: bool }\n")
    code, _, err = run(project, "migrate")
    assert code == 2 and err.startswith("error: models/things_domain.rs:1:"), err
    assert 'convert_from = "TEXT"' in err


def test_destructive_list_never_names_an_internal_class(project: Path) -> None:
    model = project / "models" / "things_domain.rs"
    model.write_text(
        '#[table(storage = "jsonb")]\npub struct Thing { pub id: String, pub n: String }\n'
    )
    assert run(project, "migrate")[0] == 0
    model.write_text("pub struct Thing { pub id: String, pub n: String }\n")
    code, out, err = run(project, "migrate")  # jsonb -> columns is destructive
    assert code != 0
    assert "ChangeStorage" not in out + err and "storage jsonb -> columns" in out + err


def test_a_migration_creating_2000_tables_warns_about_locks(project: Path) -> None:
    source = "".join(f"pub struct T{i} {{ pub id: String }}\n" for i in range(2000))
    (project / "models" / "many_domain.rs").write_text(source)
    code, _, err = run(project, "migrate")
    assert code == 0, err
    assert "max_locks_per_transaction" in err and "rollback/001_rollback.sql" in err


def test_a_small_migration_does_not_warn_about_locks(project: Path) -> None:
    (project / "models" / "few_domain.rs").write_text("pub struct T { pub id: String }\n")
    code, _, err = run(project, "migrate")
    assert code == 0 and "max_locks_per_transaction" not in err


def test_destructive_refusal_is_located_in_the_models_syntax(project: Path) -> None:
    model = project / "models" / "things.py"
    model.write_text(PY_HEAD + "@domain\n@dataclass\nclass Thing:\n    id: str\n    n: str\n")
    assert run(project, "migrate")[0] == 0
    model.write_text(PY_HEAD + "@domain\n@dataclass\nclass Thing:\n    id: str\n")
    code, _, err = run(project, "migrate")
    assert code == 2 and err.startswith("error: models/things.py:6:7: destructive"), err
    assert 'migration("deprecated")' in err and "#[" not in err


def test_optional_to_required_without_default_is_located(project: Path) -> None:
    model = project / "models" / "things.py"
    head = PY_HEAD + "@domain\n@dataclass\nclass Thing:\n    id: str\n"
    model.write_text(head + "    code: str | None\n")
    assert run(project, "migrate")[0] == 0
    model.write_text(head + "    code: str\n")
    code, _, err = run(project, "migrate")
    assert code == 2 and err.startswith("error: models/things.py:8:5:"), err
    assert 'migration(default="...")' in err and 'migration(backfill="...")' in err
    assert "#[" not in err
