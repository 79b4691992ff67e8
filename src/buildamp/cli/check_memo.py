"""Remembering a clean ``buildamp migrate --check``.

``--check`` runs in every pre-commit hook, and most runs see exactly the inputs of
the last clean run. Its verdict is a pure function of the model files, the
config, the schema state, the migration files and buildamp's own code, so a
digest of all of them, stored after a clean run, lets the next run with the same
digest answer at once. Any changed byte gives another digest and the full check.
Projects with Python models are never memoised: importing a model can read
anything. ``BUILDAMP_NO_CACHE=1`` turns it off.
"""

from __future__ import annotations

import contextlib
import hashlib
from pathlib import Path

from buildamp.cache.store import code_fingerprint, disabled, write_atomic
from buildamp.files.config import CONFIG_FILE, Config

MEMO_FILE = Path(".buildamp") / "cache" / "clean-check"


def digest(config: Config, model_files: list[Path]) -> str | None:
    """The digest of every input of ``--check``, or None when it cannot be memoised."""
    if disabled() or any(p.suffix == ".py" for p in model_files):
        return None
    code = code_fingerprint("check-1")
    hasher = hashlib.sha256(code.encode())
    inputs = [config.project_dir / CONFIG_FILE, config.project_dir / "pyproject.toml"]
    inputs += [config.state_path, *model_files]
    if config.migrations_dir.is_dir():
        inputs += sorted(p for p in config.migrations_dir.rglob("*") if p.is_file())
    # loaded on use: commands that do not need it never import it
    from buildamp.files.sumfile import CUSTOM_PREFIX, SUM_FILE, read_sums

    recorded = read_sums(config.migrations_dir / SUM_FILE) or {}
    inputs += [  # custom_sql files a migration included: editing one is a finding
        config.project_dir / name.removeprefix(CUSTOM_PREFIX)
        for name in sorted(recorded)
        if name.startswith(CUSTOM_PREFIX)
    ]
    for path in inputs:
        hasher.update(str(path).encode() + b"\0")
        try:
            hasher.update(hashlib.sha256(path.read_bytes()).digest())
        except OSError:
            hasher.update(b"missing")
    return hasher.hexdigest()


def was_clean(config: Config, key: str | None) -> bool:
    if key is None:
        return False
    try:
        return (config.project_dir / MEMO_FILE).read_text() == key
    except OSError:
        return False


def remember_clean(config: Config, key: str | None) -> None:
    if key is None:
        return
    path = config.project_dir / MEMO_FILE
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, key.encode())


VERIFIED_FILE = Path(".buildamp") / "cache" / "verified-files"


class VerifiedFiles:
    """SHA-256 of migration files that passed the file checks (NUL bytes, a
    ROLLBACK inside, a second BEGIN) with this buildamp: ``--check`` re-checks
    only files it has not seen, so its cost follows what changed. Keyed by
    content, so branch switches and reverts cannot fool it; a corrupt or foreign
    record is empty; concurrent runs each replace the whole file atomically (a
    lost entry is only checked again)."""

    def __init__(self, config: Config) -> None:
        self.path = None if disabled() else config.project_dir / VERIFIED_FILE
        self.header = code_fingerprint("verified-files-1")
        self.known: set[str] = set()
        self.added = False
        if self.path is not None:
            with contextlib.suppress(OSError, UnicodeDecodeError):
                lines = self.path.read_text(encoding="ascii").splitlines()
                if lines and lines[0] == self.header:
                    self.known = set(lines[1:])

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()

    def __contains__(self, key: str) -> bool:
        return key in self.known

    def add(self, key: str) -> None:
        if key not in self.known:
            self.known.add(key)
            self.added = True

    def save(self) -> None:
        if self.path is None or not self.added:
            return
        with contextlib.suppress(OSError):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self.path, "\n".join([self.header, *sorted(self.known)]).encode())
