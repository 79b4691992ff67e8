"""Backfill pulses are per database: in a fleet, one target's backfill does not
swallow another's ``backfill.progress`` (events and webhook throttling)."""

from __future__ import annotations

import time

import psycopg

from buildamp.events import bus
from buildamp.events.webhooks import WebhookDispatcher
from buildamp.files.config import Webhook
from buildamp.run.batch import BatchProgress, announce


def test_backfill_progress_is_announced_per_database(pg_url: str, pg_server_url: str) -> None:
    seen: list[bus.Event] = []
    first, second = (
        BatchProgress("backfill:002:notes", "notes", 10, 100, time.monotonic()) for _ in range(2)
    )  # each target's backfill has its own progress (and pulse)
    with (
        bus.subscribed(seen.append, ["backfill.progress"]),
        psycopg.connect(pg_url) as one,
        psycopg.connect(pg_server_url) as two,
    ):
        announce(one, first)
        announce(two, second)  # same key, same second, other database: announced too
        announce(one, first)  # same database again within the interval: not
    assert len(seen) == 2 and seen[0].database != seen[1].database


def test_webhook_throttle_is_per_database() -> None:
    dispatcher = WebhookDispatcher([Webhook("http://127.0.0.1:9/hook")])
    try:
        details = {"key": "backfill:002:notes", "status": "running"}
        events = [
            bus.Event(bus.BACKFILL_PROGRESS, version="002", database=db, details=details)
            for db in ("h:5432/a", "h:5432/b", "h:5432/a")
        ]
        assert [dispatcher._throttled(0, e) for e in events] == [False, False, True]
    finally:
        dispatcher.close()
