"""What is the writer waiting on when one of its writes is slow?

Applies one of ``online_stall.py``'s online migrations (``--op``) to a fresh
copy of its table, ``--rounds`` times, with its writer, and samples every
backend's ``pg_stat_activity`` row (state, wait event, query) every 5 ms. For
each write slower than ``--slow`` ms, prints what each backend was doing while
it waited, most seen first: a row lock shows as ``Lock/transactionid`` or
``Lock/relation``, the disk's fsync of the WAL as ``IO/WALSync``.

    python benchmarks/stall_waits.py --op type_change --rounds 12
    python benchmarks/stall_waits.py --op default_backfill --rounds 4 --slow 30
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import online_stall as stall
import psycopg
from measure import Sampler, add_database_url

from buildamp.files.config import load_config
from buildamp.run.apply import apply

ACTIVITY = (
    "SELECT pid, state, wait_event_type, wait_event, left(query, 60) FROM pg_stat_activity "
    "WHERE datname = %s AND pid <> pg_backend_pid()"
)


def activity_during(samples: list[list[tuple[Any, ...]]]) -> Counter[tuple[Any, ...]]:
    seen: Counter[tuple[Any, ...]] = Counter()
    for rows in samples:
        seen.update(tuple(row) for row in rows)
    return seen


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--op", default="type_change", choices=sorted(stall.OPERATIONS))
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--slow", type=float, default=40.0, help="ms; slower writes are shown")
    add_database_url(parser)
    args = parser.parse_args()
    url, table = args.database_url, stall.OPERATIONS[args.op][0]
    with tempfile.TemporaryDirectory(prefix="buildamp-waits-") as tmp:
        work = Path(tmp)
        print(f"building template: {args.rows:,} rows ...", flush=True)
        base = stall.build_template(url, args.rows, work)
        project = stall.online_project(base, args.op, True, work)
        for round_ in range(args.rounds):
            target = stall.fresh_copy(url)
            writer = stall.Writer(target, table, args.rows)
            writer.start()
            time.sleep(0.5)
            with (
                psycopg.connect(url, autocommit=True) as observer,
                Sampler(
                    lambda: observer.execute(ACTIVITY, (stall.RUN_DATABASE,)).fetchall(), 0.005
                ) as activity,
            ):
                started = time.monotonic()
                apply(load_config(project), target, report=lambda _line: None)
                ended = time.monotonic()
            time.sleep(0.3)
            writer.finish()
            inside = [
                (at, lat) for at, lat in writer.samples if at + lat >= started and at <= ended
            ]
            slow = [(at, lat) for at, lat in inside if lat * 1000 > args.slow]
            print(
                f"round {round_ + 1}: {args.op} online in {ended - started:.1f} s, writer worst "
                f"{max(lat for _, lat in inside) * 1000:.0f} ms, {len(slow)} write(s) over "
                f"{args.slow:.0f} ms",
                flush=True,
            )
            for at, lat in slow:
                print(f"  write at +{at - started:.2f} s took {lat * 1000:.0f} ms; meanwhile:")
                meanwhile = activity_during(activity.between(at, at + lat))
                for (pid, state, kind, event, query), count in meanwhile.most_common():
                    print(f"    {count:3d}x pid {pid} {state} {kind}/{event}: {query!r}")
        stall.drop_databases(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
