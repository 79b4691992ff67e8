"""Adversarial trials against a real PostgreSQL: the figures of docs/reliability.md.

Each section runs trials and counts failures (a failure is any outcome other
than "done exactly once" or "refused cleanly with exit 2/3"):

* concurrent: several ``migrate --apply`` and ``--status`` processes at once on
  a fresh database (history-table creation, advisory lock);
* random kills: SIGKILL of ``migrate --apply`` / ``--rollback`` at a random
  moment, then a rerun that must finish with the expected end state;
* targeted kills: SIGKILL while each kind of step after COMMIT waits for a lock
  (apply and rollback), then a rerun;
* fuzz: mutated Rust and Python models, config files and migration files must
  give exit 0/1/2, never a traceback or exit 4;
* injection: hostile strings in every model slot; whatever is generated is
  applied next to a ``victims`` table that must survive;
* leaks: four password shapes x commands x channels (stdout, stderr, audit
  log, webhook bodies, events).

Run from a clone::

    python benchmarks/reliability.py                 # default: about a minute
    python benchmarks/reliability.py --scale 5       # five times the trials

``--database-url`` (default ``postgresql://postgres@127.0.0.1:5432/postgres``)
must allow creating databases; they are named ``buildamp_rel_*`` and dropped.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import psycopg  # noqa: E402
from click.testing import CliRunner  # noqa: E402

from buildamp.cli.main import main  # noqa: E402

ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
Result = dict[str, tuple[int, int]]


def cli(project: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["-C", str(project), *args], env={})
    return result.exit_code, result.stdout, result.stderr


def spawn(project: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "buildamp", "-C", str(project), *args],
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@contextlib.contextmanager
def database(admin_url: str) -> Iterator[str]:
    name = f"buildamp_rel_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(admin_url)
    try:
        yield urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def project(tmp: Path) -> Path:
    root = tmp / f"p{uuid.uuid4().hex[:6]}"
    root.mkdir()
    assert cli(root, "init")[0] == 0
    return root


def write(root: Path, number: str, name: str, up: str, down: str) -> None:
    (root / "migrations" / f"{number}_{name}.sql").write_text(up)
    (root / "migrations" / "rollback" / f"{number}_rollback.sql").write_text(down)


BASE_UP = (
    "BEGIN;\nCREATE TABLE t (id int PRIMARY KEY, code text, n int);\n"
    "INSERT INTO t SELECT g, 'c' || g, g FROM generate_series(1, 20000) g;\nCOMMIT;\n"
)
POST_UP = (
    "BEGIN;\nALTER TABLE t ADD COLUMN note text;\nCOMMIT;\n\n"
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS t_n_idx ON t (n);\n"
    "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS t_code_key ON t (code);\n"
    "ALTER TABLE t ADD CONSTRAINT t_n_check CHECK (n IS NOT NULL) NOT VALID;\n"
    "ALTER TABLE t VALIDATE CONSTRAINT t_n_check;\n"
    "-- buildamp:batch table=t size=2000\n"
    "UPDATE t SET note = 'x' || id WHERE note IS NULL;\n"
)
POST_DOWN = (
    "BEGIN;\nALTER TABLE t DROP CONSTRAINT t_n_check;\nCOMMIT;\n\n"
    "DROP INDEX CONCURRENTLY IF EXISTS t_n_idx;\n"
    "DROP INDEX CONCURRENTLY IF EXISTS t_code_key;\n"
    "-- buildamp:batch table=t size=2000\n"
    "UPDATE t SET note = NULL WHERE note IS NOT NULL;\n"
    "ALTER TABLE t DROP COLUMN note;\n"
)


def _end_state_applied(url: str) -> bool:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT version, post_total = post_done, direction FROM buildamp_migrations "
            "ORDER BY version"
        ).fetchall()
        invalid = conn.execute("SELECT count(*) FROM pg_index WHERE NOT indisvalid").fetchone()
        nulls = conn.execute("SELECT count(*) FROM t WHERE note IS NULL").fetchone()
        valid = conn.execute(
            "SELECT convalidated FROM pg_constraint WHERE conname = 't_n_check'"
        ).fetchone()
    return (
        rows == [("001", True, "apply"), ("002", True, "apply")]
        and invalid == (0,)
        and nulls == (0,)
        and valid == (True,)
    )


def _end_state_rolled_back(url: str) -> bool:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT version FROM buildamp_migrations ORDER BY version").fetchall()
        column = conn.execute(
            "SELECT count(*) FROM pg_attribute WHERE attrelid = 't'::regclass "
            "AND attname = 'note' AND NOT attisdropped"
        ).fetchone()
        indexes = conn.execute(
            "SELECT count(*) FROM pg_class WHERE relname IN ('t_n_idx', 't_code_key')"
        ).fetchone()
        count = conn.execute("SELECT count(*) FROM t").fetchone()
    return rows == [("001",)] and column == (0,) and indexes == (0,) and count == (20000,)


def _finish(root: Path, url: str, *args: str) -> int:
    """Rerun until done (a rollback resumed stops after finishing)."""
    code = 0
    for _ in range(3):
        code = cli(root, "migrate", *args, "--database-url", url)[0]
        if code != 0:
            return code
    return code


def random_kills(admin: str, tmp: Path, trials: int, rng: random.Random) -> Result:
    result: Result = {}
    for direction in ("apply", "rollback"):
        failures = 0
        for _ in range(trials):
            root = project(tmp)
            write(root, "001", "base", BASE_UP, "BEGIN;\nDROP TABLE t;\nCOMMIT;\n")
            write(root, "002", "post", POST_UP, POST_DOWN)
            with database(admin) as url:
                if direction == "apply":
                    assert (
                        cli(root, "migrate", "--apply", "--to", "001", "--database-url", url)[0]
                        == 0
                    )
                    args: tuple[str, ...] = ("--apply",)
                else:
                    assert cli(root, "migrate", "--apply", "--database-url", url)[0] == 0
                    args = ("--rollback",)
                process = spawn(root, "migrate", *args, "--database-url", url)
                time.sleep(rng.uniform(0.3, 1.6))
                process.send_signal(signal.SIGKILL)
                process.wait()
                time.sleep(0.2)
                if direction == "apply":
                    ok = _finish(root, url, "--apply") == 0 and _end_state_applied(url)
                else:
                    ok = _rollback_finished(root, url) and _end_state_rolled_back(url)
                failures += not ok
        result[f"random kill during {direction}"] = (trials, failures)
    return result


def _rollback_finished(root: Path, url: str) -> bool:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT version, direction FROM buildamp_migrations ORDER BY version"
        ).fetchall()
    if rows == [("001", "apply")]:
        return True
    if rows[-1] == ("002", "rollback"):  # interrupted after its transaction: finish it
        return cli(root, "migrate", "--rollback", "--database-url", url)[0] == 0
    return cli(root, "migrate", "--rollback", "--database-url", url)[0] == 0  # never started


STEP_KINDS = {
    "add constraint not valid": "ALTER TABLE t ADD CONSTRAINT k CHECK (n IS NOT NULL) NOT VALID",
    "set not null": "ALTER TABLE t ALTER COLUMN n SET NOT NULL",
    "create index concurrently": "CREATE INDEX CONCURRENTLY IF NOT EXISTS t_n_idx ON t (n)",
    "drop index concurrently": "DROP INDEX CONCURRENTLY IF EXISTS t_pre_idx",
    "swap block": "DO $buildamp$\nBEGIN\n    ALTER TABLE t RENAME COLUMN code TO label;\nEND\n$buildamp$",
    "batched update": "-- buildamp:batch table=t size=500\nUPDATE t SET n = n + 1 WHERE n > 0",
}


def targeted_kills(admin: str, tmp: Path, rounds: int) -> Result:
    result: Result = {}
    for direction in ("apply", "rollback"):
        failures = trials = 0
        for step in STEP_KINDS.values():
            for _ in range(rounds):
                trials += 1
                failures += not _one_targeted(admin, tmp, direction, step)
        result[f"kill while a step waits for a lock ({direction}, {len(STEP_KINDS)} kinds)"] = (
            trials,
            failures,
        )
    return result


def _one_targeted(admin: str, tmp: Path, direction: str, step: str) -> bool:
    root = project(tmp)
    base = BASE_UP.replace("COMMIT;", "CREATE INDEX t_pre_idx ON t (code);\nCOMMIT;")
    write(root, "001", "base", base, "BEGIN;\nDROP TABLE t;\nCOMMIT;\n")
    post = f"BEGIN;\nCREATE TABLE marker (id int);\nCOMMIT;\n\n{step};\n"
    if direction == "apply":
        write(root, "002", "step", post, "BEGIN;\nDROP TABLE marker;\nCOMMIT;\n")
    else:
        write(
            root,
            "002",
            "step",
            "BEGIN;\nCREATE TABLE marker (id int);\nCOMMIT;\n",
            post.replace("CREATE TABLE marker (id int)", "DROP TABLE marker"),
        )
    with database(admin) as url:
        first = ("--apply", "--to", "001") if direction == "apply" else ("--apply",)
        if cli(root, "migrate", *first, "--database-url", url)[0] != 0:
            return False
        args = ("--apply",) if direction == "apply" else ("--rollback",)
        with psycopg.connect(url, autocommit=True) as watcher, psycopg.connect(url) as blocker:
            blocker.execute("LOCK TABLE t IN SHARE MODE")
            process = spawn(root, "migrate", *args, "--database-url", url)
            deadline = time.monotonic() + 20
            pid = None
            while time.monotonic() < deadline and pid is None:
                row = watcher.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid() "
                    "AND query NOT LIKE 'LOCK TABLE%'"
                ).fetchone()
                pid = row[0] if row else None
                time.sleep(0.02)
            process.send_signal(signal.SIGKILL)
            process.wait()
            blocker.commit()
            while pid is not None and watcher.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (pid,)
            ).fetchone() != (0,):
                time.sleep(0.02)
        if direction == "apply":
            ok = cli(root, "migrate", "--apply", "--database-url", url)[0] == 0
            with psycopg.connect(url) as conn:
                rows = conn.execute(
                    "SELECT version, post_total = post_done FROM buildamp_migrations ORDER BY 1"
                ).fetchall()
            return ok and rows == [("001", True), ("002", True)]
        code = cli(root, "migrate", "--rollback", "--database-url", url)[0]
        with psycopg.connect(url) as conn:
            rows = conn.execute("SELECT version FROM buildamp_migrations ORDER BY 1").fetchall()
            marker = conn.execute("SELECT to_regclass('marker')").fetchone()
        return code == 0 and rows == [("001",)] and marker == (None,)


def concurrent(admin: str, tmp: Path, rounds: int, width: int) -> Result:
    failures = 0
    for _ in range(rounds):
        root = project(tmp)
        write(root, "001", "a", "BEGIN;\nCREATE TABLE a (id int);\nCOMMIT;\n", "SELECT 1;\n")
        with database(admin) as url:
            processes = [
                spawn(
                    root, "migrate", "--apply" if i % 2 == 0 else "--status", "--database-url", url
                )
                for i in range(width)
            ]
            codes = [p.wait(timeout=120) for p in processes]
            for p in processes:
                p.communicate()
            with psycopg.connect(url) as conn:
                count = conn.execute("SELECT count(*) FROM buildamp_migrations").fetchone()
            failures += sum(code != 0 for code in codes) + (count != (1,))
    return {
        f"concurrent applies/statuses ({width} processes per round)": (rounds * width, failures)
    }


def _mutate(text: str, rng: random.Random) -> str:
    pieces = [
        "\n",
        "\x00",
        "'",
        '"',
        "(",
        ")",
        "#[",
        "]",
        "--",
        "$$",
        ";",
        "\\",
        "mod a {",
        "}",
        "é",
        "\u2028",
        "🙂",
        "#[migraton(",
        "= ",
        "9" * 30,
    ]
    chars = list(text)
    for _ in range(rng.randint(1, 6)):
        position = rng.randrange(len(chars) + 1)
        action = rng.random()
        if action < 0.4:
            chars[position:position] = list(rng.choice(pieces))
        elif action < 0.7 and chars:
            del chars[position : position + rng.randint(1, 8)]
        else:
            chars[position:position] = list(text[rng.randrange(len(text)) :][: rng.randint(1, 20)])
    return "".join(chars)


RUST_SEED = (
    'use buildamp::*;\n#[derive(Debug)]\n#[table(name = "orders", indexes = ["total"])]\n'
    'pub struct Order {\n    pub id: String,\n    #[migration(default = "0")]\n    pub total: i64,\n'
    "    pub note: Option<String>,\n    pub state: State,\n}\npub enum State { Open, Closed }\n"
)
PY_SEED = (
    "import enum\nfrom dataclasses import dataclass\nfrom typing import Annotated, Optional\n"
    "from buildamp import domain, migration\n\nclass State(enum.Enum):\n    OPEN = 'open'\n\n"
    "@domain(table='orders', indexes=['total'])\n@dataclass\nclass Order:\n    id: str\n"
    "    total: Annotated[int, migration(default='0')]\n    note: Optional[str] = None\n"
)
ELM_SEED = (
    "module Schema.Order exposing (Order, State(..))\n\n"
    "import Interface.Schema exposing (DatabaseId, MultiTenant)\n\n\n"
    "type State\n    = Open\n    | Closed\n\n\n"
    '{-| @table indexes=["total"]\n-}\ntype alias Order =\n    { id : DatabaseId String\n'
    '    , host : MultiTenant\n    , total : Int -- @default "0"\n'
    "    , note : Maybe String\n    , state : State\n    }\n"
)
# an exit-2 message names the file first: "error: file:line:column: ..."
LOCATED = re.compile(r"^error: [^:\s]+:\d+:\d+: ")
CONFIG_SEED = 'models = ["models"]\nmigrations = "migrations"\nstorage = "columns"\nmode = "dev"\nonline = true\nbatch_size = 1000\n'


def fuzz(tmp: Path, trials: int, rng: random.Random) -> Result:
    from buildamp.files.integrity import check_file
    from buildamp.lint.engine import lint_sql
    from buildamp.model.errors import BuildampError

    result: Result = {}
    refused = unlocated = 0
    for label, name, seed in (
        ("Rust models", "models/orders_domain.rs", RUST_SEED),
        ("Python models", "models/orders.py", PY_SEED),
        ("Elm models", "models/Schema/Order.elm", ELM_SEED),
        ("config files", "buildamp.toml", CONFIG_SEED),
    ):
        failures = 0
        for _ in range(trials):
            root = project(tmp)
            if name == "buildamp.toml":
                (root / "models" / "orders_domain.rs").write_text(RUST_SEED)
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(_mutate(seed, rng), encoding="utf-8")
            code, _, err = cli(root, "migrate", "--dry-run")
            failures += code not in (0, 1, 2) or "Traceback" in err
            if code == 2:
                refused += 1
                unlocated += not LOCATED.match(err)
        result[f"fuzzed {label}"] = (trials, failures)
    result["exit-2 messages of the fuzzed files without file:line:column"] = (refused, unlocated)
    failures = 0
    seed = BASE_UP + "\n" + POST_UP
    for _ in range(trials * 4):
        text = _mutate(seed, rng)
        try:
            check_file(text, "m.sql")
            lint_sql(text, "m.sql")
        except BuildampError:
            pass
        except Exception:
            failures += 1
    result["fuzzed migration files (split check + lint)"] = (trials * 4, failures)
    return result


HOSTILE = [
    "x\nDROP TABLE victims; --",
    "x\rDROP TABLE victims; --",
    "x\u2028DROP TABLE victims; --",
    "x\x00DROP TABLE victims",
    "x'; DROP TABLE victims; --",
    'x"; DROP TABLE victims; --',
    "x */ DROP TABLE victims; /*",
    "$buildamp$; DROP TABLE victims; --",
    "1); DROP TABLE victims; --",
    "1 -- ",
]


def injection(admin: str, tmp: Path) -> Result:
    slots = {
        "table name": "#[table(name = {v})]\npub struct T {{ pub id: String }}\n",
        "default": "pub struct T {{ pub id: String, #[migration(default = {v})] pub n: String }}\n",
        "default literal": "pub struct T {{ pub id: String, #[migration(default = {lit})] pub n: String }}\n",
        "backfill": "pub struct T {{ pub id: String, #[migration(backfill = {v})] pub n: String }}\n",
        "validate": "#[migration(validate = {v})]\npub struct T {{ pub id: String }}\n",
        "index": "#[table(indexes = [{v}])]\npub struct T {{ pub id: String, pub n: i32 }}\n",
        "rename_from": "pub struct T {{ pub id: String, #[migration(rename_from = {v})] pub n: i32 }}\n",
    }
    failures = trials = 0
    for template in slots.values():
        for value in HOSTILE:
            trials += 1
            root = project(tmp)
            source = template.format(v=json.dumps(value), lit=json.dumps(f"'{value}'"))
            (root / "models" / "t_domain.rs").write_text(source)
            code, _, _ = cli(root, "migrate")
            if code == 2:
                continue  # refused at generate time, with a message
            if code != 0:
                failures += 1
                continue
            with database(admin) as url:
                with psycopg.connect(url, autocommit=True) as conn:
                    conn.execute("CREATE TABLE victims AS SELECT g FROM generate_series(1, 1000) g")
                code, _, _ = cli(root, "migrate", "--apply", "--database-url", url)
                with psycopg.connect(url) as conn:
                    left = conn.execute("SELECT count(*) FROM victims").fetchone()
                failures += left != (1000,) or code not in (0, 3)
    return {"injection attempts (hostile strings x model slots)": (trials, failures)}


def _collect(into: list[str], event: Any) -> None:
    into.append(repr(event.payload()))


class _Bodies(BaseHTTPRequestHandler):
    received: list[bytes] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        _Bodies.received.append(self.rfile.read(length))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *_: object) -> None:
        return


def leaks(admin: str, tmp: Path) -> Result:
    from buildamp.events import bus

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Bodies)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    hook = f"http://127.0.0.1:{server.server_address[1]}/hook"
    passwords = ["Sl4sh/Pw9zq", "At4x@Pw9zq", "H4sh#Pw9zq", "Qu3ry?Pw9zq"]
    # the same probes as tests/run/test_secret_leaks.py; {url} is the probed URL
    commands = [
        ("migrate", "--apply", "--database-url", "{url}"),
        ("migrate", "--rollback", "--database-url", "{url}"),
        ("migrate", "--status", "--database-url", "{url}"),
        ("drift", "--database-url", "{url}"),
        ("migrate", "--apply", "--dry-run", "--database-url", "{url}"),
        ("migrate", "--apply", "--targets", "all"),
        ("migrate", "--status", "--targets", "all"),
        ("init", "--from-database", "{url}"),
        ("migrate", "--apply", "{url}"),
    ]
    channels = ("stdout", "stderr", "audit", "webhook", "events")
    failures = trials = 0
    parts = urlsplit(admin)
    with database(admin) as url:
        dbname = urlsplit(url).path
        with psycopg.connect(url, autocommit=True) as conn:  # something to adopt
            conn.execute("CREATE TABLE probes (id int PRIMARY KEY, note text)")
        for password in passwords:
            pieces = [password, *[p for p in re.split(r"[@/#?]", password) if len(p) >= 4]]
            for command in commands:
                root = project(tmp)
                with (root / "buildamp.toml").open("a") as config:
                    config.write(f'\n[[webhooks]]\nurl = "{hook}"\ntimeout = 2\n')
                    config.write('\n[[targets]]\nname = "only"\ndatabase_url_env = "LEAK_URL"\n')
                # the failing statement quotes the password: database errors repeat it
                up = f"BEGIN;\nSELECT '{password}'::int;\nCOMMIT;\n"
                write(root, "001", "fails", up, "SELECT 1;\n")
                target = f"postgresql://postgres:{password}@{parts.hostname}:{parts.port or 5432}{dbname}"
                if command[0] == "init":  # adopt into an empty folder
                    root = tmp / f"adopt-{len(list(tmp.iterdir()))}"
                    root.mkdir()
                _Bodies.received = []
                seen: list[str] = []
                unsubscribe = bus.subscribe(functools.partial(_collect, seen))
                try:
                    result = CliRunner().invoke(
                        main,
                        [
                            "-C",
                            str(root),
                            "--log-format",
                            "json",
                            *[a.replace("{url}", target) for a in command],
                        ],
                        env={"LEAK_URL": target},
                    )
                finally:
                    unsubscribe()
                audit = root / ".buildamp" / "audit.log"
                texts = {
                    "stdout": result.stdout,
                    "stderr": result.stderr,
                    "audit": audit.read_text() if audit.exists() else "",
                    "webhook": b"".join(_Bodies.received).decode(),
                    "events": "".join(seen),
                }
                for channel in channels:
                    trials += 1
                    failures += any(piece in texts[channel] for piece in pieces)
    server.shutdown()
    label = f"password leak probes (4 shapes x {len(commands)} commands x 5 channels)"
    return {label: (trials, failures)}


def main_(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--scale", type=int, default=1, help="multiply the number of trials")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--only", action="append", help="run only these sections")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    scale = max(args.scale, 1)
    sections: dict[str, Callable[[Path], Result]] = {
        "concurrent": lambda tmp: concurrent(args.database_url, tmp, 3 * scale, 8),
        "random": lambda tmp: random_kills(args.database_url, tmp, 4 * scale, rng),
        "targeted": lambda tmp: targeted_kills(args.database_url, tmp, scale),
        "fuzz": lambda tmp: fuzz(tmp, 40 * scale, rng),
        "injection": lambda tmp: injection(args.database_url, tmp),
        "leaks": lambda tmp: leaks(args.database_url, tmp),
    }
    total_failures = 0
    print(f"{'section':<72} {'trials':>7} {'failures':>9}")
    for name, run in sections.items():
        if args.only and name not in args.only:
            continue
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="buildamp-rel-") as tmp:
            for label, (trials, failures) in run(Path(tmp)).items():
                total_failures += failures
                print(f"{label:<72} {trials:>7} {failures:>9}", flush=True)
        print(f"  ({name}: {time.monotonic() - started:.0f} s)", flush=True)
    return 1 if total_failures else 0


if __name__ == "__main__":
    sys.exit(main_())
