"""Fleet rollout: 100 databases x 3 small migrations, in parallel vs one after another.

Creates N databases (``buildamp_bench_fleet_*``) on one server, a project whose
``[[targets]]`` are those databases and three generated migrations (create a
table, add a column, add an index), then measures whole processes:

* ``loop``: one ``buildamp migrate --apply --database-url URL`` per database, one
  after another (what a shell loop does without ``--targets``);
* ``--parallel 1``: one ``migrate --apply --targets all`` process, one target at a time;
* ``--parallel P``: the same with P targets at a time (default P = 4 and 8).

Between runs every target is rolled back to nothing with ``migrate --rollback
--targets all --to 0`` (not measured). Run from a clone::

    .venv/bin/python benchmarks/fleet.py                    # 100 targets
    .venv/bin/python benchmarks/fleet.py --targets 20 --parallel 4

Needs a PostgreSQL server (``--database-url``, default
``postgresql://postgres@127.0.0.1:5432/postgres``); the databases are dropped
afterwards.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

MODELS = (
    "pub struct Note { pub id: String, pub body: String }\n",
    "pub struct Note { pub id: String, pub body: String, pub title: Option<String> }\n",
    '#[table(indexes = ["title"])]\n'
    "pub struct Note { pub id: String, pub body: String, pub title: Option<String> }\n",
)
BUILDAMP = [sys.executable, "-m", "buildamp"]


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def buildamp(project: Path, *args: str) -> None:
    result = subprocess.run(
        [*BUILDAMP, "-C", str(project), *args], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"buildamp {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")


def make_project(root: Path, urls: list[str]) -> None:
    buildamp(root, "init")
    for number, model in enumerate(MODELS, start=1):
        (root / "models" / "notes_domain.rs").write_text(model)
        buildamp(root, "migrate", "--name", f"step_{number}")
    with (root / "buildamp.toml").open("a") as config:
        for i, url in enumerate(urls):
            config.write(f'\n[[targets]]\nname = "t{i:03d}"\ndatabase_url = "{url}"\n')


def timed(action: str, run: object) -> float:
    started = time.perf_counter()
    run()  # type: ignore[operator]
    elapsed = time.perf_counter() - started
    print(f"  {action:<28} {elapsed:7.2f} s", flush=True)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", type=int, default=100)
    parser.add_argument("--parallel", type=int, action="append")
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BUILDAMP_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument("--no-loop", action="store_true", help="Skip the per-database loop.")
    args = parser.parse_args()
    parallels = args.parallel or [4, 8]

    import psycopg

    tag = uuid.uuid4().hex[:6]
    names = [f"buildamp_bench_fleet_{tag}_{i:03d}" for i in range(args.targets)]
    urls = [with_database(args.database_url, name) for name in names]
    print(
        f"{args.targets} targets x {len(MODELS)} migrations on {urlsplit(args.database_url).netloc}"
    )
    with psycopg.connect(args.database_url, autocommit=True) as admin:
        for name in names:
            admin.execute(f'CREATE DATABASE "{name}"')
    results: dict[str, float] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="buildamp-fleet-") as tmp:
            project = Path(tmp) / "app"
            project.mkdir()
            make_project(project, urls)
            reset = ("migrate", "--rollback", "--targets", "all", "--to", "0", "--parallel", "8")

            def loop() -> None:
                for url in urls:
                    buildamp(project, "migrate", "--apply", "--database-url", url)

            if not args.no_loop:
                results["loop of processes"] = timed("loop of processes", loop)
                buildamp(project, *reset)
            for parallel in [1, *parallels]:
                label = f"--targets all --parallel {parallel}"
                apply = ("migrate", "--apply", "--targets", "all", "--parallel", str(parallel))
                results[label] = timed(label, lambda a=apply: buildamp(project, *a))
                buildamp(project, *reset)
    finally:
        with psycopg.connect(args.database_url, autocommit=True) as admin:
            for name in names:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    base = results["--targets all --parallel 1"]
    print()
    print("| run | wall time | vs --parallel 1 |")
    print("|---|---|---|")
    for label, seconds in results.items():
        print(f"| `{label}` | {seconds:.2f} s | {base / seconds:.1f}x |")


if __name__ == "__main__":
    main()
