"""The audit trail: every event as one JSON line.

Lines go to ``.buildamp/audit.log`` (config ``audit_log``) and, with
``--log-format json``, to stderr as well. Records are scrubbed before they
are rendered: the database password and webhook secrets never reach a line,
even if some error message quoted them. A line is ``json.dumps`` of the
record: a logging library (structlog costs ~100 ms to import) would add
nothing to one JSON object per line.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TextIO

from buildamp.events.bus import FAILED, Event, utc_now
from buildamp.model.errors import ConfigError, Location

_FIRST = ("timestamp", "level", "event")
_LEVELS = {FAILED: "error", "drift.detected": "warning"}


def url_secrets(url: str | None) -> list[str]:
    """The password spellings in a database URL or DSN (see pg.secrets)."""
    # the secret rules (and psycopg): only when a database is used
    from buildamp.pg.secrets import secrets_in

    return secrets_in(url)


class Scrubber:
    """Replaces known secrets, and anything shaped like a URL password, by
    ``***`` (the rules live in :mod:`buildamp.pg.secrets`, shared by every
    channel)."""

    def __init__(self, secrets: Iterable[str]) -> None:
        self.secrets = tuple(s for s in secrets if s)

    def text(self, value: str) -> str:
        # loaded on use: only this path needs it (keeps start-up cheap)
        from buildamp.pg.secrets import scrub_text

        return scrub_text(value, self.secrets)

    def __call__(self, value: Any) -> Any:
        # loaded on use: only this path needs it (keeps start-up cheap)
        from buildamp.pg.secrets import scrub

        return scrub(value, self.secrets)


class AuditLog:
    """One command's audit sink: :meth:`record` is an event subscriber."""

    def __init__(
        self,
        path: Path,
        stderr: TextIO | None = None,
        secrets: Iterable[str] = (),
        url: str | None = None,
    ) -> None:
        self.path = path
        self.scrub = Scrubber([*secrets, *url_secrets(url)])
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file: TextIO | None = path.open("a", encoding="utf-8")
        except OSError as error:
            raise ConfigError(
                f"cannot open the audit log: {error.strerror or error}",
                Location(str(path)),
                "fix its folder's permissions or set audit_log in buildamp.toml",
            ) from None
        self._stderr = stderr
        self._lock = threading.Lock()
        self._warned = False

    def _line(self, name: str, level: str, fields: Mapping[str, Any]) -> str:
        """The scrubbed JSON object: ``timestamp``, ``level``, ``event`` first
        (easier to read with ``tail``), values JSON cannot hold as their repr."""
        record = {key: value for key, value in fields.items() if key != "event"}
        record["level"] = level
        record["event"] = name
        record = self.scrub(record)
        if "timestamp" not in record:
            record["timestamp"] = utc_now()
        ordered = {key: record[key] for key in _FIRST if key in record}
        ordered.update((k, v) for k, v in record.items() if k not in ordered)
        return json.dumps(ordered, ensure_ascii=False, default=repr)

    def write(self, name: str, level: str, fields: Mapping[str, Any]) -> None:
        """One JSON line ``{"timestamp", "level", "event": name, ...fields}``.
        A write failure warns once on stderr and never raises: the migration
        has already happened by the time it is recorded."""
        try:
            line = self._line(name, level, fields) + "\n"
            with self._lock:
                if self._file is None:
                    return
                for out in (self._file, self._stderr):
                    if out is not None:
                        out.write(line)
                        out.flush()
        except (OSError, ValueError) as error:
            if not self._warned:
                self._warned = True
                print(f"warning: cannot write the audit log {self.path}: {error}", file=sys.stderr)

    def record(self, event: Event) -> None:
        """Subscriber: the event's payload as one line."""
        self.write(event.event, _LEVELS.get(event.event, "info"), event.payload())

    def record_failure(self, failure: Mapping[str, Any]) -> None:
        """A webhook delivery that failed or was abandoned (``webhook.failed``)."""
        fields = dict(failure)
        name = str(fields.pop("record", "webhook.failed"))
        self.write(name, "warning", fields)

    def close(self) -> None:
        """Close the file; a full disk shows here too (the buffered last lines):
        warn once and carry on, as for :meth:`write`."""
        with self._lock:
            if self._file is not None:
                file, self._file = self._file, None
                try:
                    file.close()
                except OSError as error:
                    if not self._warned:
                        self._warned = True
                        print(
                            f"warning: cannot write the audit log {self.path}: {error}",
                            file=sys.stderr,
                        )
