"""Fleet rollouts on one real server with many databases as targets."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest

from buildamp.run.progress import ProgressStore
from tests.run.fleet_support import (
    UNREACHABLE,
    applied_versions,
    by_target,
    cli,
    databases,
    make_project,
    parse_json,
    targets_toml,
)

ALL = ["001", "002", "003"]


def test_twenty_targets_one_broken_one_unreachable(tmp_path: Path, pg_server_url: str) -> None:
    with databases(pg_server_url, 19) as urls:
        targets = {f"t{i:02d}": url for i, url in enumerate(urls)}
        targets["dead"] = UNREACHABLE
        groups = {name: ("eu" if i < 10 else "us") for i, name in enumerate(targets)}
        project = make_project(tmp_path / "app", targets_toml(targets, groups))
        with psycopg.connect(targets["t07"], autocommit=True) as conn:  # broken on purpose
            conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, other TEXT)")

        code, out, err = cli(
            project,
            *("migrate", "--apply", "--targets", "all", "--parallel", "4"),
            *("--on-failure", "continue", "--retries", "1", "--json"),
        )
        assert code == 1, err
        document = parse_json(out)
        results = by_target(document)
        assert list(results) == list(targets)  # config order, every target reported
        for name, url in targets.items():
            if name in ("t07", "dead"):
                continue
            entry = results[name]
            assert entry["result"] == "ok", entry
            assert entry["changed"] == ALL
            assert (entry["from_version"], entry["to_version"]) == (None, "003")
            assert applied_versions(url) == ALL
        broken = results["t07"]
        assert broken["result"] == "failed" and "001_step_1" in broken["error"]
        assert "already exists" in broken["error"]
        assert applied_versions(targets["t07"]) == []  # the failed migration left nothing
        dead = results["dead"]
        assert dead["result"] == "unreachable" and dead["attempts"] == 2  # 1 + --retries 1
        assert dead["database"] == "127.0.0.1:1/nowhere"
        assert document["summary"] == {"ok": 18, "failed": 1, "unreachable": 1}
        assert "s3cret-pass" not in out + err

        # Audit trail: every event names its target; no password anywhere.
        audit = (project / ".buildamp" / "audit.log").read_text()
        assert "s3cret-pass" not in audit
        records = [json.loads(line) for line in audit.splitlines()]
        applied = [r for r in records if r["event"] == "migration.applied"]
        assert len(applied) == 18 * 3
        assert {r["target"] for r in applied} == set(targets) - {"t07", "dead"}
        failed = [r for r in records if r["event"] == "migration.failed"]
        assert [r["target"] for r in failed] == ["t07"]

        # Status per target, by group; the table names from -> to per target.
        code, out, err = cli(project, "migrate", "--status", "--targets", "group:eu")
        assert code == 0, out + err  # status only reads: the broken t07 is just pending
        assert "[t01] running: 3 applied" in out  # the live (plain) line per target
        lines = out.splitlines()
        header = next(i for i, line in enumerate(lines) if line.startswith("target "))
        assert lines[header].split() == ["target", "from", "->", "to", "duration", "result"]
        table = {line.split()[0]: line.split() for line in lines[header + 1 : header + 11]}
        assert set(table) == {f"t{i:02d}" for i in range(10)}
        assert table["t01"][1:4] == ["003", "->", "003"] and table["t01"][-1] == "ok"
        assert table["t07"][1:4] == ["-", "->", "-"]
        assert "t07: 001  pending   step_1" in out
        with psycopg.connect(targets["t05"], autocommit=True) as conn:  # a backfill under way
            ProgressStore(conn).put("backfill:002:notes", {"status": "running", "rows_done": 7})
        code, out, err = cli(project, "migrate", "--status", "--targets", "t05,t06")
        assert "t05: running  backfill:002:notes, 7 rows" in out
        assert "t06: running" not in out

        # Fix the broken target; the rerun applies only what is missing anywhere.
        with psycopg.connect(targets["t07"], autocommit=True) as conn:
            conn.execute("DROP TABLE notes")
        code, out, err = cli(
            project, "migrate", "--apply", "--targets", "all", "--on-failure", "continue", "--json"
        )
        results = by_target(parse_json(out))
        assert code == 1 and results["dead"]["result"] == "unreachable"
        assert results["t07"]["changed"] == ALL
        assert all(results[n]["changed"] == [] for n in targets if n not in ("t07", "dead"))
        assert applied_versions(targets["t07"]) == ALL

        # Drift on every reachable target: clean; then one drifts.
        reachable = ",".join(n for n in targets if n != "dead")
        code, out, err = cli(project, "drift", "--targets", reachable, "--json")
        assert code == 0, out + err
        assert set(parse_json(out)["summary"]) == {"ok"}
        with psycopg.connect(targets["t03"], autocommit=True) as conn:
            conn.execute("ALTER TABLE notes ADD COLUMN sneaky INTEGER")
        code, out, err = cli(project, "drift", "--targets", "t02,t03")
        assert code == 1
        assert "t03: column notes.sneaky: in database but not in the models" in out

        # Roll the eu group back one step: each goes 003 -> 002.
        code, out, err = cli(
            project, "migrate", "--rollback", "--targets", "group:eu", "--json", "--parallel", "3"
        )
        assert code == 0, out + err
        for name, entry in by_target(parse_json(out)).items():
            assert (entry["from_version"], entry["to_version"]) == ("003", "002"), name
            assert applied_versions(targets[name]) == ["001", "002"]
        assert applied_versions(targets["t15"]) == ALL


def test_canary_failure_touches_no_other_target(tmp_path: Path, pg_server_url: str) -> None:
    with databases(pg_server_url, 3) as urls:
        targets = dict(zip(["canary", "a", "b"], urls, strict=True))
        project = make_project(tmp_path / "app", targets_toml(targets))
        with psycopg.connect(targets["canary"], autocommit=True) as conn:
            conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY)")
        code, out, err = cli(
            project, "migrate", "--apply", "--targets", "all", "--canary", "canary", "--json"
        )
        assert code == 1
        results = by_target(parse_json(out))
        assert results["canary"]["result"] == "failed"
        assert results["a"]["result"] == results["b"]["result"] == "skipped"
        assert applied_versions(targets["a"]) == applied_versions(targets["b"]) == []

        with psycopg.connect(targets["canary"], autocommit=True) as conn:
            conn.execute("DROP TABLE notes")
        code, out, err = cli(project, "migrate", "--apply", "--targets", "all", "--canary", "a")
        assert code == 0, out + err
        assert "[a] ok: - -> 003, applied 3" in out  # plain progress lines off a terminal
        assert all(applied_versions(url) == ALL for url in urls)


def test_stop_on_failure_starts_no_new_target(tmp_path: Path, pg_server_url: str) -> None:
    with databases(pg_server_url, 3) as urls:
        targets = dict(zip(["first", "second", "third"], urls, strict=True))
        project = make_project(tmp_path / "app", targets_toml(targets))
        with psycopg.connect(targets["second"], autocommit=True) as conn:
            conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY)")
        code, out, _err = cli(
            project, "migrate", "--apply", "--targets", "all", "--parallel", "1", "--json"
        )
        assert code == 1
        results = by_target(parse_json(out))
        assert [results[n]["result"] for n in targets] == ["ok", "failed", "skipped"]
        assert applied_versions(targets["third"]) == []


def test_all_unreachable_exits_3(tmp_path: Path) -> None:
    other = UNREACHABLE.replace("nowhere", "elsewhere")
    project = make_project(tmp_path / "app", targets_toml({"x": UNREACHABLE, "y": other}))
    code, out, err = cli(project, "migrate", "--apply", "--targets", "all")
    assert code == 3
    assert "x  " in out and "unreachable" in out
    assert "s3cret-pass" not in out + err


def test_env_url_and_usage_errors(tmp_path: Path, pg_url: str) -> None:
    project = make_project(
        tmp_path / "app",
        '[[targets]]\nname = "one"\ndatabase_url_env = "FLEET_ONE_URL"\n',
    )
    code, _, err = cli(project, "migrate", "--apply", "--targets", "one")
    assert code == 2 and "environment variable FLEET_ONE_URL is not set" in err
    env = {"FLEET_ONE_URL": pg_url}
    code, out, err = cli(project, "migrate", "--apply", "--targets", "one", "--json", env=env)
    assert code == 0 and by_target(parse_json(out))["one"]["changed"] == ALL
    for args, message in [
        (("--targets", "nope"), "unknown target 'nope'"),
        (("--targets", "group:x"), "unknown group 'x'"),
        (("--targets", "one", "--canary", "two"), "--canary two: not among the selected"),
        (("--targets", "one", "--database-url", pg_url), "cannot be combined"),
        (("--parallel", "2"), "--parallel works only with --targets"),
        (("--canary", "one", "--retries", "1"), "--canary, --retries work only with --targets"),
    ]:
        code, _, err = cli(project, "migrate", "--apply", *args, env=env)
        assert code == 2 and message in err, (args, err)
    code, _, err = cli(project, "migrate", "--targets", "one", env=env)
    assert code == 2 and "--targets needs exactly one of" in err
    code, out, _ = cli(project, "migrate", "--apply", "--targets", "one", "--dry-run", env=env)
    assert code == 0 and "would apply on 1 target" in out


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[[targets]]\nname = "a"\n', "exactly one of database_url or database_url_env"),
        ('[[targets]]\nname = "a b"\ndatabase_url = "x"\n', "needs a name"),
        ('[[targets]]\nname = "all"\ndatabase_url = "x"\n', "'all' is reserved"),
        ('[[targets]]\nname = "a"\ndatabase_url = "x"\nport = 1\n', "unknown key 'port'"),
        (
            '[[targets]]\nname = "a"\ndatabase_url = "x"\n[[targets]]\nname = "a"\n'
            'database_url = "y"\n',
            "'a' is used twice",
        ),
        ('distribution = "sharded"\n', "must be one of none, citus"),
    ],
)
def test_bad_targets_config(tmp_path: Path, toml: str, message: str) -> None:
    (tmp_path / "buildamp.toml").write_text(toml)
    code, _, err = cli(tmp_path, "migrate", "--status", "--targets", "all")
    assert code == 2 and message in err and "buildamp.toml" in err


def test_rollback_to_and_prod_confirmation(tmp_path: Path, pg_url: str) -> None:
    project = make_project(tmp_path / "app", targets_toml({"one": pg_url}))
    config = project / "buildamp.toml"
    config.write_text(config.read_text().replace('mode = "dev"', 'mode = "prod"'))
    code, out, err = cli(project, "migrate", "--apply", "--targets", "all")
    assert code == 2 and "needs --yes" in err
    assert applied_versions(pg_url) == []
    code, out, err = cli(project, "migrate", "--apply", "--targets", "all", "--yes")
    assert code == 0 and "apply on 1 target(s): one" in out, out + err
    code, out, err = cli(
        project, "migrate", "--rollback", "--targets", "one", "--to", "001", "--yes", "--json"
    )
    assert code == 0, out + err
    assert by_target(parse_json(out))["one"]["changed"] == ["003", "002"]
    assert "rollback on 1 target(s): one" in err  # with --json the plan goes to stderr
    assert applied_versions(pg_url) == ["001"]


def test_two_targets_on_one_database_apply_once(tmp_path: Path, pg_url: str) -> None:
    """The advisory lock is per database: two targets naming one database at
    once apply each migration once; the second finds the work done."""
    project = make_project(tmp_path / "app", targets_toml({"a": pg_url, "b": pg_url}))
    code, out, err = cli(
        project, "migrate", "--apply", "--targets", "all", "--parallel", "2", "--json"
    )
    assert code == 0, out + err
    changed = sorted(entry["changed"] for entry in parse_json(out)["targets"])
    assert changed == [[], ALL]
    assert applied_versions(pg_url) == ALL
