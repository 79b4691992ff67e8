"""Issue 14 items 5 and 12: --new, --hash, --discard, --resolve, --rebase,
merge-conflict markers, and the sum file as a record (generate appends)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from buildamp.pg.database import connect
from tests.cli.test_migrate_trust import applied_versions, cli, make_project, tables, write


def test_new_writes_an_empty_registered_migration(tmp_path: Path, pg_url: str) -> None:
    root = make_project(tmp_path, migrations=1)
    code, out, err = cli(root, "migrate", "--new", "Backfill prices")
    assert code == 0, err
    up = root / "migrations" / "002_backfill_prices.sql"
    down = root / "migrations" / "rollback" / "002_rollback.sql"
    assert up.is_file() and down.is_file()
    assert "002_backfill_prices.sql" in (root / "migrations" / "buildamp.sum").read_text()
    assert cli(root, "migrate", "--check")[0] == 0
    assert json.loads((root / ".buildamp" / "schema_state.json").read_text())["version"] == "002"
    up.write_text(up.read_text().replace("COMMIT;", "CREATE TABLE prices (id int);\nCOMMIT;"))
    down.write_text(down.read_text().replace("COMMIT;", "DROP TABLE prices;\nCOMMIT;"))
    code, out, _ = cli(root, "migrate", "--check")
    assert code == 1 and "migrate --hash" in out
    code, out, err = cli(root, "migrate", "--hash", "--database-url", pg_url)
    assert code == 0, err
    assert cli(root, "migrate", "--check")[0] == 0
    assert cli(root, "migrate", "--apply", "--database-url", pg_url)[0] == 0
    assert tables(pg_url) == {"things", "prices"}
    # the hand-written table is SQL buildamp did not write: not drift
    code, out, _ = cli(root, "drift", "--database-url", pg_url)
    assert code == 0, out


def test_hash_refuses_edits_of_applied_files_without_force(tmp_path: Path, pg_url: str) -> None:
    root = make_project(tmp_path, migrations=1)
    assert cli(root, "migrate", "--apply", "--database-url", pg_url)[0] == 0
    up = next((root / "migrations").glob("001_*.sql"))
    up.write_text(up.read_text() + "-- edited\n")
    env = {"BUILDAMP_DATABASE_URL": pg_url}
    code, _, err = cli(root, "migrate", "--hash", env=env)
    assert code == 2 and "is applied in the database" in err
    code, _, err = cli(root, "migrate", "--hash", "--force", env=env)
    assert code == 0, err
    assert cli(root, "migrate", "--check")[0] == 0


def test_generate_appends_to_the_sum_file_and_never_blesses_an_edit(tmp_path: Path) -> None:
    root = make_project(tmp_path, migrations=1)
    old = next((root / "migrations").glob("001_*.sql"))
    old.write_text(old.read_text() + "-- sneaky edit\n")
    assert cli(root, "migrate", "--check")[0] == 1
    write(
        root / "models" / "things_domain.rs",
        "pub struct Thing { pub id: String, pub n: Option<i32> }\n",
    )
    assert cli(root, "migrate")[0] == 0
    code, out, _ = cli(root, "migrate", "--check")
    assert code == 1 and "001_" in out and "was edited after it was generated" in out


def test_discard_restores_the_previous_state(tmp_path: Path) -> None:
    root = make_project(tmp_path, migrations=1)
    state = root / ".buildamp" / "schema_state.json"
    sums = root / "migrations" / "buildamp.sum"
    before = (state.read_text(), sums.read_text())
    write(
        root / "models" / "things_domain.rs",
        "pub struct Thing { pub id: String, pub n: Option<i32> }\n",
    )
    assert cli(root, "migrate")[0] == 0
    code, out, err = cli(root, "migrate", "--discard")
    assert code == 0, err
    assert (state.read_text(), sums.read_text()) == before
    assert sorted(p.name for p in (root / "migrations").glob("*.sql")) == [
        next((root / "migrations").glob("001_*.sql")).name
    ]
    code, out, _ = cli(root, "migrate", "--check")
    assert code == 1 and "not generated" in out  # the model change is back to ungenerated


def test_discard_refuses_an_applied_migration(tmp_path: Path, pg_url: str) -> None:
    root = make_project(tmp_path, migrations=1)
    assert cli(root, "migrate", "--apply", "--database-url", pg_url)[0] == 0
    code, _, err = cli(root, "migrate", "--discard", env={"BUILDAMP_DATABASE_URL": pg_url})
    assert code == 2 and "is applied in the database" in err
    assert list((root / "migrations").glob("001_*.sql"))


def test_resolve_records_without_running_sql(tmp_path: Path, pg_url: str) -> None:
    root = make_project(tmp_path)
    assert cli(root, "migrate", "--apply", "--to", "1", "--database-url", pg_url)[0] == 0
    code, out, err = cli(root, "migrate", "--resolve", "002", "--applied", "--database-url", pg_url)
    assert code == 0, err and "as applied" in out
    assert applied_versions(pg_url) == ["001", "002"]
    with connect(pg_url, autocommit=True) as conn:  # 002's column was never added
        columns = conn.execute(
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 'things' "
            "AND column_name = 'note1'"
        ).fetchone()
    assert columns == (0,)
    code, out, _ = cli(root, "migrate", "--resolve", "2", "--rolled-back", "--database-url", pg_url)
    assert code == 0 and applied_versions(pg_url) == ["001"]
    assert tables(pg_url) == {"things"}


def test_resolve_in_prod_needs_yes(tmp_path: Path, pg_url: str) -> None:
    root = make_project(tmp_path, "prod", migrations=1)
    code, _, err = cli(root, "migrate", "--resolve", "1", "--applied", "--database-url", pg_url)
    assert code == 2 and "needs --yes" in err


@pytest.mark.parametrize("which", ["schema_state", "sum"])
def test_conflict_markers_say_rebase(tmp_path: Path, which: str) -> None:
    root = make_project(tmp_path, migrations=1)
    path = (
        root / ".buildamp" / "schema_state.json"
        if which == "schema_state"
        else root / "migrations" / "buildamp.sum"
    )
    text = path.read_text()
    path.write_text(f"<<<<<<< HEAD\n{text}=======\n{text}>>>>>>> other\n")
    code, out, err = cli(root, "migrate", "--check")
    assert code == 2, out
    assert "merge-conflict markers" in err and "--rebase" in err and "corrupt" not in err


# ---- the team workflow -------------------------------------------------------------


def git(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=check,
        timeout=60,
    )


def test_team_workflow_two_branches_rebase(tmp_path: Path, pg_url: str, pg_server_url: str) -> None:
    """Two branches each generate 004; merge; --rebase; apply on a database that
    applied the other branch's 004: only ours runs, no drift, no wrong rollback."""
    root = make_project(tmp_path, migrations=3)
    write(root / ".buildamp" / ".gitignore", "audit.log\nbefore/\ncache/\npgdata/\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    git(root, "checkout", "-qb", "coupons")
    write(root / "models" / "coupons_domain.rs", "pub struct Coupon { pub id: String }\n")
    assert cli(root, "migrate", "--name", "add_coupons")[0] == 0
    git(root, "add", "-A")
    git(root, "commit", "-qm", "coupons")
    git(root, "checkout", "-q", "main")
    git(root, "checkout", "-qb", "phone")
    write(root / "models" / "phones_domain.rs", "pub struct Phone { pub id: String }\n")
    assert cli(root, "migrate", "--name", "add_phone")[0] == 0
    git(root, "add", "-A")
    git(root, "commit", "-qm", "phone")
    # our own dev database applied our 004 (add_phone)
    from tests.conftest import with_database

    dev_name = pg_url.rsplit("/", 1)[1] + "_dev"
    with connect(pg_server_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{dev_name}"'.encode())
    dev_url = with_database(pg_server_url, dev_name)
    try:
        assert cli(root, "migrate", "--apply", "--database-url", dev_url)[0] == 0
        # staging applied the other branch's 004 (add_coupons)
        git(root, "checkout", "-q", "coupons")
        assert cli(root, "migrate", "--apply", "--database-url", pg_url)[0] == 0
        git(root, "checkout", "-q", "phone")
        merged = git(root, "merge", "-q", "coupons", check=False)
        assert merged.returncode != 0  # conflicts: state, sum, rollback/004
        code, out, err = cli(root, "migrate", "--check")
        assert code in (1, 2) and "--rebase" in out + err and "corrupt" not in out + err
        code, out, err = cli(root, "migrate", "--rebase")
        assert code == 0, err
        assert "004_add_phone.sql -> migrations/005_add_phone.sql" in out
        assert (root / "migrations" / "004_add_coupons.sql").is_file()
        assert (root / "migrations" / "005_add_phone.sql").is_file()
        assert cli(root, "migrate", "--check")[0] == 0
        git(root, "add", "-A")
        git(root, "commit", "-qm", "merge coupons")
        code, out, err = cli(root, "migrate", "--apply", "--database-url", pg_url)
        assert code == 0, err
        assert "applied 005_add_phone.sql" in out and "004" not in out
        assert cli(root, "drift", "--database-url", pg_url)[0] == 0
        assert tables(pg_url) == {"things", "coupons", "phones"}
        # the dev database holds the OLD 004 (add_phone): rolling back must never run
        # coupons' rollback file there
        before = tables(dev_url)
        code, out, err = cli(root, "migrate", "--rollback", "--database-url", dev_url)
        assert tables(dev_url) == before == {"things", "phones"}  # nothing ran
        assert code == 2 and "add_coupons" in err and "add_phone" in err, err
        assert "edited" not in err
    finally:
        with connect(pg_server_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{dev_name}" WITH (FORCE)'.encode())


def test_rebase_without_a_merge_says_so(tmp_path: Path) -> None:
    root = make_project(tmp_path, migrations=1)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    code, _, err = cli(root, "migrate", "--rebase")
    assert code == 2 and "no merge is in progress" in err
