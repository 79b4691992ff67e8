"""How much does a batched backfill grow the table, by vacuum cadence?

A quick loop for tuning ``batch.VACUUM_EVERY`` / ``batch.VACUUM_SHARE``: builds
a table like ``online_stall.py``'s ``big`` (three secondary indexes), runs
``UPDATE big SET name = upper(name)`` through ``run_batched`` (no migration
files, no naive run), optionally with the same kind of concurrent writer, and
prints rows/s and the table size after / before.

    python benchmarks/backfill_heap.py --rows 200000 --every 15 --writer
    python benchmarks/backfill_heap.py --rows 200000 --every 40 --writer
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import psycopg  # noqa: E402

from buildamp.files.directives import BatchSpec  # noqa: E402
from buildamp.run import batch  # noqa: E402

NAME = "buildamp_backfill_heap"


def setup(admin: str, url: str, rows: int) -> None:
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {NAME}")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE big (id bigint PRIMARY KEY, host text NOT NULL, name text NOT NULL, "
            "nickname text, qty int NOT NULL, code text NOT NULL, "
            "created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz)"
        )
        for column in ("qty", "nickname", "created_at"):
            conn.execute(f"CREATE INDEX ON big ({column})")
        conn.execute(
            "INSERT INTO big (id, host, name, nickname, qty, code) SELECT g, 'acme', "
            "'name ' || g, CASE WHEN g %% 3 = 0 THEN NULL ELSE 'n' || g END, g %% 1000, "
            "'code-' || g FROM generate_series(1, %s) AS g",
            (rows,),
        )
        conn.execute("VACUUM ANALYZE big")


def write(url: str, rows: int, stop: threading.Event) -> None:
    """80% single-row updates, 20% inserts, 2 ms apart (as online_stall.py's writer)."""
    with psycopg.connect(url, autocommit=True) as conn:
        next_id = rows + 1_000_000
        while not stop.is_set():
            if random.random() < 0.8:
                conn.execute("UPDATE big SET name = name WHERE id = %s", (random.randint(1, rows),))
            else:
                next_id += 1
                conn.execute(
                    "INSERT INTO big (id, host, name, nickname, qty, code) "
                    "VALUES (%s, 'acme', 'new', 'n', 1, 'c')",
                    (next_id,),
                )
            time.sleep(0.002)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--every", type=int, default=batch.VACUUM_EVERY)
    parser.add_argument("--share", type=float, default=batch.VACUUM_SHARE)
    parser.add_argument("--writer", action="store_true")
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BUILDAMP_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )
    args = parser.parse_args()
    admin = args.database_url
    url = admin.rsplit("/", 1)[0] + "/" + NAME
    batch.VACUUM_EVERY, batch.VACUUM_SHARE = args.every, args.share
    setup(admin, url, args.rows)
    stop = threading.Event()
    writer = threading.Thread(target=write, args=(url, args.rows, stop), daemon=True)
    if args.writer:
        writer.start()
        time.sleep(0.5)
    with psycopg.connect(url, autocommit=True) as conn:
        before = conn.execute("SELECT pg_table_size('big')").fetchone()[0]
        started = time.monotonic()
        spec = BatchSpec("big", 5000)
        batch.run_batched(conn, "UPDATE big SET name = upper(name)", spec, "heap")
        took = time.monotonic() - started
        after = conn.execute("SELECT pg_table_size('big')").fetchone()[0]
    stop.set()
    if args.writer:
        writer.join()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)")
    print(
        f"rows {args.rows:,} every 1/{args.every} share {args.share:g} "
        f"writer {'on' if args.writer else 'off'}: {args.rows / took:,.0f} rows/s, "
        f"table x{after / before:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
