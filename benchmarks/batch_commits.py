"""Where a batched backfill's extra CPU goes: its commits, not its batches.

Runs the same key-range UPDATEs three ways on fresh copies of one table (the
``big`` table of ``backfill_heap.py``: a bigint key, three secondary indexes), no
writer, no heap vacuums, and prints each run's backend CPU seconds (``/proc``: the
server must run on this machine) next to its rows/s:

- ``committed``: each batch commits on its own (what ``run_batched`` did before it
  split each range in halves, ``batch.HALVES``);
- ``one-transaction``: the same statements, one transaction around them all;
- ``one-update``: the whole table in one ``UPDATE``.

If the batches themselves (the index scan of a key range, the statements) cost
more, ``one-transaction`` is as slow as ``committed``; if the cost comes from
committing (old row versions dead to everyone: PostgreSQL prunes them and its
B-tree bottom-up deletion removes their index entries as pages fill), it is as
fast as ``one-update``.

    python benchmarks/batch_commits.py --rows 1000000 --size 2000 --rounds 2

What came of it: ``run_batched`` now updates each range in two halves one batch
apart, so half the rows are HOT updates with no index entry to add or clean up
(``backfill_heap.py --whole-ranges`` measures it against whole ranges).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import psycopg  # noqa: E402
from backfill_heap import RUN, TEMPLATE, backend_cpu, build_template, url_of  # noqa: E402
from measure import add_database_url  # noqa: E402

MODES = ("committed", "one-transaction", "one-update")
STATEMENT = "UPDATE big SET name = upper(name)"


def run(admin: str, rows: int, size: int, mode: str) -> str:
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {RUN} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {RUN} TEMPLATE {TEMPLATE}")
        conn.execute("CHECKPOINT")  # every run pays the same full-page writes
    with psycopg.connect(url_of(admin, RUN), autocommit=True) as conn:
        cpu_before = backend_cpu(conn.info.backend_pid)
        started = time.monotonic()
        if mode == "one-update":
            conn.execute(STATEMENT)
        else:
            if mode == "one-transaction":
                conn.execute("BEGIN")
            last = 0
            while True:
                upper = conn.execute(
                    "SELECT max(id) FROM (SELECT id FROM big WHERE id > %s ORDER BY id LIMIT %s) s",
                    (last, size),
                ).fetchone()[0]
                if upper is None:
                    break
                conn.execute(f"{STATEMENT} WHERE id > %s AND id <= %s", (last, upper))
                last = upper
            if mode == "one-transaction":
                conn.execute("COMMIT")
        took = time.monotonic() - started
        cpu_after = backend_cpu(conn.info.backend_pid)
    cpu = (
        f"backend CPU {cpu_after - cpu_before:5.2f} s"
        if cpu_before is not None and cpu_after is not None
        else "backend CPU unknown (server not on this machine)"
    )
    return f"{mode:<16} {rows / took:>9,.0f} rows/s  {cpu}"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--size", type=int, default=2000, help="rows per batch")
    parser.add_argument("--rounds", type=int, default=1)
    add_database_url(parser)
    args = parser.parse_args()
    print(f"{STATEMENT} over {args.rows:,} rows, batches of {args.size:,}", flush=True)
    build_template(args.database_url, args.rows)
    try:
        for _ in range(args.rounds):
            for mode in MODES:
                print(run(args.database_url, args.rows, args.size, mode), flush=True)
    finally:
        with psycopg.connect(args.database_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {RUN} WITH (FORCE)")
            conn.execute(f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
