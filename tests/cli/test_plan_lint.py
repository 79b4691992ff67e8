"""Issue 14 item 11 (plan part): the plan's lint knows which tables earlier
migrations of the same plan create, so a fresh database shows no false errors."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_migrate_trust import cli, write


def test_plan_lint_knows_tables_created_earlier_in_the_plan(tmp_path: Path, pg_url: str) -> None:
    root = tmp_path / "app"
    write(root / "buildamp.toml", 'models = ["models"]\nmode = "prod"\n')
    (root / "models").mkdir()
    migrations = root / "migrations"
    write(migrations / "001_t.sql", "BEGIN;\nCREATE TABLE t (a int);\nCOMMIT;\n")
    write(migrations / "rollback" / "001_rollback.sql", "BEGIN;\nDROP TABLE t;\nCOMMIT;\n")
    write(migrations / "002_t_a.sql", "BEGIN;\nCREATE INDEX t_a ON t (a);\nCOMMIT;\n")
    write(migrations / "rollback" / "002_rollback.sql", "BEGIN;\nDROP INDEX t_a;\nCOMMIT;\n")
    code, out, err = cli(
        root, "migrate", "--apply", "--dry-run", "--json", "--database-url", pg_url
    )
    assert code == 0, err
    plan = json.loads(out)["migrations"]
    assert [m["lint"] for m in plan] == [[], []]
    assert [m["locks"] for m in plan] == [[], []]
    # once 001 is applied, t exists: the same file is now a real hazard
    assert cli(root, "migrate", "--apply", "--to", "1", "--yes", "--database-url", pg_url)[0] == 0
    code, out, _ = cli(root, "migrate", "--apply", "--dry-run", "--json", "--database-url", pg_url)
    [item] = json.loads(out)["migrations"]
    assert {f["code"] for f in item["lint"]} >= {"BA001"} and item["locks"] == ["t"]
