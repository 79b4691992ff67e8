"""What every cache under ``.buildamp/cache/`` shares: a fingerprint of the code
whose output it keeps, loading pickles that may only build allowed classes, and
atomic writes. Caches are optimisations: callers treat any failure as a miss."""

from __future__ import annotations

import contextlib
import os
import pickle
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any


def code_fingerprint(tags: Iterable[str], files: Iterable[Path]) -> str:
    """The tags plus size and mtime of each file: an upgrade or an edited
    checkout of the code that produced an entry changes it."""
    parts = list(tags)
    for path in files:
        try:
            stat = path.stat()
        except OSError:
            parts.append(f"{path.name}:missing")
        else:
            parts.append(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}")
    return "|".join(parts)


def load_restricted(handle: IO[bytes], allowed: Iterable[type]) -> Any:
    """Unpickle, building only ``allowed`` classes, so a planted file cannot run code."""
    by_name = {(cls.__module__, cls.__name__): cls for cls in allowed}

    class Restricted(pickle.Unpickler):
        def find_class(self, module: str, name: str) -> Any:
            cls = by_name.get((module, name))
            if cls is None:
                raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a cache")
            return cls

    return Restricted(handle).load()


def write_atomic(path: Path, payload: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
