"""cli/check_memo.py: a verified migration file is keyed by the SHA-256 of its
bytes; the shortcut through its buildamp.sum checksum gives the same key."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from buildamp.cli.check_memo import VerifiedFiles
from buildamp.cli.main import main
from buildamp.files.config import load_config
from buildamp.files.migration import checksum

TEXTS = st.lists(st.sampled_from(["BEGIN;", "SELECT 1;", "\n", "\r\n", "\r", "é", "-- x"])).map(
    "".join
)


@given(TEXTS)
def test_the_checksum_shortcut_gives_the_same_key(text: str) -> None:
    assert VerifiedFiles.key(text, checksum(text)) == VerifiedFiles.key(text)


def test_a_carriage_return_is_hashed_as_written() -> None:
    """The sum normalises line endings; the verified key must not."""
    crlf = "BEGIN;\r\nSELECT 1;\r\nCOMMIT;\r\n"
    assert VerifiedFiles.key(crlf, checksum(crlf)) != VerifiedFiles.key(crlf.replace("\r", ""))


def test_generate_records_the_files_it_wrote_as_verified(tmp_path: Path) -> None:
    """Composing a migration ran the check ``--check`` runs on an unseen file, so
    the first ``--check`` after a generate parses nothing (no pglast loaded)."""
    root = tmp_path / "app"
    root.mkdir()
    runner = CliRunner()
    assert runner.invoke(main, ["-C", str(root), "init"], env={}).exit_code == 0
    (root / "models" / "item_domain.rs").write_text("pub struct Item {\n    pub id: String,\n}\n")
    done = runner.invoke(main, ["-C", str(root), "migrate"], env={"CI": "1"})
    assert done.exit_code == 0, done.output
    written = sorted((root / "migrations").rglob("001_*.sql"))
    assert len(written) == 2  # the migration and its rollback
    verified = VerifiedFiles(load_config(root))
    for path in written:
        assert VerifiedFiles.key(path.read_text(encoding="utf-8")) in verified, path
    script = (
        "import sys\n"
        "from buildamp.cli.main import main\n"
        "try:\n"
        f"    main(['--project', {str(root)!r}, 'migrate', '--check'])\n"
        "except SystemExit as done:\n"
        "    assert done.code in (0, None), done.code\n"
        "print('pglast' in sys.modules)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
    env.pop("BUILDAMP_NO_CACHE", None)
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    ).stdout
    assert out.strip().splitlines()[-1] == "False", out
