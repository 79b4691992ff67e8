"""Showing a running backfill: a progress bar with rows/s and ETA on a
terminal, a plain line every few seconds otherwise (CI logs stay readable)."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from buildamp.run.batch import BatchProgress, ProgressReport

PLAIN_EVERY_SECONDS = 5.0


def _eta(progress: BatchProgress) -> str:
    remaining = max(progress.rows_total - progress.rows_done, 0)
    rate = progress.rows_per_second
    if not rate or not remaining:
        return "-"
    return f"{remaining / rate:.0f}s"


def plain_line(progress: BatchProgress) -> str:
    total = f"/~{progress.rows_total}" if progress.rows_total else ""
    return (
        f"backfill {progress.table}: {progress.rows_done}{total} rows, "
        f"{progress.rows_per_second:,.0f} rows/s, ETA {_eta(progress)} ({progress.status})"
    )


@contextmanager
def backfill_reporter() -> Iterator[ProgressReport]:
    if not sys.stdout.isatty():
        last: dict[str, float] = {}

        def plain(progress: BatchProgress) -> None:
            now = time.monotonic()
            if (
                progress.status == "done"
                or now - last.get(progress.key, 0.0) >= PLAIN_EVERY_SECONDS
            ):
                last[progress.key] = now
                click.echo(plain_line(progress))

        yield plain
        return
    # rich (~35 ms): only for a live progress display
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    bars: dict[str, Any] = {}
    with Progress(
        TextColumn("backfill {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]:,.0f} rows/s"),
        TimeRemainingColumn(),
    ) as view:

        def rich(progress: BatchProgress) -> None:
            if progress.key not in bars:
                bars[progress.key] = view.add_task(
                    progress.table, total=progress.rows_total or None, rate=0.0
                )
            total = max(progress.rows_total, progress.rows_done) or None
            view.update(
                bars[progress.key],
                completed=progress.rows_done,
                total=total,
                rate=progress.rows_per_second,
            )

        yield rich
