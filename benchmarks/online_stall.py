"""How long do migrations stop writes? Naive SQL vs buildamp's online form.

Creates a table of N rows (default 2,000,000) and a JSONB table of N documents,
runs a concurrent writer (single-row UPDATE/INSERT in autocommit, each
statement's latency recorded) and, for each operation, applies the migration
buildamp generates with ``online = false`` (the naive form) and with
``online = true``, each on a fresh copy of the same database. Prints one table:
duration, the writer's worst stall during the migration, rows/s of backfills,
and table size growth. ``big`` carries three secondary indexes (a primary key
alone is the best case for a backfill). Each migration run is paired with its
own writer-alone window, taken on the same database right before it starts
(not one baseline for the whole run), and each goal is marked met or missed:

- stall: online worst writer latency <= paired writer-alone worst + 100 ms
- throughput: batched backfill rows/s >= 80% of one plain UPDATE's
- heap: judged on the bloat the online run leaves: table size after the run /
  the same table after ``VACUUM FULL`` <= 1.3x. Printed next to it: the raw
  ratio (after / before) and what the new data itself needs (after ``VACUUM
  FULL`` / before: a new uuid column on this narrow row is ~+20% with no dead
  row version at all); a raw ratio over 1.3x says which of the two made it so.

Each operation's line ends with its wall time (both runs, setup included), and
the run with the total. The total is about a minute plus a time linear in rows
(100,000 and 300,000 rows took 149 s and 324 s on 2 busy cores): a 2,000,000-row
run takes about 12x a 100,000-row one on the same machine.

    python benchmarks/online_stall.py --rows 2000000
    python benchmarks/online_stall.py --rows 100000 --ops default_backfill   # one operation
    python benchmarks/online_stall.py --rows 300000 --ops backfill --pairs 5  # median of 5
    python benchmarks/online_stall.py --rows 50000 --ops backfill,index,not_null
    python benchmarks/online_stall.py --ops backfill --pairs 3 --no-flush-after  # baseline
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import psycopg  # noqa: E402
from measure import add_database_url  # noqa: E402

from buildamp.cli.generate import generate  # noqa: E402
from buildamp.files.config import load_config  # noqa: E402
from buildamp.pg.sqltext import quote_literal  # noqa: E402
from buildamp.run import batch  # noqa: E402
from buildamp.run.apply import apply  # noqa: E402

BASE = """
#[table(name = "big", indexes = ["qty", "nickname", "created_at"])]
pub struct Big {
    pub id: i64,
    pub name: String,
    pub nickname: Option<String>,
    pub qty: i32,
    pub code: String,
}

#[table(name = "docs", storage = "jsonb")]
pub struct Doc {
    pub id: i64,
    pub title: String,
    pub body: String,
}
"""

OPERATIONS: dict[str, tuple[str, str]] = {
    # name: (table the writer hits, edited models)
    "index": (
        "big",
        BASE.replace(
            "    pub name: String,", "    #[migration(index = true)]\n    pub name: String,"
        ),
    ),
    "unique": (
        "big",
        BASE.replace(
            "    pub code: String,", "    #[migration(unique = true)]\n    pub code: String,"
        ),
    ),
    "not_null": (
        "big",
        BASE.replace(
            "    pub nickname: Option<String>,",
            "    #[migration(default = \"'none'\")]\n    pub nickname: String,",
        ),
    ),
    "type_change": ("big", BASE.replace("pub qty: i32", "pub qty: i64")),
    "jsonb_rename": (
        "docs",
        BASE.replace(
            "    pub title: String,",
            '    #[migration(rename_from = "title")]\n    pub heading: String,',
        ),
    ),
    "default_backfill": (
        "big",
        BASE.replace(
            "    pub code: String,\n}",
            '    pub code: String,\n    #[migration(default = "gen_random_uuid()")]\n    pub token: uuid::Uuid,\n}',
            1,
        ),
    ),
}


# the writer runs in a process of its own, as an application's would: as a thread it
# shared the GIL with ``apply`` in this process, whose pauses read as stalls
PROCESSES = multiprocessing.get_context("fork")


@dataclass
class Writer:
    """Single-row writes in autocommit; records (start, latency) of each. The
    clock (``time.monotonic``) is the system's, the same in both processes."""

    url: str
    table: str
    rows: int
    samples: list[tuple[float, float]] = field(default_factory=list)
    stop: Any = field(default_factory=PROCESSES.Event)
    errors: list[str] = field(default_factory=list)
    _results: Any = None
    _process: Any = None

    def start(self) -> None:
        self._results, sending = PROCESSES.Pipe(duplex=False)
        self._process = PROCESSES.Process(target=self._run_and_send, args=(sending,), daemon=True)
        self._process.start()

    def finish(self) -> None:
        self.stop.set()
        self.samples, self.errors = self._results.recv()
        self._process.join()

    def _run_and_send(self, sending: Any) -> None:
        self.run()
        sending.send((self.samples, self.errors))

    def run(self) -> None:
        conn = psycopg.connect(self.url, autocommit=True)
        next_id = self.rows + 1_000_000
        update = (
            "UPDATE big SET name = name WHERE id = %s"
            if self.table == "big"
            else "UPDATE docs SET updated_at = now() WHERE id = %s"
        )
        while not self.stop.is_set():
            began = time.monotonic()
            try:
                self._write(conn, update, next_id)
            except psycopg.Error as error:  # counted, never silently ending the writer
                self.errors.append(str(error).splitlines()[0])
            next_id += 1
            self.samples.append((began, time.monotonic() - began))
            time.sleep(0.002)
        conn.close()

    def _write(self, conn: psycopg.Connection, update: str, next_id: int) -> None:
        if random.random() < 0.8:
            conn.execute(update, (random.randint(1, self.rows),))
        elif self.table == "big":
            conn.execute(
                "INSERT INTO big (id, host, name, nickname, qty, code) "
                "VALUES (%s, 'acme', 'new', 'n', 1, %s)",
                (next_id, f"c{next_id}"),
            )
        else:
            conn.execute(
                "INSERT INTO docs (id, host, data) VALUES (%s, 'acme', "
                '\'{"title": "t", "body": "b"}\')',
                (next_id,),
            )

    def worst(self, start: float, end: float) -> float:
        """Worst latency of the writes in [start, end]; infinite when none completed
        (a writer that stopped must not read as "no stall")."""
        return max(self.latencies(start, end), default=float("inf"))

    def latencies(self, start: float, end: float) -> list[float]:
        """Of the writes that overlap [start, end]."""
        return [lat for began, lat in self.samples if began + lat >= start and began <= end]


def admin_url(url: str) -> str:
    return url.rsplit("/", 1)[0] + "/postgres"


def db_url(url: str, name: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + name


def make_project(folder: Path, online: bool, models: str) -> Path:
    (folder / "models").mkdir(parents=True, exist_ok=True)
    (folder / "buildamp.toml").write_text(
        f'models = ["models"]\nonline = {"true" if online else "false"}\nbatch_size = 5000\n'
    )
    (folder / "models" / "bench_domain.rs").write_text(models)
    return folder


def build_template(url: str, rows: int, work: Path) -> Path:
    """A database with the base schema and data, copied for every run."""
    base = make_project(work / "base", False, BASE)
    generate(load_config(base))
    with psycopg.connect(admin_url(url), autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {TEMPLATE_DATABASE} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {TEMPLATE_DATABASE}")
    template = db_url(url, TEMPLATE_DATABASE)
    apply(load_config(base), template, report=lambda _line: None)
    with psycopg.connect(template, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO big (id, host, name, nickname, qty, code) "
            "SELECT g, 'acme', 'name ' || g, CASE WHEN g %% 3 = 0 THEN NULL ELSE 'n' || g END, "
            "g %% 1000, 'code-' || g FROM generate_series(1, %s) AS g",
            (rows,),
        )
        conn.execute(
            "INSERT INTO docs (id, host, data) SELECT g, 'acme', "
            "jsonb_build_object('title', 'title ' || g, 'body', repeat('x', 40)) "
            "FROM generate_series(1, %s) AS g",
            (rows,),
        )
        conn.execute("VACUUM ANALYZE big")
        conn.execute("VACUUM ANALYZE docs")
    return base


HEAP_GOAL = 1.3  # issue 15: "keep heap growth <= 1.3x" during backfills


@dataclass(frozen=True)
class Sizes:
    """``pg_table_size`` of the table before the run, right after it, and after a
    ``VACUUM FULL`` of the table as left (every dead row version gone, every row
    packed): ``raw`` = after / before (what the disk sees), ``data`` = compact /
    before (what the new data itself needs: a new column, int -> bigint), and
    ``bloat`` = after / compact (space the run left that a rewrite would take
    back: dead row versions and holes not reused). The goal is judged on
    ``bloat``: a naive ``ALTER`` needs ``data`` too, so only ``bloat`` is what
    the online form adds, and a wide new column on a narrow row must not read as
    a miss, nor hide one."""

    before: int
    after: int
    compact: int | None = None  # measured for the online runs only

    @property
    def raw(self) -> float:
        return self.after / self.before

    @property
    def data(self) -> float:
        return (self.compact or self.after) / self.before

    @property
    def bloat(self) -> float:
        return self.after / (self.compact or self.after)


@dataclass
class Run:
    seconds: float
    stall: float
    alone: float  # the writer's worst latency in the window right before the run
    rows_per_second: float
    sizes: Sizes
    autovacuums: str = ""  # ", autovacuum ran N time(s) during it", WAL checkpoints, when any
    window: tuple[float, float] = (0.0, 0.0)  # the run's start and end (time.monotonic())
    slowest: tuple[float, ...] = ()  # the writer's five slowest writes in it, ascending


ALONE_SECONDS = 3.0  # the paired writer-alone window before each run
RUN_DATABASE = "buildamp_stall_run"
TEMPLATE_DATABASE = "buildamp_stall_template"


def online_project(base: Path, op: str, online: bool, work: Path) -> Path:
    """The base project with ``op``'s model edit, generated naive or online."""
    project = work / f"{op}-{'online' if online else 'naive'}"
    shutil.copytree(base, project)
    make_project(project, online, OPERATIONS[op][1])
    generate(load_config(project), allow_destructive=True)
    return project


def backfill_project(base: Path, batched: bool, work: Path) -> Path:
    """The base project plus one hand-written migration: ``BACKFILL_SQL`` as one
    statement, or under a batch marker."""
    project = work / f"backfill-{'batched' if batched else 'plain'}"
    shutil.copytree(base, project)
    mark = (
        "\n-- buildamp:no-transaction\n-- buildamp:batch table=big size=5000\n" if batched else ""
    )
    body = f"BEGIN;\nSELECT 1;\nCOMMIT;\n{mark}{BACKFILL_SQL};\n"
    (project / "migrations" / "002_backfill.sql").write_text(body)
    (project / "migrations" / "rollback" / "002_rollback.sql").write_text("SELECT 1;\n")
    return project


def measure(url: str, project: Path, table: str, rows: int, compact: bool) -> Run:
    """Apply ``project`` to a fresh copy of the template under the writer.
    ``compact``: also measure the table after ``VACUUM FULL`` (costly at 2M rows,
    so only for the runs whose heap figures are judged)."""
    target = fresh_copy(url)
    with psycopg.connect(target, autocommit=True) as conn:
        size_before = conn.execute("SELECT pg_table_size(%s)", (table,)).fetchone()[0]
    checkpoints_before = wal_checkpoints(target)
    writer = Writer(target, table, rows)
    writer.start()
    time.sleep(0.5)
    alone_from = time.monotonic()
    time.sleep(ALONE_SECONDS)
    started = time.monotonic()
    apply(load_config(project), target, report=lambda _line: None)
    ended = time.monotonic()
    with psycopg.connect(target, autocommit=True) as conn:
        ran = conn.execute(
            "SELECT autovacuum_count + autoanalyze_count FROM pg_stat_user_tables "
            "WHERE relname = %s",
            (table,),
        ).fetchone()[0]
    checkpoints = wal_checkpoints(target) - checkpoints_before
    time.sleep(0.5)
    writer.finish()
    if writer.errors:
        print(f"  (writer: {len(writer.errors)} failed writes, first: {writer.errors[0]})")
    sizes = sizes_after(target, table, int(size_before), compact)
    seconds = ended - started
    return Run(
        seconds,
        writer.worst(started, ended),
        writer.worst(alone_from, started),
        rows / seconds,
        sizes,
        (f", autovacuum/analyze ran {ran} time(s) during it" if ran else "")
        + (
            f", {checkpoints} WAL checkpoint(s) from the writer-alone window on"
            if checkpoints
            else ""
        ),
        (started, ended),
        tuple(sorted(writer.latencies(started, ended))[-5:]),
    )


def fresh_copy(url: str) -> str:
    """A new copy of the template (``RUN_DATABASE``); its URL."""
    with psycopg.connect(admin_url(url), autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {RUN_DATABASE} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {RUN_DATABASE} TEMPLATE {TEMPLATE_DATABASE}")
        # Every run starts right after a checkpoint, so each pays the same full-page
        # writes: one that met a checkpoint half-way ran up to a quarter slower.
        admin.execute("CHECKPOINT")
    return db_url(url, RUN_DATABASE)


def drop_databases(url: str) -> None:
    """The run's copy and the template, at the end."""
    with psycopg.connect(admin_url(url), autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {RUN_DATABASE} WITH (FORCE)")
        admin.execute(f"DROP DATABASE IF EXISTS {TEMPLATE_DATABASE} WITH (FORCE)")


def wal_checkpoints(url: str) -> int:
    """Checkpoints the server started because ``max_wal_size`` filled: their
    writes and fsyncs slow every commit, a stall buildamp does not cause (one
    came in a writer-alone window, 174 ms, while the template was copied)."""
    with psycopg.connect(url, autocommit=True) as conn:
        return int(conn.execute("SELECT checkpoints_req FROM pg_stat_bgwriter").fetchone()[0])


def sizes_after(url: str, table: str, before: int, compact: bool) -> Sizes:
    """The table's size as left, and (``compact``) after ``VACUUM FULL``. The
    table's indexes are dropped first: ``pg_table_size`` does not count them, and
    rebuilding them was most of the VACUUM FULL's time (this copy is thrown away)."""
    with psycopg.connect(url, autocommit=True) as conn:
        after = int(conn.execute("SELECT pg_table_size(%s)", (table,)).fetchone()[0])
        if not compact:
            return Sizes(before, after)
        conn.execute(DROP_INDEXES.replace("%table%", quote_literal(table)))
        conn.execute(f"VACUUM FULL {table}")
        packed = int(conn.execute("SELECT pg_table_size(%s)", (table,)).fetchone()[0])
    return Sizes(before, after, packed)


DROP_INDEXES = """
DO $bench$
DECLARE
    item record;
BEGIN
    FOR item IN SELECT conname FROM pg_constraint
        WHERE conrelid = %table%::regclass AND contype IN ('p', 'u', 'x')
    LOOP
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I CASCADE', %table%, item.conname);
    END LOOP;
    FOR item IN SELECT indexrelid::regclass::text AS name FROM pg_index
        WHERE indrelid = %table%::regclass
    LOOP
        EXECUTE format('DROP INDEX %s', item.name);
    END LOOP;
END
$bench$
"""

BACKFILL = "backfill"  # the --ops name of the one-UPDATE vs batched pair
BACKFILL_SQL = "UPDATE big SET name = upper(name)"


def heap_cells(sizes: Sizes) -> tuple[str, str]:
    """(goal verdict, note) for the heap figures: judged on bloat; a raw ratio over
    the goal is explained next to it, never left to look met or missed."""
    verdict = _met(sizes.bloat <= HEAP_GOAL)
    if sizes.raw <= HEAP_GOAL:
        return verdict, ""
    if sizes.bloat <= HEAP_GOAL:
        return (
            verdict,
            f"raw x{sizes.raw:.2f} > {HEAP_GOAL}x because the new data needs "
            f"x{sizes.data:.2f}; bloat within the goal",
        )
    return verdict, f"raw x{sizes.raw:.2f} and bloat x{sizes.bloat:.2f} both over {HEAP_GOAL}x"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=2_000_000)
    add_database_url(parser)
    parser.add_argument(
        "--ops",
        default=",".join([BACKFILL, *OPERATIONS]),
        help=f"comma-separated, any of: {BACKFILL} (one UPDATE vs batched), "
        + ", ".join(OPERATIONS),
    )
    parser.add_argument(
        "--pairs",
        type=int,
        default=1,
        help=f"run the {BACKFILL} pair this many times (order swapped every other time) "
        "and judge throughput on the median",
    )
    parser.add_argument(
        "--whole-ranges",
        action="store_true",
        help="run batched backfills in whole key ranges (batch.HALVES off: as before each "
        "range was split in halves), to compare with a run without it",
    )
    parser.add_argument(
        "--no-flush-after",
        action="store_true",
        help="leave the batched backfills' page writes to the server's backend_flush_after "
        "(batch.FLUSH_AFTER off: as before they were pushed to disk as they go), to "
        "compare with a run without it",
    )
    args = parser.parse_args()
    batch.HALVES = not args.whole_ranges
    if args.no_flush_after:
        batch.FLUSH_AFTER = 0
    ops = [op for op in args.ops.split(",") if op]
    unknown = [op for op in ops if op != BACKFILL and op not in OPERATIONS]
    if unknown:
        parser.error(f"unknown operation(s): {', '.join(unknown)}")
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="buildamp-stall-") as tmp:
        work = Path(tmp)
        print(f"building template: {args.rows:,} rows in big and in docs ...", flush=True)
        base = build_template(args.database_url, args.rows, work)
        print(f"  template built in {time.monotonic() - began:.0f} s\n", flush=True)
        plain: Run | None = None
        if BACKFILL in ops:
            plain, took = backfill_pair(args.database_url, base, args.rows, work, args.pairs)
            print(f"  ({took:.0f} s)\n", flush=True)
        header = (
            f"{'operation':<17}{'naive s':>8}{'naive stall':>12}{'online s':>9}"
            f"{'alone':>8}{'online stall':>13}{'stall goal':>11}{'rows/s vs UPDATE':>17}"
            f"{'heap x':>7}{'data x':>7}{'bloat x':>8}{'heap goal':>10}{'took s':>7}  note"
        )
        print(header)
        print("-" * len(header))
        for op in ops:
            if op == BACKFILL:
                continue
            op_began = time.monotonic()
            table = OPERATIONS[op][0]
            naive_project = online_project(base, op, False, work)
            naive = measure(args.database_url, naive_project, table, args.rows, compact=False)
            online_of = online_project(base, op, True, work)
            online = measure(args.database_url, online_of, table, args.rows, compact=True)
            stall_ok = online.stall <= online.alone + 0.1
            versus = f"{online.rows_per_second / plain.rows_per_second:.0%}" if plain else "—"
            verdict, note = heap_cells(online.sizes)
            print(
                f"{op:<17}{naive.seconds:>8.2f}{naive.stall * 1000:>10.0f}ms"
                f"{online.seconds:>9.2f}{online.alone * 1000:>6.0f}ms"
                f"{online.stall * 1000:>11.0f}ms{_met(stall_ok):>11}{versus:>17}"
                f"{online.sizes.raw:>7.2f}{online.sizes.data:>7.2f}{online.sizes.bloat:>8.2f}"
                f"{verdict:>10}{time.monotonic() - op_began:>7.0f}  {note}".rstrip(),
                flush=True,
            )
        drop_databases(args.database_url)
    print(
        "\nstall goal: online stall <= the writer's worst latency in its own "
        f"{ALONE_SECONDS:.0f} s writer-alone window right before that run + 100 ms\n"
        f"heap goal (<= {HEAP_GOAL}x) is judged on bloat x = table after the run / the same "
        "table after VACUUM FULL:\n"
        "  the space the run left behind (dead row versions, holes not reused). heap x is "
        "the raw after / before;\n"
        "  data x = after VACUUM FULL / before is what the new data itself needs (a new "
        "column, int -> bigint),\n"
        "  which the naive ALTER needs as well. heap x = data x * bloat x.\n"
        f"total {time.monotonic() - began:.0f} s for {args.rows:,} rows"
    )
    return 0


def backfill_pair(url: str, base: Path, rows: int, work: Path, pairs: int) -> tuple[Run, float]:
    """One plain UPDATE vs the same statement batched: the throughput goal. With
    ``pairs`` > 1 the pair runs that many times, the order swapped every other
    time, and the goal is judged on the median share (one pair varied 76-100%)."""
    began = time.monotonic()
    print(f"backfill `{BACKFILL_SQL}` over {rows:,} rows (3 secondary indexes):")
    shares: list[float] = []
    plains: list[Run] = []
    plain_project = backfill_project(base, False, work)
    batched_project = backfill_project(base, True, work)
    for index in range(pairs):
        plain_first = index % 2 == 0
        if plain_first:
            plain = measure(url, plain_project, "big", rows, compact=False)
        batched = measure(url, batched_project, "big", rows, compact=True)
        if not plain_first:
            plain = measure(url, plain_project, "big", rows, compact=False)
        share = batched.rows_per_second / plain.rows_per_second
        shares.append(share)
        plains.append(plain)
        verdict, note = heap_cells(batched.sizes)
        label = f" (pair {index + 1}, {'plain' if plain_first else 'batched'} first)"
        print(
            f"  one UPDATE{label if pairs > 1 else ''}: {plain.rows_per_second:,.0f} rows/s, "
            f"stall {plain.stall * 1000:.0f} ms "
            f"(writer alone {plain.alone * 1000:.0f} ms), table x{plain.sizes.raw:.2f}"
            f"{plain.autovacuums}\n"
            f"  batched:    {batched.rows_per_second:,.0f} rows/s ({share:.0%} of one UPDATE: "
            f"goal >= 80% {_met(share >= 0.8)}), stall {batched.stall * 1000:.0f} ms "
            f"(writer alone {batched.alone * 1000:.0f} ms: "
            f"{_met(batched.stall <= batched.alone + 0.1)}), "
            f"table x{batched.sizes.raw:.2f} = data x{batched.sizes.data:.2f} * "
            f"bloat x{batched.sizes.bloat:.2f} (goal: bloat <= {HEAP_GOAL}x {verdict})"
            + (f"; {note}" if note else "")
            + batched.autovacuums,
            flush=True,
        )
    if pairs > 1:
        middle = statistics.median(shares)
        print(
            f"  median of {pairs} pairs: {middle:.0%} of one UPDATE (goal >= 80% "
            f"{_met(middle >= 0.8)}); each: {', '.join(f'{share:.0%}' for share in shares)}"
        )
    # the operations' "rows/s vs UPDATE" column compares against the median UPDATE
    plains.sort(key=lambda run: run.rows_per_second)
    return plains[len(plains) // 2], time.monotonic() - began


def _met(ok: bool) -> str:
    return "met" if ok else "MISSED"


if __name__ == "__main__":
    sys.exit(main())
