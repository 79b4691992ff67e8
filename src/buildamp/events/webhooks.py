"""Webhooks from config (``[[webhooks]] url, events, secret, timeout``).

Each matching event is POSTed as JSON (the payload of docs/events.md), signed
``X-Buildamp-Signature: t=<unix>,v1=<hex hmac_sha256(secret, "<t>.<body>")>``,
from a small pool of daemon threads: the emitting migration never waits for
an endpoint. A delivery retries 5xx, 408, 429 and connection errors with
exponential backoff, but all attempts together stay within the webhook's
``timeout``; the command joins pending deliveries at exit for at most the
longest timeout, and every failed or abandoned delivery is recorded in the
audit log. Events are emitted only after their change committed, so nothing
here ever announces a change that was rolled back.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import queue
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from buildamp.events.bus import BACKFILL_PROGRESS, Event, check_patterns, matches
from buildamp.files.config import Webhook
from buildamp.model.errors import ConfigError, Location

SIGNATURE_HEADER = "X-Buildamp-Signature"
EVENT_HEADER = "X-Buildamp-Event"
DELIVERY_HEADER = "X-Buildamp-Delivery"
MAX_ATTEMPTS = 4
BACKOFF_SECONDS = 0.25  # first retry waits this long, then doubles
RETRY_STATUSES = frozenset({408, 425, 429})
PROGRESS_INTERVAL = 5.0  # at most one backfill.progress per webhook and backfill per interval
JOIN_GRACE = 0.5

Failure = Callable[[Mapping[str, Any]], None]


def encode(payload: Mapping[str, Any]) -> bytes:
    """The request body: compact JSON, keys sorted, UTF-8."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The signature header value: ``t=<unix>,v1=<hex>`` over ``"<t>.<body>"``.
    The timestamp is signed too, so a captured request cannot be replayed later."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(
    secret: str, body: bytes, header: str, tolerance: float = 300.0, now: float | None = None
) -> bool:
    """Receiver side (also used by the tests): the header matches the body and
    its timestamp is within ``tolerance`` seconds of ``now``."""
    pairs = [item.split("=", 1) for item in header.split(",") if "=" in item]
    fields = [(key.strip(), value.strip()) for key, value in pairs]
    try:
        timestamp = int(next(value for key, value in fields if key == "t"))
    except (StopIteration, ValueError):
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = sign(secret, body, timestamp).split("v1=", 1)[1]
    return any(hmac.compare_digest(expected, value) for key, value in fields if key == "v1")


def origin(url: str) -> str:
    """``scheme://host[:port]``: what the audit log names a webhook by. Paths
    and queries often carry tokens (Slack, Teams), so they are left out."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or "?"
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "<invalid url>"
    return f"{parts.scheme}://{host}{port}"


@dataclass
class Result:
    """How one delivery ended: for the audit log and for tests."""

    url: str
    event: str
    delivery: str
    ok: bool = False
    attempts: int = 0
    status: int | None = None
    error: str | None = None
    elapsed_ms: int = 0


def deliver(
    webhook: Webhook,
    event: str,
    delivery: str,
    body: bytes,
    sleep: Callable[[float], None] = time.sleep,
) -> Result:
    """POST ``body`` with bounded retries; never raises, never exceeds
    ``webhook.timeout`` by more than one connection's scheduling slack."""
    # httpx (~100 ms): only when a webhook is configured
    import httpx

    started = time.monotonic()
    deadline = started + webhook.timeout
    result = Result(webhook.url, event, delivery)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "buildamp-webhooks/1",
        EVENT_HEADER: event,
        DELIVERY_HEADER: delivery,
    }
    with httpx.Client(follow_redirects=False) as client:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                result.error = result.error or f"no response within {webhook.timeout:g}s"
                break
            result.attempts += 1
            if webhook.secret:
                headers[SIGNATURE_HEADER] = sign(webhook.secret, body, int(time.time()))
            retry = True
            try:
                response = client.post(
                    webhook.url, content=body, headers=headers, timeout=httpx.Timeout(remaining)
                )
            except httpx.TimeoutException:
                result.error = f"no response within {webhook.timeout:g}s"
            except httpx.HTTPError as error:
                result.error = f"{type(error).__name__}: {error}"
            else:
                result.status = response.status_code
                if response.is_success:
                    result.ok, result.error = True, None
                    break
                result.error = f"HTTP {response.status_code}"
                retry = response.status_code >= 500 or response.status_code in RETRY_STATUSES
            delay = BACKOFF_SECONDS * 2 ** (result.attempts - 1)
            if not retry or result.attempts >= MAX_ATTEMPTS:
                break
            if time.monotonic() + delay >= deadline:
                result.error = f"{result.error}; no time left to retry within {webhook.timeout:g}s"
                break
            sleep(delay)
    result.elapsed_ms = int((time.monotonic() - started) * 1000)
    return result


@dataclass(eq=False)
class _Job:
    webhook: Webhook
    event: str
    delivery: str
    body: bytes
    done: bool = field(default=False)


class WebhookDispatcher:
    """Delivers events to the configured webhooks in background threads.

    :meth:`submit` is an event subscriber and returns at once; :meth:`close`
    waits for pending deliveries at most ``max(timeout) + grace`` seconds and
    records the ones it abandons. Worker threads are daemons, so a hanging
    endpoint can never keep the process alive past that bound."""

    def __init__(
        self,
        webhooks: Sequence[Webhook],
        on_failure: Failure | None = None,
        max_workers: int = 4,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        for number, hook in enumerate(webhooks, 1):
            try:
                check_patterns(hook.events)
            except ValueError as error:
                raise ConfigError(
                    f"[[webhooks]] #{number}: {error}", Location("buildamp.toml")
                ) from None
            if hook.timeout <= 0:
                raise ConfigError(
                    f"[[webhooks]] #{number}: timeout must be positive", Location("buildamp.toml")
                )
        self.webhooks = tuple(webhooks)
        self.on_failure = on_failure
        self.max_workers = max_workers
        self.results: list[Result] = []
        self._sleep = sleep
        self._queue: queue.Queue[_Job | None] = queue.Queue()
        self._pending: set[_Job] = set()
        self._cond = threading.Condition()
        self._threads: list[threading.Thread] = []
        self._last_progress: dict[tuple[int, str, str, str], float] = {}
        self._closed = False

    def submit(self, event: Event) -> None:
        """Queue one delivery per matching webhook (subscriber callback)."""
        body: bytes | None = None
        for index, hook in enumerate(self.webhooks):
            if not matches(hook.events or None, event.event) or self._throttled(index, event):
                continue
            body = body if body is not None else encode(event.payload())
            job = _Job(hook, event.event, event.id, body)
            with self._cond:
                if self._closed:
                    return
                self._pending.add(job)
                if len(self._threads) < min(self.max_workers, len(self._pending)):
                    thread = threading.Thread(
                        target=self._work, name="buildamp-webhook", daemon=True
                    )
                    self._threads.append(thread)
                    thread.start()
            self._queue.put(job)

    def _throttled(self, index: int, event: Event) -> bool:
        """Backfills report often; a webhook gets one progress event per
        interval per backfill and database, plus every status change away from running."""
        if event.event != BACKFILL_PROGRESS or event.details.get("status", "running") != "running":
            return False
        backfill = str(event.details.get("key", event.tables))
        key = (index, event.database or "", event.version or "", backfill)  # per fleet target
        now = time.monotonic()
        if now - self._last_progress.get(key, -PROGRESS_INTERVAL) < PROGRESS_INTERVAL:
            return True
        self._last_progress[key] = now
        return False

    def _work(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            try:
                result = deliver(job.webhook, job.event, job.delivery, job.body, self._sleep)
            except Exception as error:  # a bug of ours must not kill the worker silently
                result = Result(job.webhook.url, job.event, job.delivery, error=repr(error))
            with self._cond:
                abandoned = self._closed
            if not result.ok and not abandoned:  # recorded before close() can return
                self._report("webhook.failed", result)
            with self._cond:
                job.done = True
                self._pending.discard(job)
                self.results.append(result)
                self._cond.notify_all()

    def _report(self, record: str, result: Result) -> None:
        if self.on_failure is None:
            return
        # The failure log failing must not fail the command either.
        with contextlib.suppress(Exception):
            self.on_failure(
                {
                    "record": record,
                    "webhook": origin(result.url),
                    "for_event": result.event,
                    "delivery": result.delivery,
                    "attempts": result.attempts,
                    "status": result.status,
                    "error": result.error,
                    "elapsed_ms": result.elapsed_ms,
                }
            )

    def close(self, bound: float | None = None) -> list[Result]:
        """Wait for pending deliveries, at most ``bound`` seconds (default: the
        longest webhook timeout plus a little); record the ones left behind."""
        if bound is None:
            bound = max((hook.timeout for hook in self.webhooks), default=0.0) + JOIN_GRACE
        deadline = time.monotonic() + bound
        with self._cond:
            while self._pending and (remaining := deadline - time.monotonic()) > 0:
                self._cond.wait(remaining)
            left = list(self._pending)
            self._closed = True
        for job in left:
            self._report(
                "webhook.abandoned",
                Result(
                    job.webhook.url,
                    job.event,
                    job.delivery,
                    error=f"still pending when the command ended ({bound:g}s wait)",
                ),
            )
        for _ in self._threads:
            self._queue.put(None)
        return list(self.results)


def deliver_all(webhooks: Iterable[Webhook], event: Event) -> list[Result]:
    """Synchronous delivery to every matching webhook: for scripts and tests."""
    body = encode(event.payload())
    return [
        deliver(hook, event.event, event.id, body)
        for hook in webhooks
        if matches(hook.events or None, event.event)
    ]
