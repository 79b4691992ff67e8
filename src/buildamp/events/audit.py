"""The audit trail: every event as one JSON line, via ``structlog``.

Lines go to ``.buildamp/audit.log`` (config ``audit_log``) and, with
``--log-format json``, to stderr as well. Records are scrubbed before they
are rendered: the database password and webhook secrets never reach a line,
even if some error message quoted them. ``structlog`` costs ~100 ms to import,
so it loads on the first record, not when the command starts.
"""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TextIO

from buildamp.events.bus import FAILED, Event, utc_now
from buildamp.model.errors import ConfigError, Location

_URL_PASSWORD = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@\s]*@", re.IGNORECASE)
_KV_PASSWORD = re.compile(r"(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s,;\"]+)", re.IGNORECASE)
_FIRST = ("timestamp", "level", "event")
_LEVELS = {FAILED: "error", "drift.detected": "warning"}


def url_secrets(url: str | None) -> list[str]:
    """The password spellings in a database URL or DSN (raw and percent-decoded)."""
    if not url:
        return []
    # connection code (and psycopg): only when a database is used
    from buildamp.pg.database import _secrets

    return [s for s in _secrets(url) if s]


class Scrubber:
    """Replaces known secrets, and anything shaped like a URL password, by ``***``."""

    def __init__(self, secrets: Iterable[str]) -> None:
        # Longest first, so a secret containing another is replaced whole.
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def text(self, value: str) -> str:
        for secret in self.secrets:
            value = value.replace(secret, "***")
        value = _URL_PASSWORD.sub(r"\1***@", value)
        return _KV_PASSWORD.sub(r"\1***", value)

    def __call__(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {key: self(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self(item) for item in value]
        return value


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
        self._loggers: list[Any] | None = None
        self._warned = False

    def _get_loggers(self) -> list[Any]:
        """structlog loggers, built on first use with their own processor chain
        (never the global structlog configuration an application may have set)."""
        if self._loggers is None:
            structlog = _import_structlog()

            processors: list[Any] = [
                self._scrub_processor,
                _order_keys,
                structlog.processors.JSONRenderer(sort_keys=False, ensure_ascii=False),
            ]
            outputs = [f for f in (self._file, self._stderr) if f is not None]
            self._loggers = [
                structlog.wrap_logger(
                    structlog.PrintLogger(out),
                    processors=processors,
                    wrapper_class=structlog.BoundLogger,
                    context_class=dict,
                    cache_logger_on_first_use=False,
                )
                for out in outputs
            ]
        return self._loggers

    def _scrub_processor(self, _logger: Any, _method: str, event_dict: Any) -> Any:
        return self.scrub(event_dict)

    def write(self, name: str, level: str, fields: Mapping[str, Any]) -> None:
        """One JSON line ``{"timestamp", "level", "event": name, ...fields}``.
        A write failure warns once on stderr and never raises: the migration
        has already happened by the time it is recorded."""
        record = {key: value for key, value in fields.items() if key != "event"}
        record["level"] = level
        try:
            with self._lock:
                if self._file is None:
                    return
                for logger in self._get_loggers():
                    logger.msg(name, **record)
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
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None


def _order_keys(_logger: Any, _method: str, event_dict: Any) -> dict[str, Any]:
    """``timestamp``, ``level``, ``event`` first: easier to read with ``tail``."""
    if "timestamp" not in event_dict:
        event_dict["timestamp"] = utc_now()
    ordered = {key: event_dict[key] for key in _FIRST if key in event_dict}
    ordered.update((k, v) for k, v in event_dict.items() if k not in ordered)
    return ordered


def _import_structlog() -> Any:
    """``import structlog`` without its optional rich integration.

    structlog's console renderer imports rich when it is installed (about 35 ms,
    half of structlog's import); we only ever render JSON. The block is lifted
    right after, so rich imports normally for our progress bars."""
    if "structlog" in sys.modules or "rich" in sys.modules:
        # structlog: only when an audit record is written
        import structlog

        return structlog
    sys.modules["rich"] = None  # type: ignore[assignment]
    try:
        # structlog: only when an audit record is written
        import structlog
    finally:
        del sys.modules["rich"]
    return structlog
