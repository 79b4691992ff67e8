"""Speed at scale: buildamp vs Alembic vs Django on a project of N models.

Writes a synthetic project (default 1,000 models of 20 mixed-type fields and two
indexes) in two layouts: five models per file (ten files per folder) and one
model per file in 100 folders. Then measures whole processes, with bytecode
(``PYTHONDONTWRITEBYTECODE`` is removed from the environment; one untimed
warm-up run per case writes it), as median wall time of several runs and peak
memory of the process:

* buildamp: initial ``migrate --generate``; ``migrate --generate`` after one added
  field (incremental); ``migrate --check`` with no change and no remembered
  verdict; ``migrate --check`` right after an edit; ``migrate --generate`` with no
  change; ``--help``; ``drift`` against a database at head; ``migrate --check``
  and ``migrate --generate`` after an edit with no model index (the first run after
  a pull or a branch switch: every model read and built).
* Alembic: the same tables as SQLAlchemy models; ``alembic revision
  --autogenerate`` for the initial schema and after one added column (database at
  head).
* Django: the same tables as Django models; ``makemigrations`` (initial and after
  one added field) and ``makemigrations --check --dry-run`` with no change.

Every goal of issue 20 is printed as met or MISSED (never rounded).

Run from a clone (see benchmarks/README.md)::

    python benchmarks/generate_scale.py                  # 1,000 models, both layouts
    python benchmarks/generate_scale.py --models 1000 --models 10000 --compare-max 1000
    python benchmarks/generate_scale.py --runs 3 --layout five-per-file --no-compare

Needs a PostgreSQL server for drift and Alembic (``--database-url``, default
``postgresql://postgres@127.0.0.1:5432/postgres``); databases named
``buildamp_bench_*`` are created there and dropped afterwards.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from measure import CommandFailed, Sample, measure, measure_alternating, run_once  # noqa: E402
from synthetic import (  # noqa: E402
    LAYOUTS,
    Layout,
    django_models,
    rust_file,
    sqlalchemy_models,
    write_rust_project,
)

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
# Issue 20's goals: case -> {models: seconds}; figures, not asserts.
GOALS: dict[str, dict[int, float]] = {
    "incremental": {1000: 0.3, 10000: 0.6},
    "check": {1000: 0.12, 10000: 0.3},
    "check_after_edit": {1000: 0.3, 10000: 0.6},
    "nochange_generate": {1000: 0.12, 10000: 0.3},  # "as fast as --check"
    "initial": {1000: 1.0, 10000: 10.0},
    "drift": {1000: 0.5},
    "help": {1000: 0.05, 10000: 0.05},
}
PEAK_GOAL_MB = {1000: 80.0, 10000: 150.0}
ALEMBIC_RATIO_GOAL = {1000: 30.0}  # incremental generate, Alembic / buildamp
LINEAR = ("initial", "drift")  # 10x the models may cost at most LINEAR_SLACK x 10
LINEAR_SLACK = 1.2
DJANGO_INITIAL_MAX = 200
APPLY_STEP = 1000
DJANGO_STEP = 100
LABELS = {
    "initial": "initial generate",
    "incremental": "generate after 1 added field",
    "check": "check, no change (no memo)",
    "check_after_edit": "check right after an edit",
    "nochange_generate": "generate, no change",
    "help": "--help",
    "drift": "drift (database at head)",
    "check_no_index": "check, no model index",
    "full_rebuild": "generate, edit, no model index",
}


@dataclass
class Results:
    """Samples by tool and case for one project size."""

    models: int
    layout: str = ""
    buildamp: dict[str, Sample] = field(default_factory=dict)
    alembic: dict[str, Sample] = field(default_factory=dict)
    django: dict[str, Sample] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def tool(name: str) -> str:
    """A console script next to this interpreter (the venv's), else on PATH."""
    local = Path(sys.executable).with_name(name)
    if local.exists():
        return str(local)
    found = shutil.which(name)
    if found is None:
        raise SystemExit(f"{name} is not installed: pip install -e '.[bench]'")
    return found


# -- databases ------------------------------------------------------------------


def with_database(url: str, name: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


@contextmanager
def database(admin_url: str | None, label: str) -> Iterator[str | None]:
    """A fresh database for one tool (None when no server is reachable)."""
    if admin_url is None:
        yield None
        return
    import psycopg

    name = f"buildamp_bench_{label}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield with_database(admin_url, name)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def reachable(url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=3, autocommit=True) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error:
        return False
    return True


# -- buildamp -------------------------------------------------------------------


def bench_buildamp(
    root: Path, layout: Layout, name: str, runs: int, admin_url: str | None
) -> Results:
    results = Results(layout.models, name)
    project = root / "buildamp"
    write_rust_project(project, layout)
    exe = tool("buildamp")
    generate = [exe, "migrate", "--generate"]
    check = [exe, "migrate", "--check"]
    migrations = project / "migrations"
    state = project / ".buildamp"

    def fresh(_: int) -> None:  # a project that never ran buildamp: no state, no cache
        shutil.rmtree(migrations, ignore_errors=True)
        shutil.rmtree(state, ignore_errors=True)

    def no_memo(_: int) -> None:  # the remembered clean --check verdict, if any
        for memo in (state / "cache").glob("clean-check*"):
            memo.unlink()

    def wrote(version: str) -> Callable[[], None]:
        def check() -> None:
            if not list(migrations.glob(f"{version}_*.sql")):
                raise CommandFailed(f"buildamp did not write migration {version}")

        return check

    print(f"  buildamp [{name}]: initial generate x{runs}", flush=True)
    results.buildamp["initial"] = measure(
        generate, project, runs, prepare=fresh, check=wrote("001")
    )
    if layout.models > APPLY_STEP:
        # One transaction cannot lock 10,000 new tables with PostgreSQL's default
        # max_locks_per_transaction, so from here on the project is grown the way a
        # real one is: one migration per APPLY_STEP models.
        print(f"  buildamp: regrowing the project, {APPLY_STEP} models per migration", flush=True)
        fresh(0)
        shutil.rmtree(project / "models")
        for end in [*range(APPLY_STEP, layout.models, APPLY_STEP), layout.models]:
            write_rust_project(project, replace(layout, models=end))
            run_once(generate, project)
        results.notes.append(
            f"above {APPLY_STEP:,} models, the other cases run on a project "
            f"with one migration per {APPLY_STEP:,} models (lock limit of one transaction)"
        )
    # alternated run by run: "no-change generate as fast as --check" compares
    # figures of the same minutes
    print(f"  buildamp [{name}]: check and generate, no change, alternated x{runs}", flush=True)
    results.buildamp.update(
        measure_alternating(
            {"check": check, "nochange_generate": generate}, project, runs, prepare=no_memo
        )
    )
    print(f"  buildamp [{name}]: --help x{runs}", flush=True)
    results.buildamp["help"] = measure([exe, "--help"], project, runs)

    with database(admin_url, "buildamp") as url:
        if url is None:
            results.notes.append("drift skipped: no PostgreSQL server reachable")
        else:
            wall, _ = run_once([exe, "migrate", "--apply", "--database-url", url], project)
            results.notes.append(f"applying the migrations took {wall:.1f} s")
            print(f"  buildamp [{name}]: drift x{runs}", flush=True)
            results.buildamp["drift"] = measure(
                [exe, "drift", "--database-url", url], project, runs
            )

    # Incremental: each run adds a differently named field to one model, so the
    # edited file is new to every cache, like a real edit; the project (files,
    # state, caches) is put back as it was before each run.
    saved = root / "buildamp-saved"
    shutil.copytree(migrations, saved / "migrations")
    shutil.copytree(state, saved / "state")
    target = layout.file_index(layout.models // 2)
    model_file = project / layout.rust_path(target)
    original = model_file.read_text()

    def edit(i: int) -> None:
        shutil.rmtree(migrations)
        shutil.copytree(saved / "migrations", migrations)
        shutil.rmtree(state)
        shutil.copytree(saved / "state", state)
        no_memo(i)
        add_field(i)

    def add_field(i: int) -> None:
        extra = {layout.models // 2: [f"bench_extra_{i}"]}
        model_file.write_text(rust_file(layout, target, extra))

    wrote_next = wrote(f"{len(list(saved.glob('migrations/[0-9]*.sql'))) + 1:03d}")
    print(f"  buildamp [{name}]: incremental generate x{runs}", flush=True)
    results.buildamp["incremental"] = measure(
        generate, project, runs, prepare=edit, check=wrote_next
    )
    print(f"  buildamp [{name}]: check right after an edit x{runs}", flush=True)
    results.buildamp["check_after_edit"] = measure(check, project, runs, prepare=edit, ok=(1,))

    # The first run after a pull or a branch switch: no model index, so every file
    # is read and every model built (what peak memory is judged on at 10,000).
    def no_index(i: int) -> None:
        edit(i)
        model_file.write_text(original)
        shutil.rmtree(state / "cache", ignore_errors=True)

    def no_index_edit(i: int) -> None:
        no_index(i)
        add_field(i)

    print(f"  buildamp [{name}]: check with no model index x{runs}", flush=True)
    results.buildamp["check_no_index"] = measure(check, project, runs, prepare=no_index)
    print(f"  buildamp [{name}]: generate after an edit, no model index x{runs}", flush=True)
    results.buildamp["full_rebuild"] = measure(
        generate, project, runs, prepare=no_index_edit, check=wrote_next
    )
    model_file.write_text(original)
    return results


# -- Alembic --------------------------------------------------------------------

ALEMBIC_INI = """\
[alembic]
script_location = %(here)s/migrations
prepend_sys_path = .

[loggers]
keys = root

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARNING
handlers = console

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
"""

ALEMBIC_ENV = """\
import os

from alembic import context
from sqlalchemy import create_engine

from models import Base

target_metadata = Base.metadata


def run_migrations_online():
    engine = create_engine(os.environ["BENCH_ALEMBIC_URL"])
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
"""


def bench_alembic(
    root: Path, layout: Layout, runs: int, admin_url: str | None, results: Results
) -> None:
    if admin_url is None:
        results.notes.append("Alembic skipped: it needs a database")
        return
    import alembic

    project = root / "alembic"
    versions = project / "migrations" / "versions"
    versions.mkdir(parents=True)
    (project / "alembic.ini").write_text(ALEMBIC_INI)
    (project / "migrations" / "env.py").write_text(ALEMBIC_ENV)
    template = Path(alembic.__file__).parent / "templates" / "generic" / "script.py.mako"
    shutil.copy2(template, project / "migrations" / "script.py.mako")
    models = project / "models.py"
    models.write_text(sqlalchemy_models(layout))
    exe = tool("alembic")
    autogenerate = [exe, "revision", "--autogenerate", "-m", "bench"]

    def clear(_: int) -> None:
        for path in versions.glob("*.py"):
            path.unlink()

    with database(admin_url, "alembic") as url:
        assert url is not None
        env = {"BENCH_ALEMBIC_URL": url.replace("postgresql://", "postgresql+psycopg://", 1)}
        print(f"  alembic: initial revision --autogenerate x{runs}", flush=True)
        results.alembic["initial"] = measure(autogenerate, project, runs, prepare=clear, env=env)
        wall, _ = run_once([exe, "upgrade", "head"], project, env)
        results.notes.append(f"alembic: upgrade head (initial schema) took {wall:.1f} s")
        head = {p.name for p in versions.glob("*.py")}

        def edit(i: int) -> None:
            for path in versions.glob("*.py"):
                if path.name not in head:
                    path.unlink()
            models.write_text(sqlalchemy_models(layout, {layout.models // 2: [f"extra_{i}"]}))

        print(f"  alembic: revision --autogenerate after 1 added column x{runs}", flush=True)
        results.alembic["incremental"] = measure(autogenerate, project, runs, prepare=edit, env=env)
        models.write_text(sqlalchemy_models(layout))
        results.alembic["help"] = measure([exe, "--help"], project, runs)


# -- Django ---------------------------------------------------------------------

DJANGO_SETTINGS = """\
import os

SECRET_KEY = "bench"
INSTALLED_APPS = ["bench"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
DATABASES = {"default": %s}
"""


def django_database(url: str | None) -> str:
    if url is None:
        return '{"ENGINE": "django.db.backends.sqlite3", "NAME": "bench.sqlite3"}'
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return repr(
        {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": parts.path.lstrip("/"),
            "USER": parts.username or "postgres",
            "PASSWORD": parts.password or "",
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or 5432),
        }
    )


def bench_django(
    root: Path, layout: Layout, runs: int, admin_url: str | None, results: Results
) -> None:
    project = root / "django"
    app = project / "bench"
    migrations = app / "migrations"
    migrations.mkdir(parents=True)
    (app / "__init__.py").write_text("")
    (migrations / "__init__.py").write_text("")
    models = app / "models.py"
    models.write_text(django_models(layout))
    exe = tool("django-admin")
    make = [exe, "makemigrations", "bench"]

    def clear(_: int) -> None:
        for path in migrations.glob("0*.py"):
            path.unlink()

    with database(admin_url, "django") as url:
        (project / "bench_settings.py").write_text(DJANGO_SETTINGS % django_database(url))
        env = {"DJANGO_SETTINGS_MODULE": "bench_settings", "PYTHONPATH": str(project)}
        if layout.models <= DJANGO_INITIAL_MAX:
            print(f"  django: initial makemigrations x{runs}", flush=True)
            results.django["initial"] = measure(make, project, runs, prepare=clear, env=env)
        else:
            # Django's migration optimizer is super-linear on one big initial
            # migration (100 models: 3 s, 200: 20 s, 400: 171 s here), so the base
            # is built the way projects grow: 100 models per migration.
            print(f"  django: building the base migrations, {DJANGO_STEP} models each", flush=True)
            clear(0)
            for end in [*range(DJANGO_STEP, layout.models, DJANGO_STEP), layout.models]:
                models.write_text(django_models(Layout(end)))
                run_once(make, project, env)
            results.notes.append(
                f"django: initial makemigrations not timed above {DJANGO_INITIAL_MAX} models "
                "(super-linear); base built as migrations of 100 models each"
            )
        print(f"  django: makemigrations --check --dry-run x{runs}", flush=True)
        results.django["check"] = measure([*make, "--check", "--dry-run"], project, runs, env=env)

        base = {path.name for path in migrations.glob("0*.py")}

        def edit(i: int) -> None:
            for path in migrations.glob("0*.py"):
                if path.name not in base:
                    path.unlink()
            models.write_text(django_models(layout, {layout.models // 2: [f"extra_{i}"]}))

        print(f"  django: makemigrations after 1 added field x{runs}", flush=True)
        results.django["incremental"] = measure(make, project, runs, prepare=edit, env=env)
        models.write_text(django_models(layout))
        results.django["help"] = measure([exe, "help"], project, runs, env=env)


# -- report ---------------------------------------------------------------------


def _cell(sample: Sample | None) -> str:
    if sample is None:
        return f"{'—':>8} {'':>7}"
    return f"{_seconds(sample.wall):>8} {sample.peak:>4.0f} MB"


def _seconds(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def _ratio(other: Sample | None, ours: Sample | None) -> str:
    if other is None or ours is None:
        return "—"
    return f"{other.wall / ours.wall:.1f}x" if ours.wall else "—"


def _goal(case: str, models: int, sample: Sample | None) -> str:
    limit = GOALS.get(case, {}).get(models)
    if limit is None:  # no time goal (the no-index cases: judged on peak memory)
        return "—"
    text = f"< {_seconds(limit)}"
    if sample is None:
        return text + " not run"
    return text + (" met" if sample.wall < limit else " MISSED")


def report(results: Results, runs: int, compare: Results | None, compare_runs: int) -> str:
    """One table per layout: buildamp, Alembic, Django, ratios and each goal."""
    layout = Layout.named(results.models, results.layout)
    lines = [
        f"{results.models:,} models, layout {results.layout} ({layout.describe()}); "
        f"20 fields, 2 indexes each; median wall of {runs} runs "
        f"(Alembic/Django: {compare_runs}), peak RSS of the process",
        "",
        f"| {'case':<30} | {'buildamp':>16} | {'goal':<16} | {'Alembic':>16} | "
        f"{'Django':>16} | {'Alembic/buildamp':>16} | {'Django/buildamp':>15} |",
        f"|{'-' * 32}|{'-' * 18}|{'-' * 18}|{'-' * 18}|{'-' * 18}|{'-' * 18}|{'-' * 17}|",
    ]
    other = compare or Results(results.models)
    for case, label in LABELS.items():
        ours = results.buildamp.get(case)
        alembic, django = other.alembic.get(case), other.django.get(case)
        if case == "check_after_edit":  # Django has no such case: its check is the same
            django = None
        lines.append(
            f"| {label:<30} | {_cell(ours):>16} | {_goal(case, results.models, ours):<16} | "
            f"{_cell(alembic):>16} | {_cell(django):>16} | {_ratio(alembic, ours):>16} | "
            f"{_ratio(django, ours):>15} |"
        )
    lines.append("")
    peak = max((s.peak for s in results.buildamp.values()), default=0.0)
    peak_goal = PEAK_GOAL_MB.get(results.models)
    verdict = ""
    if peak_goal is not None:
        verdict = f" (goal < {peak_goal:.0f} MB: {'met' if peak < peak_goal else 'MISSED'})"
    lines.append(f"buildamp peak memory over all cases: {peak:.0f} MB{verdict}")
    ratio_goal = ALEMBIC_RATIO_GOAL.get(results.models)
    ours, alembic = results.buildamp.get("incremental"), other.alembic.get("incremental")
    if ratio_goal is not None and ours is not None and alembic is not None:
        ratio = alembic.wall / ours.wall
        met = "met" if ratio >= ratio_goal else "MISSED"
        lines.append(
            f"incremental generate vs Alembic: {ratio:.1f}x (goal >= {ratio_goal:.0f}x: {met})"
        )
    nochange, check = results.buildamp.get("nochange_generate"), results.buildamp.get("check")
    if nochange is not None and check is not None:
        lines.append(
            f"generate with no change / check with no change: {nochange.wall / check.wall:.2f}x "
            "(goal: as fast as --check)"
        )
    lines += [f"note: {note}" for note in results.notes + other.notes]
    return "\n".join(lines)


def scaling(small: Results, large: Results) -> str:
    factor = large.models / small.models
    lines = [
        f"Scaling {small.models:,} -> {large.models:,} models, layout {large.layout} "
        f"({factor:.0f}x the models; 'linear' allows {LINEAR_SLACK:.1f}x that):",
        "",
        f"| {'case':<30} | {small.models:>8,} | {large.models:>8,} | {'ratio':>6} | linear? |",
        f"|{'-' * 32}|{'-' * 10}|{'-' * 10}|{'-' * 8}|{'-' * 9}|",
    ]
    for case, label in LABELS.items():
        a, b = small.buildamp.get(case), large.buildamp.get(case)
        if a is None or b is None:
            continue
        ratio = b.wall / a.wall
        linear = ""
        if case in LINEAR:
            linear = "met" if ratio <= factor * LINEAR_SLACK else "MISSED"
        lines.append(
            f"| {label:<30} | {_seconds(a.wall):>8} | {_seconds(b.wall):>8} | "
            f"{ratio:>5.1f}x | {linear:<7} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--models",
        type=int,
        action="append",
        help="project size (repeat for several, e.g. --models 1000 --models 10000)",
    )
    parser.add_argument(
        "--layout",
        choices=sorted(LAYOUTS),
        action="append",
        help="file layout (repeat for several; default: both)",
    )
    parser.add_argument("--runs", type=int, default=5, help="buildamp runs per case (median)")
    parser.add_argument("--compare-runs", type=int, default=5, help="Alembic/Django runs")
    parser.add_argument(
        "--compare-max",
        type=int,
        default=2000,
        help="compare with Alembic and Django only up to this many models (they take minutes)",
    )
    parser.add_argument("--no-compare", action="store_true", help="buildamp only")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BUILDAMP_BENCH_DATABASE_URL", DEFAULT_URL),
        help="admin URL of a PostgreSQL server (databases are created and dropped)",
    )
    parser.add_argument("--keep", type=Path, help="write the projects here and keep them")
    args = parser.parse_args(argv)
    sizes = args.models or [1000]
    layouts = args.layout or ["five-per-file", "one-per-file"]
    # Users have bytecode: every measured process may write and read it.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

    admin_url: str | None = args.database_url
    if admin_url and not reachable(admin_url):
        print(f"warning: {admin_url} not reachable; drift and Alembic are skipped")
        admin_url = None

    started = time.perf_counter()
    by_layout: dict[str, list[Results]] = {name: [] for name in layouts}
    print(f"machine: {machine()}; {load()} at the start", flush=True)
    for size in sizes:
        with _workdir(args.keep, size) as root:
            print(f"{size:,} models in {root}", flush=True)
            compare: Results | None = None
            if not args.no_compare and size <= args.compare_max:
                compare = Results(size)
                bench_alembic(root, Layout(size), args.compare_runs, admin_url, compare)
                bench_django(root, Layout(size), args.compare_runs, admin_url, compare)
            elif not args.no_compare:
                compare = Results(size)
                compare.notes.append(
                    f"Alembic/Django not run above {args.compare_max:,} models (--compare-max)"
                )
            for name in layouts:
                layout = Layout.named(size, name)
                results = bench_buildamp(root / name, layout, name, args.runs, admin_url)
                by_layout[name].append(results)
                print()
                print(report(results, args.runs, compare, args.compare_runs))
                print(flush=True)
    for name in layouts:
        for small, large in itertools.pairwise(by_layout[name]):
            print(scaling(small, large))
            print()
    print(f"benchmark took {time.perf_counter() - started:.0f} s; {load()} at the end")
    return 0


def machine() -> str:
    """Cores, CPU model, Python and the tools' versions, for the README."""
    import platform
    from importlib import metadata

    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    versions = []
    for package in ("buildamp", "alembic", "sqlalchemy", "django"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions.append(f"{package} {metadata.version(package)}")
    return (
        f"{os.cpu_count()} cores ({cpu or platform.machine()}), Python "
        f"{platform.python_version()}, {', '.join(versions)}"
    )


def load() -> str:
    """The load average: other work on the machine shows in every figure."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.1f} {five:.1f} {fifteen:.1f}"


@contextmanager
def _workdir(keep: Path | None, size: int) -> Iterator[Path]:
    if keep is not None:
        root = keep / f"models-{size}"
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
        yield root
        return
    with tempfile.TemporaryDirectory(prefix=f"buildamp-bench-{size}-") as tmp:
        yield Path(tmp)


if __name__ == "__main__":
    sys.exit(main())
