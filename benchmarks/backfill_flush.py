"""Does a batched backfill leave the kernel's cache full of dirty pages?

A batched backfill dirties the table's pages faster than shared_buffers holds
them; the backend writes them out, and with the server's default
``backend_flush_after = 0`` the kernel keeps them dirty and writes them in
bursts. A writer's commit is an fsync of the WAL on the same disk: it queues
behind such a burst (the 100-200 ms stalls of benchmarks/README.md, "Stalls and
the WAL"). ``run_batched`` sets ``backend_flush_after`` for its session
(``batch.FLUSH_AFTER``) so its writes go out as it goes.

Paired runs on ``online_stall.py``'s table and writer: the batched backfill of
``online_stall.py`` with ``batch.FLUSH_AFTER`` as shipped and with it off (the
server's 0), in turn (the order swapped every round), each on a fresh copy right
after a CHECKPOINT. Each line: rows/s, the writer's worst latency during the run
and in its own writer-alone window before it, its five slowest writes, and the
kernel's ``Dirty`` memory during the run (``/proc/meminfo``, sampled every 50 ms:
the server must run on this machine).

    python benchmarks/backfill_flush.py --rows 2000000 --rounds 3
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import online_stall as stall
from measure import Sampler, add_database_url

from buildamp.run import batch

SHIPPED = batch.FLUSH_AFTER


def dirty_mb() -> float:
    """The kernel's dirty page cache, in MB."""
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("Dirty:"):
                return int(line.split()[1]) / 1024
    return 0.0


def dirty_figures(samples: list[float]) -> str:
    ordered = sorted(samples) or [0.0]
    p95 = ordered[int(len(ordered) * 0.95)]
    return (
        f"Dirty median {statistics.median(ordered):.0f} MB, p95 {p95:.0f} MB, "
        f"max {ordered[-1]:.0f} MB"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    add_database_url(parser)
    args = parser.parse_args()
    variants = [(f"flush after {SHIPPED * 8} kB (shipped)", SHIPPED), ("server's 0", 0)]
    with tempfile.TemporaryDirectory(prefix="buildamp-flush-") as tmp:
        work = Path(tmp)
        print(f"building template: {args.rows:,} rows ...", flush=True)
        base = stall.build_template(args.database_url, args.rows, work)
        project = stall.backfill_project(base, True, work)
        print(f"batched `{stall.BACKFILL_SQL}` over {args.rows:,} rows, with a writer:")
        for round_ in range(args.rounds):
            for label, flush_after in variants if round_ % 2 == 0 else variants[::-1]:
                batch.FLUSH_AFTER = flush_after
                with Sampler(dirty_mb, 0.05) as dirty:
                    run = stall.measure(args.database_url, project, "big", args.rows, False)
                slowest = [round(lat * 1000) for lat in run.slowest]
                print(
                    f"  round {round_ + 1}, {label:<29} {run.rows_per_second:>9,.0f} rows/s, "
                    f"writer worst {run.stall * 1000:.0f} ms (alone {run.alone * 1000:.0f} ms), "
                    f"slowest {slowest} ms; {dirty_figures(dirty.between(*run.window))}",
                    flush=True,
                )
        stall.drop_databases(args.database_url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
