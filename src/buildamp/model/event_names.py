"""The names of buildamp's events, low in the stack so that config validation
(``files/``) and the event bus (``events/``) share one list."""

from __future__ import annotations

import fnmatch

GENERATED = "migration.generated"
STARTED = "migration.started"
APPLIED = "migration.applied"
FAILED = "migration.failed"
ROLLED_BACK = "migration.rolled_back"
SCHEMA_CHANGED = "schema.changed"
BACKFILL_PROGRESS = "backfill.progress"
DRIFT_DETECTED = "drift.detected"

EVENT_NAMES: tuple[str, ...] = (
    GENERATED,
    STARTED,
    APPLIED,
    FAILED,
    ROLLED_BACK,
    SCHEMA_CHANGED,
    BACKFILL_PROGRESS,
    DRIFT_DETECTED,
)


def matches_some_event(pattern: str) -> bool:
    """Whether a subscription pattern (``migration.*``) names any real event."""
    return any(fnmatch.fnmatchcase(name, pattern) for name in EVENT_NAMES)
