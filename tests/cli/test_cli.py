"""The command line as a user meets it: files written, exit codes, one-line errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from buildamp.cli.main import main
from tests.helpers import catalog_of

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "blog"


def run(project: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["-C", str(project), *args], env=env or {})
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "app"
    root.mkdir()
    code, _, err = run(root, "init")
    assert code == 0, err
    return root


def write_model(project: Path, text: str, name: str = "models/things_domain.rs") -> Path:
    path = project / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def tree(project: Path) -> dict[str, bytes]:
    """Every file but the parse cache (a cache, not output)."""
    return {
        p.relative_to(project).as_posix(): p.read_bytes()
        for p in sorted(project.rglob("*"))
        if p.is_file() and ".buildamp/cache" not in p.as_posix()
    }


def test_init_creates_project_and_is_idempotent(project: Path) -> None:
    assert (project / "buildamp.toml").is_file()
    assert (project / "models").is_dir()
    assert (project / "migrations" / "rollback").is_dir()
    state = json.loads((project / ".buildamp" / "schema_state.json").read_text())
    assert state["tables"] == {} and state["format_version"] == 1
    before = tree(project)
    assert run(project, "init")[0] == 0
    assert tree(project) == before


def test_generate_then_no_changes_then_check(project: Path) -> None:
    write_model(project, "pub struct Thing { pub id: String, pub name: String }\n")
    code, out, _ = run(project, "migrate")
    assert code == 0
    assert "migrations/001_create_things.sql" in out
    assert (project / "migrations" / "rollback" / "001_rollback.sql").is_file()
    code, out, _ = run(project, "migrate")
    assert code == 0 and "no changes" in out
    assert run(project, "migrate", "--check")[0] == 0
    write_model(
        project, "pub struct Thing { pub id: String, pub name: String, pub n: Option<i32> }\n"
    )
    code, out, _ = run(project, "migrate", "--check")
    assert code == 1 and "things.n - added" in out


def test_dry_run_prints_and_writes_nothing(project: Path) -> None:
    write_model(project, "pub struct Thing { pub id: String }\n")
    before = tree(project)
    code, out, _ = run(project, "migrate", "--dry-run")
    assert code == 0
    assert "CREATE TABLE things" in out and "DROP TABLE things" in out
    assert tree(project) == before


BAD_MODELS = [
    ("broken syntax", "pub struct Thing { pub id: String,, }\n", "things_domain.rs:1:"),
    (
        "unknown type",
        "pub struct Thing { pub id: String, pub x: Frobnicator }\n",
        "unknown type Frobnicator",
    ),
    (
        "unknown option",
        "pub struct Thing { pub id: String, #[migration(indexx = true)] pub x: String }\n",
        "unknown option 'indexx'",
    ),
    (
        "wrong value type",
        'pub struct Thing { pub id: String, #[migration(index = "yes")] pub x: String }\n',
        "must be true or false",
    ),
    (
        "hostile default",
        'pub struct Thing { pub id: String, #[migration(default = "0); DROP TABLE users; --")] pub x: i32 }\n',
        "is not exactly one SQL expression",
    ),
    (
        "hostile index entry",
        '#[table(indexes = ["id); DROP TABLE users; --"])]\npub struct Thing { pub id: String }\n',
        "is not an index column list",
    ),
    (
        "index on unknown column",
        '#[table(indexes = ["nope"])]\npub struct Thing { pub id: String }\n',
        "'nope' is not a column",
    ),
    (
        "missing custom_sql",
        '#[migration(custom_sql = "custom/nope.sql")]\npub struct Thing { pub id: String }\n',
        "custom_sql file 'custom/nope.sql' not found",
    ),
    (
        "hostile validate",
        '#[migration(validate = "SELECT 1; DROP TABLE users")]\npub struct Thing { pub id: String }\n',
        "exactly one SELECT",
    ),
    (
        "two models one table",
        'pub struct Thing { pub id: String }\n#[table(name = "things")]\npub struct Other { pub id: String }\n',
        "two models map to table 'things'",
    ),
    (
        "bad storage",
        '#[table(storage = "xml")]\npub struct Thing { pub id: String }\n',
        "must be one of columns, jsonb",
    ),
]


@pytest.mark.parametrize(
    ("label", "source", "expected"), BAD_MODELS, ids=[c[0] for c in BAD_MODELS]
)
def test_bad_models_fail_cleanly(project: Path, label: str, source: str, expected: str) -> None:
    write_model(project, source)
    before = tree(project)
    code, out, err = run(project, "migrate")
    assert code == 2, (label, out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert expected in lines[0]
    assert "models/things_domain.rs" in lines[0] or "custom" in lines[0]
    assert "Traceback" not in err + out
    assert tree(project) == before


@pytest.mark.parametrize(
    ("mangle", "expected"),
    [
        (lambda text: text[: len(text) // 2], "corrupt schema state"),
        (lambda text: text.replace('"type": "TEXT"', '"type": 7', 1), "should be of type str"),
        (lambda text: text.replace('"columns"', '"colums"', 1), "columns should be present"),
        (lambda text: "[]", "should be a JSON object"),
    ],
)
def test_corrupt_state_is_a_clean_error(project: Path, mangle: object, expected: str) -> None:
    write_model(project, "pub struct Thing { pub id: String }\n")
    assert run(project, "migrate")[0] == 0
    state = project / ".buildamp" / "schema_state.json"
    state.write_text(mangle(state.read_text()))  # type: ignore[operator]
    write_model(project, "pub struct Thing { pub id: String, pub extra: Option<String> }\n")
    before = tree(project)
    code, _, err = run(project, "migrate")
    assert code == 2 and expected in err and ".buildamp/schema_state.json" in err
    assert tree(project) == before


def test_unknown_config_key(tmp_path: Path) -> None:
    (tmp_path / "buildamp.toml").write_text('modles = ["models"]\n')
    code, _, err = run(tmp_path, "migrate")
    assert code == 2 and "unknown config key 'modles'" in err and "buildamp.toml" in err


def test_refuses_not_null_column_without_default(project: Path) -> None:
    write_model(project, "pub struct Thing { pub id: String }\n")
    assert run(project, "migrate")[0] == 0
    write_model(project, "pub struct Thing { pub id: String, pub name: String }\n")
    before = tree(project)
    code, _, err = run(project, "migrate")
    assert code == 2 and "NOT NULL without a default" in err and "default" in err
    assert tree(project) == before


def test_dead_database_is_exit_3_without_password(project: Path) -> None:
    write_model(project, "pub struct Thing { pub id: String }\n")
    assert run(project, "migrate")[0] == 0
    url = "postgresql://alice:s3cret@127.0.0.1:1/nowhere?connect_timeout=2"
    code, out, err = run(project, "migrate", "--apply", "--database-url", url)
    assert code == 3
    assert "s3cret" not in err + out and "cannot connect" in err
    assert "Traceback" not in err


def test_apply_status_rollback_on_postgres(tmp_path: Path, pg_url: str) -> None:
    project = tmp_path / "blog"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("pgdata"))
    env = {"BUILDAMP_DATABASE_URL": pg_url}
    assert run(project, "migrate", "--check")[0] == 0
    code, out, err = run(project, "migrate", "--apply", env=env)
    assert code == 0, err
    assert "applied 001_create_comments_users.sql" in out
    assert {t.name for t in catalog_of(pg_url).tables} == {"comments", "users"}
    code, out, _ = run(project, "migrate", "--status", env=env)
    assert "001  applied" in out and out.rstrip().endswith("1 applied")
    assert run(project, "drift", env=env)[0] == 0
    code, out, _ = run(project, "migrate", "--apply", env=env)
    assert "up to date" in out
    assert run(project, "migrate", "--rollback", env=env)[0] == 0
    assert catalog_of(pg_url).tables == ()
    assert run(project, "drift", env=env)[0] == 1
    assert run(project, "migrate", "--apply", env=env)[0] == 0
    assert run(project, "drift", env=env)[0] == 0


def test_entry_point_runs_without_traceback(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "x_domain.rs").write_text("pub struct X { pub id: Strin }\n")
    result = subprocess.run(
        [sys.executable, "-m", "buildamp", "-C", str(tmp_path), "migrate"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error: models/x_domain.rs:1:")
    assert "Traceback" not in result.stderr


def test_custom_sql_with_transaction_control_is_refused(project: Path) -> None:
    (project / "custom").mkdir()
    (project / "custom" / "x.sql").write_text("BEGIN;\nSELECT 1;\nCOMMIT;\n")
    write_model(
        project, '#[migration(custom_sql = "custom/x.sql")]\npub struct Thing { pub id: String }\n'
    )
    code, _, err = run(project, "migrate")
    assert code == 2 and "custom/x.sql" in err and "BEGIN/COMMIT" in err


def test_two_transaction_blocks_are_refused(tmp_path: Path, pg_url: str) -> None:
    root = tmp_path / "two"
    (root / "models").mkdir(parents=True)
    (root / "buildamp.toml").write_text('models = ["models"]\n')
    (root / "migrations" / "rollback").mkdir(parents=True)
    (root / "migrations" / "001_two.sql").write_text(
        "BEGIN;\nSELECT 1;\nCOMMIT;\nBEGIN;\nSELECT 2;\nCOMMIT;\n"
    )
    (root / "migrations" / "rollback" / "001_rollback.sql").write_text("SELECT 1;\n")
    code, _, err = run(root, "migrate", "--apply", "--database-url", pg_url)
    assert code == 2 and "001_two.sql" in err and "split it into two migrations" in err


def test_check_follows_every_input_and_remembers_no_verdict(project: Path) -> None:
    """--check recomputes its verdict every run (the model index and the
    verified-files record only save work): any changed input is a finding."""
    write_model(project, "pub struct Thing { pub id: String }\n")
    assert run(project, "migrate")[0] == 0
    assert run(project, "migrate", "--check")[0] == 0
    assert run(project, "migrate", "--check")[0] == 0
    assert not (project / ".buildamp" / "cache" / "clean-check").exists()
    write_model(project, "pub struct Thing { pub id: String, pub n: Option<i32> }\n")
    code, out, _ = run(project, "migrate", "--check")
    assert code == 1 and "things.n - added" in out
    write_model(project, "pub struct Thing { pub id: String }\n")
    assert run(project, "migrate", "--check")[0] == 0
    state = project / ".buildamp" / "schema_state.json"
    saved = state.read_text()
    state.write_text(saved.replace('"things"', '"others"'))  # another branch's state
    assert run(project, "migrate", "--check")[0] == 1
    state.write_text(saved)
    assert run(project, "migrate", "--check")[0] == 0
    up = next((project / "migrations").glob("001_*.sql"))
    text = up.read_text()
    up.write_text(text + "-- edit\n")
    code, out, _ = run(project, "migrate", "--check")
    assert code == 1 and "was edited" in out
    up.write_text(text + "<<<<<<< HEAD\n")
    code, out, _ = run(project, "migrate", "--check")
    assert code == 1 and "merge-conflict markers" in out
    up.write_bytes(text.encode() + b"-- \xff\n")  # not UTF-8: a finding, not a crash
    code, out, _ = run(project, "migrate", "--check")
    assert code == 1 and f"{up.name}: cannot read" in out
    up.write_text(text)
    assert run(project, "migrate", "--check")[0] == 0
