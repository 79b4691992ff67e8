"""Built tables by the digest of what built them, under ``.buildamp/cache/``.

Turning 1,000 model structs into tables (option checks, type mapping, index
planning) costs more than reading them, yet an edit touches one struct. Each
built table is kept under a digest of everything its build reads: the struct
declaration (with its location), the type context (aliases, enums and struct
names of the project), the build settings, buildamp's version and the size and
mtime of the builder's own code. Any change to those is a miss. Tables with
``custom_sql`` are never cached: their build checks a file on disk.

Like the parse cache, it is an optimisation: unreadable or unexpected data is a
miss, writes are atomic, ``BUILDAMP_NO_CACHE=1`` turns it off, and deleting the
folder is always safe. The pickle is read with an unpickler that only builds
the schema and hint classes.
"""

from __future__ import annotations

import contextlib
import hashlib
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import buildamp
from buildamp.cache.store import (
    code_fingerprint,
    disabled,
    load_restricted,
    write_atomic,
)
from buildamp.model import hints as hint_types
from buildamp.model import schema as schema_types

CACHE_FILE = Path(".buildamp") / "cache" / "tables.pickle"
DELTA_SUFFIX = ".delta"  # entries added since the main file was last written
COMPACT_AT = 64  # fold the delta into the main file beyond this many entries
FORMAT = "buildamp-table-cache-1"

_ALLOWED = (*schema_types.SCHEMA_TYPES, hint_types.TableHint, hint_types.ColumnHint)

Entry = tuple[schema_types.Table, tuple[str, ...], hint_types.TableHint, dict[str, Any]]


def _fingerprint() -> str:
    return code_fingerprint(FORMAT, buildamp.__version__)


@dataclass
class TableCache:
    path: Path | None
    prefix: bytes = b""
    entries: dict[str, Entry] = field(default_factory=dict)
    used: dict[str, Entry] = field(default_factory=dict)
    changed: bool = False
    main_keys: frozenset[str] = frozenset()  # what the main file holds

    @classmethod
    def for_project(cls, project_dir: Path, context: Any, settings: Any) -> TableCache:
        if disabled():
            return cls(None)
        inputs = pickle.dumps((_fingerprint(), _context_digest(context), settings), protocol=5)
        cache = cls(project_dir / CACHE_FILE, hashlib.sha256(inputs).digest())
        cache._load()
        return cache

    @property
    def delta_path(self) -> Path:
        assert self.path is not None
        return self.path.with_name(self.path.name + DELTA_SUFFIX)

    def _load(self) -> None:
        main = _read(self.path) if self.path is not None else {}
        self.main_keys = frozenset(main)
        self.entries = {**main, **(_read(self.delta_path) if main else {})}

    def key(self, struct: Any, file_digest: str = "") -> str:
        """By the file's digest and the struct's name when the file's exact text
        is known (cheap), else by the whole declaration."""
        if file_digest:
            body = f"{file_digest}\0{struct.name}".encode()
        else:
            body = pickle.dumps(struct, protocol=5)
        return hashlib.sha256(self.prefix + body).hexdigest()

    def get(self, key: str) -> Entry | None:
        if self.path is None:
            return None
        entry = self.entries.get(key)
        if entry is not None and _valid(entry):
            self.used[key] = entry
            return entry
        return None

    def put(self, key: str, entry: Entry) -> None:
        if self.path is not None:
            self.used[key] = entry
            self.changed = True

    def save(self) -> None:
        """A few new tables go to the small delta file (rewriting a thousand
        tables for one edit costs more than the edit); past ``COMPACT_AT`` or
        when many entries went unused, the main file is rewritten with exactly
        the entries this run used, so removed models drop out."""
        if self.path is None or (not self.changed and len(self.used) == len(self.entries)):
            return
        added = {k: v for k, v in self.used.items() if k not in self.main_keys}
        unused = len(self.main_keys) - (len(self.used) - len(added))
        with contextlib.suppress(OSError):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if self.main_keys and len(added) <= COMPACT_AT and unused <= COMPACT_AT:
                write_atomic(self.delta_path, _payload(added))
                return
            write_atomic(self.path, _payload(self.used))
            self.delta_path.unlink(missing_ok=True)


def _payload(entries: dict[str, Entry]) -> bytes:
    return pickle.dumps({"format": FORMAT, "entries": entries}, protocol=5)


def _read(path: Path) -> dict[str, Entry]:
    with contextlib.suppress(Exception):
        with path.open("rb") as handle:
            data = load_restricted(handle, _ALLOWED)
        if isinstance(data, dict) and data.get("format") == FORMAT:
            entries = data.get("entries")
            if isinstance(entries, dict):
                return entries
    return {}


def _valid(entry: Any) -> bool:
    return (
        isinstance(entry, tuple)
        and len(entry) == 4
        and isinstance(entry[0], schema_types.Table)
        and isinstance(entry[2], hint_types.TableHint)
        and isinstance(entry[3], dict)
    )


def _context_digest(context: Any) -> bytes:
    """What a table's type mapping can depend on besides its own struct."""
    aliases = sorted((a.name, a.target) for a in context.aliases.values())
    enums = sorted(
        (key, e.variants, e.unit_only, context.enum_types.get(key, ""))
        for key, e in context.enums.items()
    )
    structs = sorted(context.structs)
    return hashlib.sha256(pickle.dumps((aliases, enums, structs), protocol=5)).digest()
