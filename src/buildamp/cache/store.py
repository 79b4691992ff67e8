"""What every cache under ``.buildamp/cache/`` shares: a fingerprint of the code
whose output it keeps, loading pickles that may only build allowed classes, and
atomic writes. Caches are optimisations: callers treat any failure as a miss."""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import io
import os
import pickle
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any


@functools.cache
def _package_digest() -> str:
    """Size and mtime of every module of buildamp, once per process: any upgrade
    or edit of the code invalidates every cache, so no hand-kept list of the
    files a cache depends on can go stale."""
    package = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
    start = len(package) + 1
    parts = []
    # strings, not Path objects: every command that reads a cache pays for this
    for folder, dirs, names in os.walk(package):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in names:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                stat = os.stat(path)
                parts.append(f"{path[start:]}:{stat.st_size}:{stat.st_mtime_ns}")
    parts.sort()
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


DISABLE_ENV = "BUILDAMP_NO_CACHE"


def disabled() -> bool:
    """``BUILDAMP_NO_CACHE=1`` turns every cache off (each then computes afresh)."""
    return bool(os.environ.get(DISABLE_ENV))


def code_fingerprint(*tags: str) -> str:
    """The tags plus the digest of buildamp's own code: an entry made by other
    code (an upgrade, an edited checkout) is never read."""
    return "|".join([*tags, _package_digest()])


def load_restricted(handle: IO[bytes], allowed: Iterable[type]) -> Any:
    """Unpickle, building only ``allowed`` classes, so a planted file cannot run code."""
    return _restricted(allowed)(handle).load()


def load_restricted_each(data: bytes, allowed: Iterable[type]) -> Iterator[Any]:
    """:func:`load_restricted` of each of the pickles written one after another
    into ``data`` (by a pickler whose memo was cleared after each): a fresh
    unpickler each, as each pickle numbers its memo from zero."""
    return (value for value, _, _ in load_restricted_spans(data, allowed))


def load_restricted_spans(data: bytes, allowed: Iterable[type]) -> Iterator[tuple[Any, int, int]]:
    """:func:`load_restricted_each` with where each pickle starts and ends in
    ``data``: a writer may copy the bytes of the pickles it did not change."""
    restricted = _restricted(allowed)
    handle = io.BytesIO(data)
    while (start := handle.tell()) < len(data):
        yield restricted(handle).load(), start, handle.tell()


def _restricted(allowed: Iterable[type]) -> type[pickle.Unpickler]:
    """An unpickler that builds only ``allowed`` classes."""
    by_name = {(cls.__module__, cls.__name__): cls for cls in allowed}

    class Restricted(pickle.Unpickler):
        def find_class(self, module: str, name: str) -> Any:
            cls = by_name.get((module, name))
            if cls is None:
                raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a cache")
            return cls

    return Restricted


# Text is encoded (to write or hash it) this many characters at a time: the
# state of 10,000 tables is 35 MB, which need not exist twice (as text and as
# bytes).
_WRITE_PIECE = 1 << 20


def utf8_pieces(text: str | Iterable[str], errors: str = "strict") -> Iterator[bytes]:
    """The UTF-8 bytes of ``text`` (of its pieces, one after another) a slice at
    a time (a slice of code points encodes to a slice of the bytes)."""
    for piece in [text] if isinstance(text, str) else text:
        for start in range(0, len(piece), _WRITE_PIECE):
            yield piece[start : start + _WRITE_PIECE].encode("utf-8", errors)


def text_sha256(text: str | Iterable[str], errors: str = "strict") -> str:
    """``hashlib.sha256(text.encode("utf-8", errors)).hexdigest()`` without the
    bytes of a large text held at once."""
    digest = hashlib.sha256()
    for chunk in utf8_pieces(text, errors):
        digest.update(chunk)
    return digest.hexdigest()


class Hashed:
    """Text pieces passed on once, their SHA-256 taken on the way: a text written
    as it is made (the state of a generate), and its hash, never held whole."""

    def __init__(self, pieces: Iterable[str]) -> None:
        self._pieces = pieces
        self._digest = hashlib.sha256()
        self._done = False

    def __iter__(self) -> Iterator[str]:
        for piece in self._pieces:
            self._digest.update(piece.encode("utf-8"))
            yield piece
        self._done = True

    def hexdigest(self) -> str:
        """The SHA-256 of every piece's UTF-8, once all were passed on."""
        if not self._done:
            raise RuntimeError("the text was not read to its end")
        return self._digest.hexdigest()


# What tempfile.mkstemp opens a file with (tempfile itself loads shutil and
# random: ~5 ms of every command that writes): a new file, only this user's.
_NEW_FILE = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)


def _new_temporary(folder: Path, name: str) -> tuple[int, str]:
    """``tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")``: a
    file no one else has opened, mode 0600, its descriptor and path."""
    for _ in range(100):
        tmp = os.path.abspath(os.path.join(folder, f".{name}.{os.urandom(6).hex()}.tmp"))
        try:
            return os.open(tmp, _NEW_FILE, 0o600), tmp
        except FileExistsError:
            continue  # a name taken: another
    raise FileExistsError(f"no free temporary name for {name} in {folder}")


@dataclass(frozen=True)
class CopyOf:
    """What :func:`write_all_or_none` writes as a file's bytes as they are when
    it stages them: a hard link, no copy (the state of 10,000 tables is 35 MB,
    which a generate keeps under ``.buildamp/before/``)."""

    source: Path


def _stage(path: Path, payload: bytes | str | Iterable[str] | CopyOf) -> Path:
    """``payload`` (text: as UTF-8; text in pieces: one after another) in a
    temporary file beside ``path``, ready to be renamed over it."""
    fd, tmp = _new_temporary(path.parent, path.name)
    if isinstance(payload, CopyOf):
        os.close(fd)
        os.unlink(tmp)
        try:
            os.link(payload.source, tmp)  # fails if the name was taken meanwhile
        except OSError:  # no links here: a copy
            return _stage(path, payload.source.read_bytes())
        return Path(tmp)
    try:
        with os.fdopen(fd, "wb") as handle:
            if isinstance(payload, bytes):
                handle.write(payload)
            else:
                for chunk in utf8_pieces(payload):
                    handle.write(chunk)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return Path(tmp)


def write_atomic(path: Path, payload: bytes) -> None:
    """Replace one file: readers see the old bytes or the new, never a part."""
    staged = _stage(path, payload)
    try:
        os.replace(staged, path)
    except BaseException:
        staged.unlink(missing_ok=True)
        raise


def write_all_or_none(files: Mapping[Path, str | Iterable[str] | CopyOf]) -> None:
    """Write every file or none (a migration, its rollback, the sum file and the
    state): stage all first, then rename, restoring earlier contents on failure.
    A file's text may come in pieces (the state of a generate: never whole), or
    be another file's bytes as they are before any rename (:class:`CopyOf`)."""
    staged: list[tuple[Path, Path]] = []
    done: list[tuple[Path, Path | bytes | None]] = []
    try:
        for path, text in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            staged.append((_stage(path, text), path))
        for temp, path in staged:
            previous = _keep(path)
            os.replace(temp, path)
            done.append((path, previous))
    except BaseException:
        for path, previous in reversed(done):
            if previous is None:
                path.unlink(missing_ok=True)
            elif isinstance(previous, Path):
                os.replace(previous, path)
            else:
                path.write_bytes(previous)
        for temp, _ in staged:
            temp.unlink(missing_ok=True)
        raise
    for _, previous in done:
        if isinstance(previous, Path):
            previous.unlink(missing_ok=True)


def _keep(path: Path) -> Path | bytes | None:
    """What restores ``path`` if a later rename fails: nothing when it does not
    exist, else a hard link to it beside it (the state of 10,000 tables is 35 MB:
    not read into memory to be kept), or its bytes where links are not possible."""
    if not path.exists():
        return None
    backup = path.with_name(f".{path.name}.{os.getpid()}.{id(path):x}.keep")
    try:
        backup.unlink(missing_ok=True)
        os.link(path, backup)
    except OSError:
        return path.read_bytes()
    return backup


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many small, acyclic objects.

    Reading 1,000 models allocates a few hundred thousand objects; every
    collection pass walks all of them, which made reading, building and the
    snapshot up to 3x slower. Reference counting still frees everything."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        # What the pause built lives to the end of the command: freeze it, or the
        # first collection after it walks every one of those objects (~0.1 s per
        # pause at 1,000 models). A long-running process unfreezes between
        # rounds (see cli/watch.py: ``collect_between_rounds``).
        gc.freeze()
        gc.enable()


def collect_between_rounds() -> None:
    """Give frozen objects back to the collector and collect: a process that
    runs many commands (``buildamp watch``) must not keep their cycles."""
    gc.unfreeze()
    gc.collect()
