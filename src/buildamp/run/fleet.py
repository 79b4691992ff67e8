"""Run one action (apply, rollback, status, drift) on many databases: a fleet.

Each target is an ordinary single database: its own history table, its own
advisory lock, its own progress store, so the single-database functions of
:mod:`buildamp.run.apply` and :mod:`buildamp.run.drift` do the work unchanged.
What this module adds is the rollout around them: up to ``parallel`` targets at
a time, an optional canary first, stop or continue after a failure, retries
for a target that cannot be reached (reported, never silently skipped), and a
result per target with its version before and after. Re-running a partial
rollout is safe by construction: every target applies only what its own
history lacks.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal, assert_never

from buildamp.events import bus as events
from buildamp.files.config import Config
from buildamp.model.errors import BuildampError, DatabaseError
from buildamp.run.batch import BatchProgress

Action = Literal["apply", "rollback", "status", "drift"]
ACTIONS: tuple[Action, ...] = ("apply", "rollback", "status", "drift")
# ok: done (maybe nothing to do); drift: reached, differs from the schema state;
# failed: the action raised; unreachable: no connection after every retry;
# skipped: not started because the canary or an earlier target failed (--on-failure stop).
RESULTS = ("ok", "drift", "failed", "unreachable", "skipped")
RETRY_DELAY_SECONDS = 1.0

# (target name, state, message): one live line per target.
Notify = Callable[[str, str, str], None]


@dataclass(frozen=True)
class FleetTarget:
    """A selected target with its URL resolved (never printed: see ``database``)."""

    name: str
    url: str

    @property
    def database(self) -> str:
        # identity formatting without psycopg
        from buildamp.pg.database import database_identity

        return database_identity(self.url)


@dataclass(frozen=True)
class FleetOptions:
    action: Action
    parallel: int = 4
    canary: str | None = None
    on_failure: Literal["stop", "continue"] = "stop"
    retries: int = 0
    retry_delay: float = RETRY_DELAY_SECONDS
    to: str | None = None  # apply: up to; rollback: back to
    steps: int = 1  # rollback


@dataclass
class TargetResult:
    target: str
    database: str
    result: str = "skipped"
    from_version: str | None = None
    to_version: str | None = None
    duration_ms: int = 0
    attempts: int = 0
    changed: list[str] = field(default_factory=list)  # versions applied / rolled back
    lines: list[str] = field(default_factory=list)  # status rows, drift differences
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "database": self.database,
            "result": self.result,
            "from_version": self.from_version,
            "to_version": self.to_version,
            "duration_ms": self.duration_ms,
            "attempts": self.attempts,
            "changed": list(self.changed),
            "lines": list(self.lines),
            "error": self.error,
        }


def exit_code(results: list[TargetResult]) -> int:
    """0 all fine; 3 no database was reached (every target tried was unreachable,
    the rest skipped because of it); 1 any other failure or drift."""
    kinds = {r.result for r in results}
    if "unreachable" in kinds and kinds <= {"unreachable", "skipped"}:
        return 3
    return 0 if all(r.result == "ok" for r in results) else 1


def current_version(url: str) -> str | None:
    """The newest applied version, ``None`` without history. Read-only: creates
    nothing. Raises :class:`DatabaseError` when the target cannot be reached."""
    # psycopg (~100 ms) only when a target is contacted
    from buildamp.pg.database import connect
    from buildamp.run.history import HISTORY_TABLE

    with connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (HISTORY_TABLE,)).fetchone()
        if not row or not row[0]:
            return None
        versions = conn.execute(f"SELECT version FROM {HISTORY_TABLE}").fetchall()
    return max((v for (v,) in versions), key=int, default=None)


def _work(
    config: Config, options: FleetOptions, target: FleetTarget, notify: Notify
) -> tuple[str, list[str], list[str]]:
    """Run the action on one reachable target: (result, changed versions, lines)."""
    # the single-database runner: imported when a target runs
    from buildamp.run import apply as runner

    def report(line: str) -> None:
        notify(target.name, "running", line)

    def progress(step: BatchProgress) -> None:
        notify(target.name, "running", f"backfill {step.table}: {step.rows_done} rows")

    match options.action:
        case "apply":
            done = runner.apply(config, target.url, options.to, report, progress)
            return "ok", done, []
        case "rollback":
            undone = runner.rollback(
                config, target.url, options.steps, options.to, report, progress
            )
            return "ok", undone, []
        case "status":
            rows = runner.status(config, target.url)
            counts: dict[str, int] = {}
            for row in rows:
                counts[row.state] = counts.get(row.state, 0) + 1
            summary = ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))
            lines = [f"{row.version}  {row.state:<8}  {row.name}" for row in rows]
            for entry in runner.running_work(target.url):  # this target's progress store
                rows_done = f", {entry['rows_done']} rows" if "rows_done" in entry else ""
                lines.append(f"running  {entry['key']}{rows_done}")
            notify(target.name, "running", summary or "no migrations")
            return "ok", [], lines
        case "drift":
            # drift's catalog reader only for drift
            from buildamp.run.drift import drift_report

            differences = drift_report(config, target.url)
            if differences:
                events.emit(
                    events.Event(
                        events.DRIFT_DETECTED,
                        database=target.database,
                        details={"differences": differences},
                    )
                )
            return ("drift" if differences else "ok"), [], differences
        case _:
            assert_never(options.action)


def _one(
    config: Config,
    options: FleetOptions,
    target: FleetTarget,
    notify: Notify,
    stop: threading.Event,
) -> TargetResult:
    """One target, start to end: connect (with retries), version before, the
    action, version after. Every outcome becomes a result; nothing raises."""
    result = TargetResult(target.name, target.database)
    if stop.is_set():
        notify(target.name, "skipped", "not started: the canary or another target failed")
        return result
    started = time.monotonic()
    with events.for_target(target.name):
        while True:
            result.attempts += 1
            notify(target.name, "connecting", f"attempt {result.attempts}")
            try:
                result.from_version = current_version(target.url)
                break
            except DatabaseError as error:
                if result.attempts > options.retries:
                    result.result, result.error = "unreachable", str(error)
                    result.duration_ms = int((time.monotonic() - started) * 1000)
                    notify(target.name, "unreachable", str(error))
                    return result
                delay = options.retry_delay * 2 ** (result.attempts - 1)
                notify(target.name, "retrying", f"unreachable, retry in {delay:.1f}s")
                time.sleep(delay)
        try:
            result.result, result.changed, result.lines = _work(config, options, target, notify)
        except BuildampError as error:
            result.result, result.error = "failed", str(error)
        except Exception as error:  # a bug on one target must not hide the others' results
            result.result, result.error = "failed", f"{type(error).__name__}: {error}"
        try:
            result.to_version = current_version(target.url)
        except DatabaseError:
            result.to_version = None
    result.duration_ms = int((time.monotonic() - started) * 1000)
    notify(target.name, result.result, result.error or _done_line(options.action, result))
    return result


def _done_line(action: Action, result: TargetResult) -> str:
    versions = f"{result.from_version or '-'} -> {result.to_version or '-'}"
    match action:
        case "apply":
            return f"{versions}, applied {len(result.changed)}"
        case "rollback":
            return f"{versions}, rolled back {len(result.changed)}"
        case "status":
            return f"at {result.to_version or '-'}"
        case "drift":
            return f"{len(result.lines)} differences" if result.lines else "no drift"
        case _:
            assert_never(action)


def rollout(
    config: Config,
    targets: list[FleetTarget],
    options: FleetOptions,
    notify: Notify = lambda name, state, message: None,
) -> list[TargetResult]:
    """The action on every target, ``options.parallel`` at a time; results in
    target order. The canary (when given) runs alone first, and any failure
    there leaves every other target ``skipped``. With ``on_failure = "stop"``,
    a failure lets running targets finish and starts no new one."""
    stop = threading.Event()
    results: dict[str, TargetResult] = {}

    def run(target: FleetTarget) -> TargetResult:
        outcome = _one(config, options, target, notify, stop)
        if outcome.result in ("failed", "unreachable") and options.on_failure == "stop":
            stop.set()
        return outcome

    rest = list(targets)
    if options.canary is not None:
        canary = next(t for t in targets if t.name == options.canary)
        rest.remove(canary)
        results[canary.name] = _one(config, options, canary, notify, stop)
        if results[canary.name].result != "ok":
            stop.set()
    for target in rest:
        notify(target.name, "waiting", "")
    with ThreadPoolExecutor(max_workers=max(1, options.parallel)) as pool:
        try:
            for outcome in pool.map(run, rest):
                results[outcome.target] = outcome
        except BaseException:  # Ctrl-C: running targets finish their migration, no new one starts
            stop.set()
            raise
    return [results[t.name] for t in targets]
