"""How much does a batched backfill grow the table, and how much of it is bloat?

A quick, paired loop for the heap side of ``run_batched`` (``batch.VACUUM_EVERY``,
``batch.VACUUM_SHARE``, the rows the cadence is a fraction of): builds a table
like ``online_stall.py``'s ``big`` (three secondary indexes) once, then runs each
variant on its own copy (``CREATE DATABASE ... TEMPLATE``), with the same kind of
concurrent writer when ``--writer`` is given (its inserts take ids far above the
table's, as online_stall.py's do). No migration files, no naive run. Statements:

- ``upper``: ``UPDATE big SET name = upper(name)`` (same-size rows);
- ``uuid``: the per-row default backfill buildamp generates for a new column with
  ``default = "gen_random_uuid()"`` (``ADD COLUMN token uuid``, ``SET DEFAULT``, then
  ``UPDATE big SET token = (gen_random_uuid()) WHERE token IS NULL`` in batches).

Each line: rows/s, heap vacuums run (and their share of the time), and the table's
size as ``raw`` (after / before), ``data`` (after ``VACUUM FULL`` / before: what the
new data needs) and ``bloat`` (after / after ``VACUUM FULL``: what the run left), and
the indexes' size after / before (no heap vacuum cleans them: PostgreSQL's
bottom-up deletion removes some old entries as pages fill);
then the batched run's time split by statement (its UPDATEs, the bounding SELECTs,
the progress rows, the heap vacuums) and what is left (Python, BEGIN/COMMIT).
``--plain`` also runs the statement as one UPDATE on its own copy in every round
and prints the batched rows/s as a share of it: the throughput goal's pair.
``--before-after`` runs, in every round, the cadence as it was before it followed
the table's rows (each fortieth of the projected total, which the writer's far ids
inflate), then the current one: a paired comparison on identical tables.

    python benchmarks/backfill_heap.py --rows 300000 --statement uuid --writer --before-after
    python benchmarks/backfill_heap.py --rows 200000 --every 20 --writer --rounds 3
    python benchmarks/backfill_heap.py --rows 300000 --plain --rounds 3    # vs one UPDATE, no writer
    python benchmarks/backfill_heap.py --rows 500000 --plain --rounds 3 --secondary-indexes 0
    python benchmarks/backfill_heap.py --rows 1000000 --writer --plain --whole-ranges --rounds 2

``--secondary-indexes N`` builds ``big`` with only the first N of its three
secondary indexes: where the batched run's extra work per row is (index upkeep).
``--whole-ranges`` also runs the batches as they ran before each range was split
in halves (``batch.HALVES`` off), on their own copy: the paired baseline for the
halves. ``--key text`` gives ``big`` random text keys (md5 strings, like the
framework's ``gen_random_uuid()::text`` ids), whose order is not the table's.
When the server runs on this machine, each line also gives the run's backend CPU
seconds (from ``/proc``): steadier than rows/s on a shared machine.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import psycopg  # noqa: E402
from measure import add_database_url  # noqa: E402

from buildamp.files.directives import BatchSpec  # noqa: E402
from buildamp.run import batch  # noqa: E402

TEMPLATE = "buildamp_backfill_heap_template"
RUN = "buildamp_backfill_heap"

STATEMENTS: dict[str, tuple[list[str], str]] = {
    # name: (statements run first, in one transaction; the batched statement)
    "upper": ([], "UPDATE big SET name = upper(name)"),
    "uuid": (
        [
            "ALTER TABLE big ADD COLUMN token uuid",
            "ALTER TABLE big ALTER COLUMN token SET DEFAULT gen_random_uuid()",
        ],
        "UPDATE big SET token = (gen_random_uuid()) WHERE token IS NULL",
    ),
}


def url_of(url: str, name: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + name


SECONDARY_INDEXES = ("qty", "nickname", "created_at")
# the primary key: (column type, SQL of row g's key); text keys are random strings
# (md5 of the number) as the framework's own ids are: their order is not the
# table's physical order
KEYS = {"bigint": ("bigint", "{}"), "text": ("text", "md5(({})::text)")}
KEY = "bigint"  # --key


def key_of(value: str) -> str:
    return KEYS[KEY][1].format(value)


def build_template(admin: str, rows: int, secondary: int = len(SECONDARY_INDEXES)) -> None:
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {TEMPLATE}")
    with psycopg.connect(url_of(admin, TEMPLATE), autocommit=True) as conn:
        conn.execute(
            f"CREATE TABLE big (id {KEYS[KEY][0]} PRIMARY KEY, host text NOT NULL, "
            "name text NOT NULL, "
            "nickname text, qty int NOT NULL, code text NOT NULL, "
            "created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz)"
        )
        for column in SECONDARY_INDEXES[:secondary]:
            conn.execute(f"CREATE INDEX ON big ({column})")
        conn.execute(
            f"INSERT INTO big (id, host, name, nickname, qty, code) SELECT {key_of('g')}, 'acme', "
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
                conn.execute(
                    f"UPDATE big SET name = name WHERE id = {key_of('%s::bigint')}",
                    (random.randint(1, rows),),
                )
            else:
                next_id += 1
                conn.execute(
                    "INSERT INTO big (id, host, name, nickname, qty, code) "
                    f"VALUES ({key_of('%s::bigint')}, 'acme', 'new', 'n', 1, 'c')",
                    (next_id,),
                )
            time.sleep(0.002)


BEFORE_EVERY = 40  # batch.VACUUM_EVERY before the cadence followed the table


def projected_total(table_rows: int, progress: batch.BatchProgress) -> int:
    """The cadence's basis before it followed the table: the projected total."""
    del table_rows  # ignored, as it was
    return progress.rows_total


def backend_cpu(pid: int) -> float | None:
    """CPU seconds the backend ``pid`` has used, when it runs on this machine."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def sample_waits(url: str, pid: int, stop: threading.Event, seen: Counter[str]) -> None:
    """What the run's backend is doing, every 5 ms: its wait event, or ``CPU``
    when it is active and waits on nothing (where a run's time goes, inside
    the statement: WAL, buffer reads, locks)."""
    with psycopg.connect(url, autocommit=True) as conn:
        while not stop.is_set():
            row = conn.execute(
                "SELECT state, wait_event_type, wait_event FROM pg_stat_activity WHERE pid = %s",
                (pid,),
            ).fetchone()
            if row and row[0] == "active":
                seen[f"{row[1]}:{row[2]}" if row[1] else "CPU"] += 1
            elif row:
                seen["client (idle)"] += 1
            time.sleep(0.005)


def run_variant(
    admin: str,
    rows: int,
    statement: str,
    writer: bool,
    label: str,
    plain: bool = False,
    waits: bool = False,
) -> float:
    """One run on a fresh copy; returns its rows/s. ``plain``: the statement as one
    UPDATE (the throughput goal's baseline) instead of batched."""
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {RUN} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {RUN} TEMPLATE {TEMPLATE}")
        conn.execute("CHECKPOINT")  # every variant pays the same full-page writes
    url = url_of(admin, RUN)
    first, batched = STATEMENTS[statement]
    stop = threading.Event()
    thread = threading.Thread(target=write, args=(url, rows, stop), daemon=True)
    vacuums: list[float] = []
    with psycopg.connect(url, autocommit=True) as conn:
        before, indexes_before = conn.execute(
            "SELECT pg_table_size('big'), pg_indexes_size('big')"
        ).fetchone()
        with conn.transaction():
            for sql in first:
                conn.execute(sql)
        if writer:
            thread.start()
            time.sleep(0.5)
        spent: dict[str, list[float]] = {}
        seen: Counter[str] = Counter()
        sampling = threading.Event()
        sampler = threading.Thread(
            target=sample_waits, args=(url, conn.info.backend_pid, sampling, seen), daemon=True
        )
        if waits:
            sampler.start()
        conn.execute = timing_vacuums(conn.execute, vacuums, spent)  # type: ignore[method-assign]
        cpu_before = backend_cpu(conn.info.backend_pid)
        started = time.monotonic()
        if plain:
            conn.execute(batched)
        else:
            batch.run_batched(conn, batched, BatchSpec("big", 5000), "heap")
        took = time.monotonic() - started
        cpu_after = backend_cpu(conn.info.backend_pid)
        sampling.set()
        if waits:
            sampler.join()
        stop.set()
        if writer:
            thread.join()
        after, indexes_after = conn.execute(
            "SELECT pg_table_size('big'), pg_indexes_size('big')"
        ).fetchone()
        conn.execute("VACUUM FULL big")
        packed = conn.execute("SELECT pg_table_size('big')").fetchone()[0]
    vacuumed = sum(vacuums[:-1])  # the last is the VACUUM FULL that measures the data
    print(
        f"{label:<8} {rows / took:>9,.0f} rows/s  vacuums {len(vacuums) - 1:>3} "
        f"({vacuumed / took:>4.0%} of the time)  raw x{after / before:.3f}  "
        f"data x{packed / before:.3f}  bloat x{after / packed:.3f}  "
        f"indexes x{indexes_after / indexes_before:.2f}"
        + (
            f"  backend CPU {cpu_after - cpu_before:.2f} s"
            if cpu_before is not None and cpu_after is not None
            else ""
        ),
        flush=True,
    )
    if waits:
        total = max(sum(seen.values()), 1)
        print(
            "         backend: "
            + ", ".join(f"{what} {count / total:.0%}" for what, count in seen.most_common(6)),
            flush=True,
        )
    if not plain:  # where the batched run's time went, by statement
        shares = sorted(spent.items(), key=lambda item: -sum(item[1]))
        shares = [(kind, times) for kind, times in shares if sum(times) >= took / 200]
        print(
            "         time: "
            + ", ".join(f"{kind} {sum(times) / took:.1%} ({len(times)}x)" for kind, times in shares)
            + f", the rest {1 - sum(sum(t) for _, t in shares) / took:.1%}",
            flush=True,
        )
    return rows / took


def statement_kind(text: str) -> str:
    """The statement's first words: what the batched loop's time is split by."""
    return " ".join(text.split()[:2]).rstrip("(")


def timing_vacuums(
    execute: Callable[..., Any], seen: list[float], spent: dict[str, list[float]]
) -> Callable[..., Any]:
    def timed(query: Any, *args: Any, **kwargs: Any) -> Any:
        began = time.monotonic()
        result = execute(query, *args, **kwargs)
        took = time.monotonic() - began
        text = query.decode() if isinstance(query, bytes) else str(query)
        if text.startswith("VACUUM"):
            seen.append(took)
        if not text.startswith("VACUUM FULL") and not text.startswith("SELECT pg_table_size"):
            spent.setdefault(statement_kind(text), []).append(took)
        return result

    return timed


def main() -> int:
    global KEY
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--statement", choices=sorted(STATEMENTS), default="upper")
    parser.add_argument("--every", type=int, default=batch.VACUUM_EVERY)
    parser.add_argument("--share", type=float, default=batch.VACUUM_SHARE)
    parser.add_argument("--writer", action="store_true")
    parser.add_argument(
        "--secondary-indexes",
        type=int,
        choices=range(len(SECONDARY_INDEXES) + 1),
        default=len(SECONDARY_INDEXES),
        help="build big with this many of its secondary indexes (qty, nickname, created_at)",
    )
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument(
        "--key",
        choices=sorted(KEYS),
        default=KEY,
        help="big's primary key: bigint in insertion order, or random text (md5 strings)",
    )
    parser.add_argument(
        "--whole-ranges",
        action="store_true",
        help="also run the batches in whole key ranges (batch.HALVES off: how they ran "
        "before halves) on their own copy, in every round: the paired baseline",
    )
    parser.add_argument("--before-after", action="store_true")
    parser.add_argument(
        "--waits",
        action="store_true",
        help="sample the run's backend every 5 ms and print what it waited on (or CPU)",
    )
    parser.add_argument(
        "--plain",
        action="store_true",
        help="also run the statement as one UPDATE on its own copy, in every round, "
        "and print the batched run's rows/s as a share of it",
    )
    add_database_url(parser)
    args = parser.parse_args()
    KEY = args.key
    batch.VACUUM_EVERY, batch.VACUUM_SHARE = args.every, args.share
    print(
        f"{args.statement}: {STATEMENTS[args.statement][1]}\n"
        f"rows {args.rows:,}, vacuum every 1/{args.every}, share {args.share:g}, "
        f"writer {'on' if args.writer else 'off'}, "
        f"secondary indexes {args.secondary_indexes}, key {args.key}",
        flush=True,
    )
    build_template(args.database_url, args.rows, args.secondary_indexes)
    current = batch.vacuum_basis
    try:
        for _ in range(args.rounds):
            if args.before_after:
                batch.vacuum_basis, batch.VACUUM_EVERY = projected_total, BEFORE_EVERY
                run_variant(args.database_url, args.rows, args.statement, args.writer, "before")
                batch.vacuum_basis, batch.VACUUM_EVERY = current, args.every
            if args.whole_ranges:
                batch.HALVES = False
                whole = run_variant(
                    args.database_url, args.rows, args.statement, args.writer, "whole"
                )
                batch.HALVES = True
            label = "after" if args.before_after else "halves" if args.whole_ranges else "run"
            rate = run_variant(
                args.database_url, args.rows, args.statement, args.writer, label, waits=args.waits
            )
            if args.plain:
                one = run_variant(
                    args.database_url,
                    args.rows,
                    args.statement,
                    args.writer,
                    "one",
                    plain=True,
                    waits=args.waits,
                )
                print(f"         batched: {rate / one:.0%} of one UPDATE's rows/s", flush=True)
                if args.whole_ranges:
                    print(
                        f"         whole ranges: {whole / one:.0%} of one UPDATE's rows/s",
                        flush=True,
                    )
    finally:
        batch.vacuum_basis = current
        with psycopg.connect(args.database_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {RUN} WITH (FORCE)")
            conn.execute(f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)")
    print("raw = after / before; data = after VACUUM FULL / before; bloat = raw / data")
    return 0


if __name__ == "__main__":
    sys.exit(main())
