"""How often does the writer stall with nothing else running, and during backfills?

``online_stall.py`` judges each run against the writer's worst write in the 3 s
right before it. A disk whose fsync now and then takes 100-250 ms on its own
(seen in writer-alone windows) can land such a hiccup in a 25 s migration window
more often than in a 3 s one, whatever the migration does. This measures the rate
of slow writes per minute in long windows, taken in turn on the same table with
the same writer (``online_stall.py``'s): the writer alone, then the writer beside
back-to-back batched backfills (``run_batched``, as ``migrate --apply`` runs them),
for ``--rounds`` rounds. If the backfills make the disk stall, the second rate is
higher.

    python benchmarks/writer_hiccups.py --rows 2000000 --seconds 60 --rounds 3
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import online_stall as stall
import psycopg
from measure import add_database_url

from buildamp.files.directives import BatchSpec
from buildamp.run.batch import BatchProgress, run_batched

SLOW = (0.05, 0.1)  # thresholds counted, in seconds


class TimeUp(Exception):
    pass


def backfills_for(url: str, seconds: float) -> int:
    """Back-to-back batched backfills for ``seconds``; the rows changed."""
    ends = time.monotonic() + seconds

    def until_time_up(_progress: BatchProgress) -> None:
        if time.monotonic() >= ends:
            raise TimeUp

    changed, run = 0, 0
    with psycopg.connect(url, autocommit=True) as conn:
        while time.monotonic() < ends:
            run += 1
            case = "upper" if run % 2 else "lower"
            statement = f"UPDATE big SET name = {case}(name)"
            try:
                changed += run_batched(
                    conn, statement, BatchSpec("big", 5000), f"hiccups-{run}", until_time_up
                )
            except TimeUp:
                break
    return changed


def describe(latencies: list[float], seconds: float) -> str:
    per_minute = 60 / seconds
    counts = ", ".join(
        f"> {limit * 1000:.0f} ms: {sum(1 for lat in latencies if lat > limit)} "
        f"({sum(1 for lat in latencies if lat > limit) * per_minute:.2f}/min)"
        for limit in SLOW
    )
    worst = max(latencies, default=float("inf"))
    return f"{len(latencies):>6} writes, worst {worst * 1000:>4.0f} ms, {counts}"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--seconds", type=float, default=60.0, help="length of each window")
    parser.add_argument("--rounds", type=int, default=3)
    add_database_url(parser)
    args = parser.parse_args()
    totals: dict[str, list[float]] = {"writer alone": [], "beside backfills": []}
    with tempfile.TemporaryDirectory(prefix="buildamp-hiccups-") as tmp:
        print(f"building template: {args.rows:,} rows ...", flush=True)
        stall.build_template(args.database_url, args.rows, Path(tmp))
        target = stall.fresh_copy(args.database_url)
        writer = stall.Writer(target, "big", args.rows)
        writer.start()
        time.sleep(0.5)
        windows: list[tuple[str, int, float, float]] = []
        for round_ in range(args.rounds):
            began = time.monotonic()
            time.sleep(args.seconds)
            windows.append(("writer alone", round_, began, time.monotonic()))
            began = time.monotonic()
            backfills_for(target, args.seconds)
            windows.append(("beside backfills", round_, began, time.monotonic()))
        writer.finish()
        print(f"{args.seconds:.0f} s windows in turn, {args.rows:,} rows, the same writer:")
        for label, round_, began, ended in windows:
            inside = [lat for at, lat in writer.samples if at >= began and at + lat <= ended]
            totals[label].extend(inside)
            print(f"  round {round_ + 1}, {label:<17} {describe(inside, ended - began)}")
        for label, latencies in totals.items():
            seconds = sum(e - b for name, _, b, e in windows if name == label)
            print(f"all {label:<24} {describe(latencies, seconds)}")
        stall.drop_databases(args.database_url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
