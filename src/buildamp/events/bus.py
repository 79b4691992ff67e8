"""Migration events: one payload shape, an in-process subscriber API, and the
sinks (audit log, webhooks) a CLI command registers for its duration.

Emitting is synchronous and cheap: subscribers are called in the emitting
thread, in subscription order, and a subscriber that raises is logged and
skipped, because an observer must never fail a migration. Events describing a
change (``migration.applied``, ``migration.rolled_back``) are emitted only
after the change committed, so no subscriber ever sees a change that was
rolled back. This module imports only the standard library: the audit log and
``httpx`` load when a command opens its sinks (see :mod:`buildamp.events.sinks`).
"""

from __future__ import annotations

import dataclasses
import fnmatch
import itertools
import os
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

# The names live in model/ so config validation shares them; re-exported here.
from buildamp.model import event_names as _names
from buildamp.model.event_names import EVENT_NAMES, matches_some_event

if TYPE_CHECKING:
    import logging

PAYLOAD_FORMAT = 1

GENERATED = _names.GENERATED
STARTED = _names.STARTED
APPLIED = _names.APPLIED
FAILED = _names.FAILED
ROLLED_BACK = _names.ROLLED_BACK
SCHEMA_CHANGED = _names.SCHEMA_CHANGED
BACKFILL_PROGRESS = _names.BACKFILL_PROGRESS
DRIFT_DETECTED = _names.DRIFT_DETECTED

Callback = Callable[["Event"], None]

_sequence = itertools.count(1)
# The fleet target the current thread works on (``buildamp ... --targets``):
# every event emitted meanwhile carries its name, without threading it through.
_target: ContextVar[str | None] = ContextVar("buildamp_target", default=None)


@contextmanager
def for_target(name: str | None) -> Iterator[None]:
    """Events emitted in this block (this thread/context) name ``name`` as target."""
    token = _target.set(name)
    try:
        yield
    finally:
        _target.reset(token)


def actor() -> str:
    """Who ran the command: ``BUILDAMP_ACTOR`` (set it in CI) or the OS user."""
    configured = os.environ.get("BUILDAMP_ACTOR", "").strip()
    if configured:
        return configured
    # only when no actor is configured (CI sets one)
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Event:
    """One thing that happened. :meth:`payload` is the documented JSON shape
    (docs/events.md) shared by subscribers, the audit log and webhooks."""

    event: str
    version: str | None = None
    name: str | None = None
    checksum: str | None = None
    tables: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()
    duration_ms: int | None = None
    database: str | None = None  # host:port/dbname, never credentials
    target: str | None = field(default_factory=_target.get)  # fleet target name
    actor: str = field(default_factory=actor)
    error: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    sequence: int = field(default_factory=lambda: next(_sequence))
    timestamp: str = field(default_factory=utc_now)

    def __post_init__(self) -> None:
        if self.event not in EVENT_NAMES:
            raise ValueError(f"unknown event {self.event!r}; known: {', '.join(EVENT_NAMES)}")

    def payload(self) -> dict[str, Any]:
        """The JSON object sent everywhere: every key always present."""
        return {
            "format": PAYLOAD_FORMAT,
            "event": self.event,
            "id": self.id,
            "sequence": self.sequence,
            "timestamp": self.timestamp,
            "version": self.version,
            "name": self.name,
            "checksum": self.checksum,
            "tables": list(self.tables),
            "fields": list(self.fields),
            "duration_ms": self.duration_ms,
            "database": self.database,
            "target": self.target,
            "actor": self.actor,
            "error": self.error,
            "details": dict(self.details),
        }


# -- subscribers ---------------------------------------------------------------

_lock = threading.Lock()
_subscribers: list[tuple[Callback, tuple[str, ...] | None]] = []


def check_patterns(events: Iterable[str]) -> tuple[str, ...]:
    patterns = tuple(events)
    for pattern in patterns:
        if not matches_some_event(pattern):
            raise ValueError(
                f"{pattern!r} matches no event; known events: {', '.join(EVENT_NAMES)}"
            )
    return patterns


def matches(patterns: tuple[str, ...] | None, name: str) -> bool:
    """``None`` or empty means every event; patterns may use ``*`` (``migration.*``)."""
    return not patterns or any(fnmatch.fnmatchcase(name, p) for p in patterns)


def subscribe(callback: Callback, events: Iterable[str] | None = None) -> Callable[[], None]:
    """Call ``callback(event)`` for every emitted event (or only those matching
    ``events``); returns a function that unsubscribes. Callbacks run in the
    emitting thread, so keep them quick or hand work to a thread."""
    entry = (callback, check_patterns(events) if events is not None else None)
    with _lock:
        _subscribers.append(entry)

    def unsubscribe() -> None:
        with _lock:
            if entry in _subscribers:
                _subscribers.remove(entry)

    return unsubscribe


@contextmanager
def subscribed(callback: Callback, events: Iterable[str] | None = None) -> Iterator[None]:
    """:func:`subscribe` for the duration of a ``with`` block."""
    unsubscribe = subscribe(callback, events)
    try:
        yield
    finally:
        unsubscribe()


def emit(event: Event) -> None:
    """Hand ``event`` to every matching subscriber. Never raises because of a
    subscriber: the migration is what matters, the observers are best-effort."""
    with _lock:
        targets = list(_subscribers)
    if targets:  # every channel (audit log, webhooks, subscribers) sees it scrubbed
        # loaded on use: only this path needs it (keeps start-up cheap)
        from buildamp.pg.secrets import scrub

        event = dataclasses.replace(event, error=scrub(event.error), details=scrub(event.details))
    for callback, patterns in targets:
        if not matches(patterns, event.event):
            continue
        try:
            callback(event)
        except Exception:
            _logger().exception("buildamp event subscriber %r failed on %s", callback, event.event)


def _logger() -> logging.Logger:
    """This module's logger, loaded when a subscriber fails (logging costs ~6 ms)."""
    # on a subscriber's failure only
    import logging

    return logging.getLogger(__name__)
