"""Whole-process measurements: wall time and peak memory of one command; and the
server the database benchmarks run against."""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar


class CommandFailed(RuntimeError):
    """A measured command exited with an unexpected code."""


@dataclass
class Sample:
    """Median wall seconds and peak resident memory (MB) over several runs."""

    walls: list[float] = field(default_factory=list)
    peaks: list[float] = field(default_factory=list)

    @property
    def wall(self) -> float:
        return statistics.median(self.walls)

    @property
    def peak(self) -> float:
        return max(self.peaks)


def run_once(
    command: Sequence[str],
    cwd: Path,
    env: dict[str, str] | None = None,
    ok: tuple[int, ...] = (0,),
) -> tuple[float, float]:
    """Run ``command`` once; (wall seconds, peak RSS in MB) of that process."""
    return _measured(command, cwd, env, ok)


def measure(
    command: Sequence[str],
    cwd: Path,
    runs: int,
    prepare: Callable[[int], None] | None = None,
    env: dict[str, str] | None = None,
    ok: tuple[int, ...] = (0,),
    check: Callable[[], None] | None = None,
    warmup: bool = True,
) -> Sample:
    """``runs`` measured runs; ``prepare(i)`` (not timed) runs before run ``i``,
    ``check()`` after it (to prove the command did its job). One untimed warm-up
    run first (``prepare(runs)``): bytecode written, files in the page cache."""
    sample = Sample()
    if warmup:
        if prepare is not None:
            prepare(runs)
        _measured(command, cwd, env, ok)
        if check is not None:
            check()
    for i in range(runs):
        if prepare is not None:
            prepare(i)
        wall, peak = _measured(command, cwd, env, ok)
        sample.walls.append(wall)
        sample.peaks.append(peak)
        if check is not None:
            check()
    # each figure as soon as it is known: an interrupted run still reports
    print(f"    median {sample.wall:.3f} s of {runs}, peak {sample.peak:.0f} MB", flush=True)
    return sample


def measure_alternating(
    commands: dict[str, Sequence[str]],
    cwd: Path,
    runs: int,
    prepare: Callable[[int], None] | None = None,
) -> dict[str, Sample]:
    """Each of ``commands`` ``runs`` times, alternated run by run, after one
    untimed warm-up of each: figures compared with each other ("no-change
    generate as fast as ``--check``") come from the same minutes, not from one
    batch after the other on a machine whose load moves. ``prepare(i)`` (not
    timed) runs before each run."""
    samples = {name: Sample() for name in commands}
    for i in [runs, *range(runs)]:  # the warm-up round first
        for name, command in commands.items():
            if prepare is not None:
                prepare(i)
            wall, peak = _measured(command, cwd, None, (0,))
            if i < runs:
                samples[name].walls.append(wall)
                samples[name].peaks.append(peak)
    for name, sample in samples.items():
        print(f"    {name}: median {sample.wall:.3f} s of {runs}, peak {sample.peak:.0f} MB")
    return samples


# Peak memory comes from wait4's ru_maxrss, which also counts the memory a child
# inherited before exec. So children start from this small launcher, not from the
# benchmark process (which holds psycopg and the results), and the launcher times
# and reaps them.
_LAUNCHER = """\
import os, sys, time
started = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - started
with open(sys.argv[1], "w") as out:
    out.write(f"{wall} {usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}")
"""


def _measured(
    command: Sequence[str], cwd: Path, env: dict[str, str] | None, ok: tuple[int, ...]
) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of ``command``, run through the launcher."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        result = Path(tmp) / "result"
        err = Path(tmp) / "stderr"
        with open(os.devnull, "wb") as devnull, err.open("wb") as err_handle:
            subprocess.run(
                [sys.executable, "-S", "-c", _LAUNCHER, str(result), *command],
                cwd=cwd,
                env={**os.environ, **(env or {})},
                stdout=devnull,
                stderr=err_handle,
                check=False,
            )
        try:
            wall_text, rss_text, code_text = result.read_text().split()
        except (OSError, ValueError):
            raise CommandFailed(f"could not run {' '.join(command)}") from None
        if int(code_text) not in ok:
            tail = err.read_text(errors="replace")[-3000:]
            raise CommandFailed(f"{' '.join(command)} (in {cwd}) exited {code_text}:\n{tail}")
        return float(wall_text), int(rss_text) / 1024  # Linux reports KiB


def add_database_url(parser: argparse.ArgumentParser) -> None:
    """``--database-url``: a server where the benchmark may create and drop databases."""
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BUILDAMP_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )


T = TypeVar("T")


class Sampler(Generic[T]):
    """``read()`` every ``every`` seconds on a thread, as (time.monotonic(), value),
    from ``with`` to its end."""

    def __init__(self, read: Callable[[], T], every: float) -> None:
        self.samples: list[tuple[float, T]] = []
        self._read, self._every = read, every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Sampler[T]:
        self._thread.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            at = time.monotonic()
            self.samples.append((at, self._read()))
            time.sleep(self._every)

    def between(self, start: float, end: float) -> list[T]:
        return [value for at, value in self.samples if start <= at <= end]
