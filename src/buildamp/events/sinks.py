"""Where events go while one CLI command runs: the audit log and the webhooks."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from buildamp.events.bus import subscribe
from buildamp.files.config import Config


@contextmanager
def command_sinks(
    config: Config,
    log_format: str = "text",
    url: str | None = None,
    secrets: Iterable[str] = (),
) -> Iterator[None]:
    """Audit log (and JSON lines on stderr with ``--log-format json``) plus the
    configured webhooks, subscribed while the command runs. On exit, pending
    webhook deliveries are joined, bounded by the longest webhook timeout; the
    secrets in ``url``, ``secrets`` (a fleet's passwords) and the webhook
    secrets are scrubbed from every record."""
    # events only when something is reported (the bus pulls in its sinks)
    from buildamp.events.audit import AuditLog

    secrets = [*secrets, *(w.secret for w in config.webhooks if w.secret)]
    audit = AuditLog(
        config.project_dir / config.audit_log,
        stderr=sys.stderr if log_format == "json" else None,
        secrets=secrets,
        url=url,
    )
    unsubscribe_audit = subscribe(audit.record)
    dispatcher = None
    unsubscribe_hooks: Callable[[], None] | None = None
    try:
        if config.webhooks:
            # events only when something is reported (the bus pulls in its sinks)
            from buildamp.events.webhooks import WebhookDispatcher

            dispatcher = WebhookDispatcher(config.webhooks, on_failure=audit.record_failure)
            unsubscribe_hooks = subscribe(dispatcher.submit)
        yield
    finally:
        if unsubscribe_hooks is not None:
            unsubscribe_hooks()
        unsubscribe_audit()
        if dispatcher is not None:
            dispatcher.close()
        audit.close()
