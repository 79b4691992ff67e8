"""A content-hash cache of parsed Rust and Elm model files, under ``.buildamp/cache/``.

Reading a model file (tree-sitter parse plus walking the tree) is the one step
whose cost grows with every file of a project even when a single field
changed, so each parsed :class:`SourceFile` is kept, keyed by:

* the SHA-256 of the file's bytes (so an edit, however small, is a miss),
* the path the file is shown as (locations in errors and in the snapshot name it),
* whether the file is a ``*_domain.rs`` file,
* the buildamp version, :data:`READER_VERSION` and a fingerprint of the reader's
  own code and of tree-sitter (size and modification time of their files), so a
  new release or an edited checkout never reads an old entry.

The cache is an optimisation only: any read error, unknown format, key mismatch
or unexpected object is a miss and the file is parsed again; writes are atomic
(temporary file + rename) and failures to write are ignored. Deleting the folder
is always safe. Python model files are never cached: importing them can depend on
anything.

Entries are pickles read with an unpickler that only builds the declaration
classes, so a planted cache file cannot run code.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import os
import pickle
from dataclasses import dataclass, field
from pathlib import Path

import buildamp
from buildamp.cache.store import code_fingerprint, disabled, load_restricted, write_atomic
from buildamp.model.errors import Location
from buildamp.sources import decl

READER_VERSION = 3  # bump when the reader's output changes for the same source
CACHE_DIR = Path(".buildamp") / "cache" / "sources"
_MAGIC = "buildamp-source-cache"
_SUFFIX = ".pickle"

_ALLOWED = (
    decl.SourceFile,
    decl.StructDecl,
    decl.FieldDecl,
    decl.EnumDecl,
    decl.AliasDecl,
    decl.OptionDecl,
    decl.TypeRef,
    Location,
)


def _fingerprint() -> str:
    """buildamp's code plus the installed parser libraries (size and mtime of
    their files): an upgrade of either changes what a file parses to."""
    tags = [_MAGIC, str(READER_VERSION), buildamp.__version__]
    for package in ("tree_sitter", "tree_sitter_rust", "tree_sitter_language_pack"):
        spec = importlib.util.find_spec(package)
        if spec is not None and spec.origin:
            origin = Path(spec.origin)
            grammars = sorted(origin.parent.glob("*.so")) + sorted(
                origin.parent.glob("bindings/elm*.so")
            )
            for path in [origin, *grammars]:
                stat = path.stat()
                tags.append(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}")
    return code_fingerprint(*tags)


@dataclass
class SourceCache:
    """Parsed Rust files of one project, by content hash. ``folder=None`` disables it."""

    folder: Path | None
    fingerprint: str = ""
    used: set[str] = field(default_factory=set)
    hits: int = 0
    misses: int = 0

    @classmethod
    def for_project(cls, project_dir: Path) -> SourceCache:
        if disabled():
            return cls(None)
        return cls(project_dir / CACHE_DIR, _fingerprint())

    def key(self, data: bytes, display_path: str, domain_file: bool, language: str = "rust") -> str:
        """The entry name for these exact bytes read as ``display_path``."""
        digest = hashlib.sha256()
        parts = (self.fingerprint, display_path, str(domain_file))
        for part in parts if language == "rust" else (*parts, language):
            digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
        digest.update(hashlib.sha256(data).digest())
        return digest.hexdigest()

    def get(self, key: str) -> decl.SourceFile | None:
        if self.folder is None:
            return None
        try:
            raw = (self.folder / (key + _SUFFIX)).read_bytes()
            entry = load_restricted(io.BytesIO(raw), _ALLOWED)
        except Exception:  # missing, truncated, foreign or corrupt: a miss
            entry = None
        if (
            isinstance(entry, tuple)
            and len(entry) == 3
            and entry[0] == _MAGIC
            and entry[1] == key
            and isinstance(entry[2], decl.SourceFile)
        ):
            self.used.add(key)
            self.hits += 1
            return entry[2]
        self.misses += 1
        return None

    def put(self, key: str, source: decl.SourceFile) -> None:
        """Store atomically; a cache that cannot be written is simply not used."""
        if self.folder is None:
            return
        self.used.add(key)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            ignore = self.folder.parent / ".gitignore"
            if not ignore.exists():
                write_atomic(ignore, b"# buildamp's parse cache: safe to delete\n*\n")
            payload = pickle.dumps((_MAGIC, key, source), protocol=pickle.HIGHEST_PROTOCOL)
            write_atomic(self.folder / (key + _SUFFIX), payload)
        except OSError:
            self.folder = None

    def prune(self) -> None:
        """Remove entries this run did not use (old versions of edited, moved or
        deleted files): one directory listing."""
        if self.folder is None:
            return
        try:
            with os.scandir(self.folder) as entries:
                for entry in entries:
                    name = entry.name
                    if name.endswith(_SUFFIX) and name[: -len(_SUFFIX)] not in self.used:
                        os.unlink(entry.path)
        except OSError:
            pass
