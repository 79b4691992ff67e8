"""kill -9 in the middle of a fleet rollout, then a rerun does exactly the missing work."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.run.fleet_support import (
    applied_versions,
    by_target,
    cli,
    databases,
    parse_json,
    targets_toml,
)

ALL = ["001", "002", "003"]
TARGETS = 20


def slow_project(root: Path, targets: dict[str, str]) -> Path:
    """Three hand-written migrations, each sleeping inside its transaction, so
    the kill lands while some targets are done, some half done, some untouched."""
    root.mkdir()
    assert cli(root, "init")[0] == 0
    for number in (1, 2, 3):
        version = f"{number:03d}"
        (root / "migrations" / f"{version}_slow_{number}.sql").write_text(
            f"BEGIN;\nSELECT pg_sleep(0.15);\nCREATE TABLE slow_{number} (id INTEGER);\nCOMMIT;\n"
        )
        (root / "migrations" / "rollback" / f"{version}_rollback.sql").write_text(
            f"BEGIN;\nDROP TABLE slow_{number};\nCOMMIT;\n"
        )
    with (root / "buildamp.toml").open("a") as config:
        config.write("\n" + targets_toml(targets))
    return root


def test_kill_9_mid_rollout_then_rerun_finishes_the_rest(
    tmp_path: Path, pg_server_url: str
) -> None:
    with databases(pg_server_url, TARGETS, prefix="kill") as urls:
        targets = {f"k{i:02d}": url for i, url in enumerate(urls)}
        project = slow_project(tmp_path / "app", targets)
        command = [sys.executable, "-m", "buildamp", "-C", str(project), "migrate", "--apply"]
        command += ["--targets", "all", "--parallel", "2"]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
        assert process.stdout is not None
        finished = 0
        deadline = time.monotonic() + 60
        for line in process.stdout:  # plain lines: "[k03] ok: - -> 003, applied 3"
            finished += "] ok:" in line
            if finished >= 4 or time.monotonic() > deadline:
                break
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        assert process.returncode == -signal.SIGKILL

        before = {name: applied_versions(url) for name, url in targets.items()}
        missing = {name: [v for v in ALL if v not in done] for name, done in before.items()}
        assert any(not m for m in missing.values()), before  # some targets were done
        assert any(m for m in missing.values()), before  # and some were not
        for done in before.values():  # every migration all or nothing: a prefix of ALL
            assert done == ALL[: len(done)]

        code, out, err = cli(project, "migrate", "--apply", "--targets", "all", "--json")
        assert code == 0, out + err
        results = by_target(parse_json(out))
        for name, url in targets.items():
            assert results[name]["changed"] == missing[name], name
            assert applied_versions(url) == ALL
