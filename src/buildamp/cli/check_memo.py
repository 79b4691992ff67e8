"""What ``buildamp migrate --check`` remembers between runs: the migration files
that passed the file checks. Nothing else is remembered: the verdict itself is
recomputed every time, at the cost of what changed (the model index proves
unchanged models by stat and hash, each migration file is read once).
``BUILDAMP_NO_CACHE=1`` turns it off."""

from __future__ import annotations

import contextlib
from pathlib import Path

from buildamp.cache.store import code_fingerprint, disabled, text_sha256, write_atomic
from buildamp.files.config import Config

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
    def key(text: str, checksum: str | None = None) -> str:
        """The SHA-256 of ``text``'s bytes. ``checksum``: its buildamp.sum
        checksum, which is that very hash when the text has no carriage return
        (the checksum normalises line endings): no second hash then."""
        if checksum is not None and "\r" not in text:
            return checksum
        return text_sha256(text, "surrogatepass")

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
