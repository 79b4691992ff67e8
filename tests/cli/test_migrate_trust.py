"""Issue 14 items 1-3: --dry-run never touches a database, prod guards rollback
like apply, flags that do not belong to an action are refused, --to is checked,
status reads only, and a closed pipe ends quietly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from buildamp.cli.main import main
from buildamp.pg.database import connect
from tests.helpers import catalog_of


def cli(project: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["-C", str(project), *args], env=env or {})
    return result.exit_code, result.stdout, result.stderr


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


MODEL = "pub struct Thing { pub id: String }\n"


def make_project(tmp_path: Path, mode: str = "dev", migrations: int = 2) -> Path:
    """A project with ``migrations`` generated migrations: things, then things.note, ..."""
    root = tmp_path / "app"
    write(root / "buildamp.toml", f'models = ["models"]\nmode = "{mode}"\n')
    fields = ["pub id: String"]
    for index in range(migrations):
        if index:
            fields.append(f"pub note{index}: Option<String>")
        write(root / "models" / "things_domain.rs", f"pub struct Thing {{ {', '.join(fields)} }}\n")
        code, _, err = cli(root, "migrate")
        assert code == 0, err
    return root


def tables(url: str) -> set[str]:
    return {t.name for t in catalog_of(url).tables}


def has_history(url: str) -> bool:
    with connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT to_regclass('buildamp_migrations') IS NOT NULL").fetchone()
    return bool(row and row[0])


def applied_versions(url: str) -> list[str]:
    with connect(url, autocommit=True) as conn:
        rows = conn.execute("SELECT version FROM buildamp_migrations ORDER BY version").fetchall()
    return [row[0] for row in rows]


@pytest.mark.parametrize("mode", ["dev", "prod"])
def test_apply_dry_run_never_touches_the_database(tmp_path: Path, pg_url: str, mode: str) -> None:
    root = make_project(tmp_path, mode)
    code, out, err = cli(root, "migrate", "--apply", "--dry-run", "--yes", "--database-url", pg_url)
    assert code == 0, err
    assert tables(pg_url) == set() and not has_history(pg_url)
    assert "== 001_" in out and "== 002_" in out and "CREATE TABLE" in out
    assert "lock risk:" in out and "dry run: nothing was applied" in out
    code, out, _ = cli(
        root, "migrate", "--apply", "--dry-run", "--to", "1", "--database-url", pg_url
    )
    assert code == 0 and "== 001_" in out and "== 002_" not in out


def test_generate_apply_dry_run_writes_and_applies_nothing(tmp_path: Path, pg_url: str) -> None:
    root = make_project(tmp_path)
    write(
        root / "models" / "things_domain.rs",
        "pub struct Thing { pub id: String, pub x: Option<i32> }\n",
    )
    before = sorted(p.name for p in (root / "migrations").glob("*.sql"))
    code, out, err = cli(
        root, "migrate", "--generate", "--apply", "--dry-run", "--database-url", pg_url
    )
    assert code == 0, err
    assert sorted(p.name for p in (root / "migrations").glob("*.sql")) == before
    assert tables(pg_url) == set() and not has_history(pg_url)
    assert "ADD COLUMN" in out and "plan: apply 2 migrations" in out


def test_rollback_dry_run_shows_rollback_sql_and_changes_nothing(
    tmp_path: Path, pg_url: str
) -> None:
    root = make_project(tmp_path)
    assert cli(root, "migrate", "--apply", "--database-url", pg_url)[0] == 0
    code, out, _ = cli(
        root, "migrate", "--rollback", "--dry-run", "--to", "0", "--database-url", pg_url
    )
    assert code == 0
    assert out.index("== 002_") < out.index("== 001_") and "DROP TABLE" in out
    assert applied_versions(pg_url) == ["001", "002"] and tables(pg_url) == {"things"}


def test_dry_run_plan_as_json(tmp_path: Path, pg_url: str) -> None:
    import json

    root = make_project(tmp_path)
    code, out, _ = cli(root, "migrate", "--apply", "--dry-run", "--json", "--database-url", pg_url)
    assert code == 0
    document = json.loads(out)
    assert document["direction"] == "apply"
    assert [m["version"] for m in document["migrations"]] == ["001", "002"]
    assert {"sql", "lint", "locks", "file"} <= set(document["migrations"][0])


def test_prod_rollback_needs_confirmation(tmp_path: Path, pg_url: str) -> None:
    root = make_project(tmp_path, "prod")
    assert cli(root, "migrate", "--apply", "--yes", "--database-url", pg_url)[0] == 0
    code, out, err = cli(root, "migrate", "--rollback", "--to", "0", "--database-url", pg_url)
    assert code == 2 and "needs --yes" in err
    assert "Migrations to roll back:" in out and "rollback/002_rollback.sql" in out
    assert tables(pg_url) == {"things"} and applied_versions(pg_url) == ["001", "002"]
    code, out, err = cli(
        root, "migrate", "--rollback", "--to", "0", "--yes", "--database-url", pg_url
    )
    assert code == 0, err
    assert tables(pg_url) == set()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--steps", "2"], "--steps does not apply to generate"),
        (["--to", "3"], "--to does not apply to generate"),
        (["--status", "--steps", "2"], "--steps does not apply to --status"),
        (["--apply", "--rollback"], "--apply cannot be combined with --rollback"),
        (["--check", "--name", "x"], "--name does not apply to --check"),
        (["--apply", "--allow-destructive"], "--allow-destructive does not apply to --apply"),
        (["--rollback", "--to", "1", "--steps", "1"], "--to and --steps cannot be combined"),
        (["--apply", "--to", "abc"], "--to abc: not a migration version"),
        (["--rollback", "--to", "abc"], "--to abc: not a migration version"),
        (["--resolve", "1"], "exactly one of --applied or --rolled-back"),
    ],
)
def test_flags_that_do_not_belong_are_errors(tmp_path: Path, args: list[str], message: str) -> None:
    root = make_project(tmp_path, migrations=1)
    code, _, err = cli(
        root, "migrate", *args, "--database-url", "postgresql://nobody@127.0.0.1:1/x"
    )
    assert code == 2, err
    assert message in err and "Traceback" not in err


def test_rollback_to_a_version_that_is_not_applied(tmp_path: Path, pg_url: str) -> None:
    root = make_project(tmp_path)
    assert cli(root, "migrate", "--apply", "--database-url", pg_url)[0] == 0
    code, _, err = cli(root, "migrate", "--rollback", "--to", "999", "--database-url", pg_url)
    assert code == 2 and "--to 999 is not an applied version (applied here: 001, 002)" in err
    assert applied_versions(pg_url) == ["001", "002"]


def test_status_on_a_read_only_role_creates_nothing(
    tmp_path: Path, pg_url: str, pg_server_url: str
) -> None:
    root = make_project(tmp_path)
    with connect(pg_url, autocommit=True) as conn:
        conn.execute(
            "ALTER DATABASE " + pg_url.rsplit("/", 1)[1] + " SET default_transaction_read_only = on"
        )
    code, out, err = cli(root, "migrate", "--status", "--database-url", pg_url)
    assert code == 0, err
    assert "001  pending" in out and "2 pending" in out
    assert not has_history(pg_url)
    code, out, _ = cli(root, "migrate", "--status", "--json", "--database-url", pg_url)
    import json

    assert json.loads(out)["counts"] == {"pending": 2}


def test_dry_run_into_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    root = make_project(tmp_path, migrations=1)
    # far more output than a pipe buffers, so the writer meets the closed pipe
    fields = ", ".join(f"pub field_with_a_long_name_{i}: Option<String>" for i in range(1000))
    write(
        root / "models" / "things_domain.rs", f"pub struct Thing {{ pub id: String, {fields} }}\n"
    )
    script = f"{sys.executable} -m buildamp -C {root} migrate --dry-run | head -n 1; exit ${{PIPESTATUS[0]}}"
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=120)
    assert done.stderr == "" and done.returncode == 0, done.stderr
    assert done.stdout.count("\n") == 1
