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
- heap: table size after the online run <= 1.3x before (also shown: the size
  after ``VACUUM FULL``, what the new data itself takes: a new uuid column on
  a narrow row is +31% with no dead row version at all)

    python benchmarks/online_stall.py --rows 2000000
    python benchmarks/online_stall.py --rows 50000 --ops index,not_null   # quick look
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import psycopg  # noqa: E402

from buildamp.cli.generate import generate  # noqa: E402
from buildamp.files.config import load_config  # noqa: E402
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


@dataclass
class Writer:
    """Single-row writes in autocommit; records (start, latency) of each."""

    url: str
    table: str
    rows: int
    samples: list[tuple[float, float]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    errors: list[str] = field(default_factory=list)

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
        inside = [lat for began, lat in self.samples if began + lat >= start and began <= end]
        return max(inside, default=float("inf"))


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
        admin.execute("DROP DATABASE IF EXISTS buildamp_stall_template WITH (FORCE)")
        admin.execute("CREATE DATABASE buildamp_stall_template")
    template = db_url(url, "buildamp_stall_template")
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


@dataclass
class Run:
    seconds: float
    stall: float
    size_ratio: float
    rows_per_second: float
    alone: float = 0.0  # the writer's worst latency in the window right before the run
    compact_ratio: float = 0.0  # size after VACUUM FULL / before: the growth the data needs


ALONE_SECONDS = 3.0  # the paired writer-alone window before each run


def measure(url: str, base: Path, op: str, online: bool, rows: int, work: Path) -> Run:
    table, models = OPERATIONS[op]
    project = work / f"{op}-{'online' if online else 'naive'}"
    shutil.copytree(base, project)
    make_project(project, online, models)
    generate(load_config(project), allow_destructive=True)
    name = "buildamp_stall_run"
    with psycopg.connect(admin_url(url), autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {name} TEMPLATE buildamp_stall_template")
    target = db_url(url, name)
    with psycopg.connect(target, autocommit=True) as conn:
        size_before = conn.execute("SELECT pg_table_size(%s)", (table,)).fetchone()[0]
    writer = Writer(target, table, rows)
    thread = threading.Thread(target=writer.run, daemon=True)
    thread.start()
    time.sleep(0.5)
    alone_from = time.monotonic()
    time.sleep(ALONE_SECONDS)
    started = time.monotonic()
    apply(load_config(project), target, report=lambda _line: None)
    ended = time.monotonic()
    time.sleep(0.5)
    writer.stop.set()
    thread.join()
    if writer.errors:
        print(f"  (writer: {len(writer.errors)} failed writes, first: {writer.errors[0]})")
    size_after, compact = sizes_after(target, table)
    seconds = ended - started
    alone = writer.worst(alone_from, started)
    stall = writer.worst(started, ended)
    return Run(
        seconds, stall, size_after / size_before, rows / seconds, alone, compact / size_before
    )


def sizes_after(url: str, table: str) -> tuple[int, int]:
    """The table's size as left, and after ``VACUUM FULL`` (no dead versions)."""
    with psycopg.connect(url, autocommit=True) as conn:
        size_after = conn.execute("SELECT pg_table_size(%s)", (table,)).fetchone()[0]
        conn.execute(f"VACUUM FULL {table}")
        compact = conn.execute("SELECT pg_table_size(%s)", (table,)).fetchone()[0]
    return int(size_after), int(compact)


BACKFILL_SQL = "UPDATE big SET name = upper(name)"


def measure_backfill(url: str, base: Path, batched: bool, rows: int, work: Path) -> Run:
    """One big UPDATE vs the same statement under a batch marker (rows/s, size)."""
    project = work / f"backfill-{'batched' if batched else 'plain'}"
    shutil.copytree(base, project)
    mark = (
        "\n-- buildamp:no-transaction\n-- buildamp:batch table=big size=5000\n" if batched else ""
    )
    body = f"BEGIN;\nSELECT 1;\nCOMMIT;\n{mark}{BACKFILL_SQL};\n"
    (project / "migrations" / "002_backfill.sql").write_text(body)
    (project / "migrations" / "rollback" / "002_rollback.sql").write_text("SELECT 1;\n")
    name = "buildamp_stall_run"
    with psycopg.connect(admin_url(url), autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {name} TEMPLATE buildamp_stall_template")
    target = db_url(url, name)
    with psycopg.connect(target, autocommit=True) as conn:
        size_before = conn.execute("SELECT pg_table_size('big')").fetchone()[0]
    writer = Writer(target, "big", rows)
    thread = threading.Thread(target=writer.run, daemon=True)
    thread.start()
    time.sleep(0.5)
    alone_from = time.monotonic()
    time.sleep(ALONE_SECONDS)
    started = time.monotonic()
    apply(load_config(project), target, report=lambda _line: None)
    ended = time.monotonic()
    writer.stop.set()
    thread.join()
    if writer.errors:
        print(f"  (writer: {len(writer.errors)} failed writes, first: {writer.errors[0]})")
    size_after, compact = sizes_after(target, "big")
    seconds = ended - started
    alone = writer.worst(alone_from, started)
    stall = writer.worst(started, ended)
    return Run(
        seconds, stall, size_after / size_before, rows / seconds, alone, compact / size_before
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BUILDAMP_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument("--ops", default=",".join(OPERATIONS))
    args = parser.parse_args()
    ops = [op for op in args.ops.split(",") if op]
    with tempfile.TemporaryDirectory(prefix="buildamp-stall-") as tmp:
        work = Path(tmp)
        print(f"building template: {args.rows:,} rows in big and in docs ...", flush=True)
        base = build_template(args.database_url, args.rows, work)
        plain = measure_backfill(args.database_url, base, False, args.rows, work)
        batched = measure_backfill(args.database_url, base, True, args.rows, work)
        share = batched.rows_per_second / plain.rows_per_second
        print(
            f"backfill `{BACKFILL_SQL}` over {args.rows:,} rows (3 secondary indexes):\n"
            f"  one UPDATE: {plain.rows_per_second:,.0f} rows/s, stall {plain.stall * 1000:.0f} ms "
            f"(writer alone {plain.alone * 1000:.0f} ms), table x{plain.size_ratio:.2f}\n"
            f"  batched:    {batched.rows_per_second:,.0f} rows/s ({share:.0%} of one UPDATE: "
            f"goal >= 80% {_met(share >= 0.8)}), stall {batched.stall * 1000:.0f} ms "
            f"(writer alone {batched.alone * 1000:.0f} ms: "
            f"{_met(batched.stall <= batched.alone + 0.1)}), "
            f"table x{batched.size_ratio:.2f} (goal <= 1.3x {_met(batched.size_ratio <= 1.3)}; "
            f"after VACUUM FULL x{batched.compact_ratio:.2f})\n"
        )
        header = (
            f"{'operation':<17}{'naive s':>8}{'naive stall':>12}{'online s':>9}"
            f"{'alone':>8}{'online stall':>13}{'stall goal':>11}{'rows/s vs UPDATE':>17}"
            f"{'heap x':>7}{'heap goal':>10}{'compact x':>10}"
        )
        print(header)
        print("-" * len(header))
        for op in ops:
            naive = measure(args.database_url, base, op, False, args.rows, work)
            online = measure(args.database_url, base, op, True, args.rows, work)
            stall_ok = online.stall <= online.alone + 0.1
            versus = online.rows_per_second / plain.rows_per_second
            print(
                f"{op:<17}{naive.seconds:>8.2f}{naive.stall * 1000:>10.0f}ms"
                f"{online.seconds:>9.2f}{online.alone * 1000:>6.0f}ms"
                f"{online.stall * 1000:>11.0f}ms{_met(stall_ok):>11}{versus:>17.0%}"
                f"{online.size_ratio:>7.2f}{_met(online.size_ratio <= 1.3):>10}"
                f"{online.compact_ratio:>10.2f}",
                flush=True,
            )
        with psycopg.connect(admin_url(args.database_url), autocommit=True) as admin:
            admin.execute("DROP DATABASE IF EXISTS buildamp_stall_run WITH (FORCE)")
            admin.execute("DROP DATABASE IF EXISTS buildamp_stall_template WITH (FORCE)")
    print(
        "\nstall goal: online stall <= the writer's worst latency in its own "
        f"{ALONE_SECONDS:.0f} s writer-alone window right before that run + 100 ms\n"
        "compact x: the table after VACUUM FULL vs before (the growth the new data "
        "itself needs; heap x above it is dead row versions)"
    )
    return 0


def _met(ok: bool) -> str:
    return "met" if ok else "MISSED"


if __name__ == "__main__":
    sys.exit(main())
