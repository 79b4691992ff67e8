"""``buildamp init --from-database URL``: adopt a live database (DESIGN.md section 11).

Reads the catalog, writes one model per table (Rust or Python), the schema
state and a baseline migration ``001_baseline.sql`` that creates exactly that
schema on an empty database, and records 001 as applied in the source database
without running anything there. Everything is first built in a scratch copy of
the project and checked by reading the written models back with the readers:
the project gets all the files or none.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, replace
from json import dumps as json_string
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from buildamp.files.config import CONFIG_FILE, Config, load_config
from buildamp.model.errors import ConfigError, Location, ModelError
from buildamp.model.schema import Schema
from buildamp.run.introspect import Introspection
from buildamp.sources.emit_model import ModelSpec, enum_specs, model_spec

if TYPE_CHECKING:
    import psycopg

BASELINE = "baseline"
LANGS = ("rust", "python")


@dataclass(frozen=True)
class Adoption:
    """The files adoption writes (project-relative path -> text) and what it reports."""

    files: dict[str, str]
    introspection: Introspection


def run_adopt(project: Path, url: str | None, lang: str, schema_name: str) -> int:
    # per command: `buildamp --help` and other commands import none of it
    from buildamp.pg.database import connect

    if not url:
        raise ConfigError("init --from-database needs a URL", hint="postgresql://user@host/db")
    project.mkdir(parents=True, exist_ok=True)
    _refuse_existing(project)
    with connect(url) as conn:
        # per command: `buildamp --help` and other commands import none of it
        from buildamp.run.introspect import introspect

        _refuse_managed(conn)
        found = introspect(conn, schema_name)
    refuse_other_schemas(found, schema_name)
    if not found.schema.tables:
        raise ConfigError(
            f"nothing to adopt: schema {schema_name!r} has no table with a primary key",
            hint="start an empty project with `buildamp init`",
        )
    if found.unsupported:
        raise ModelError(
            "cannot adopt: " + "; ".join(found.unsupported),
            hint="fix these in the database (or drop them), then run init --from-database again",
        )
    files = model_files(found, lang).all()
    files[CONFIG_FILE] = config_text(url, found)
    written = _build_in_scratch(project, files, found.schema)
    # per command: `buildamp --help` and other commands import none of it
    from buildamp.cache.store import write_all_or_none
    from buildamp.files.migration import list_migrations
    from buildamp.run.executor import Executor

    write_all_or_none({project / path: text for path, text in written.items()})
    for folder in ("models", "migrations/rollback"):
        (project / folder).mkdir(parents=True, exist_ok=True)
    config = load_config(project)
    baseline = list_migrations(config.migrations_dir)[0]
    with Executor(url) as executor:
        executor.lock()
        try:
            executor.record_applied(baseline, baseline.path.read_text(encoding="utf-8"))
        finally:
            executor.unlock()
    _report(config, found, written, url)
    return 0


def refuse_other_schemas(found: Introspection, schema_name: str) -> None:
    """Only public is adopted: every generated statement names tables without a
    schema, and drift and the history table work in public."""
    if schema_name != "public":
        raise ConfigError(
            f"schema {schema_name!r}: only the public schema can be adopted (generated "
            "migrations, drift and the history table all work in public)",
            hint=f"move the tables first (ALTER TABLE {schema_name}.<table> SET SCHEMA public, "
            "for each), then adopt without --schema",
        )
    if found.current_schema != "public":
        raise ConfigError(
            f"this connection creates tables in schema {found.current_schema!r} (its "
            "search_path), not in public where the adopted tables are",
            hint="ALTER ROLE <role> SET search_path = public, or add "
            "options=-csearch_path%3Dpublic to the URL",
        )


def _refuse_existing(project: Path) -> None:
    """Adoption starts a project: an empty folder, or one fresh from ``buildamp init``.
    It never overwrites models, migrations, a schema state with tables, or a config
    someone edited."""
    # per command: `buildamp --help` and other commands import none of it
    from buildamp.files.config import DEFAULT_CONFIG
    from buildamp.files.snapshot import read_snapshot

    hint = "run it in an empty folder, or use --update to record later changes"
    for path in ("migrations", "models"):
        target = project / path
        if target.is_file() or (target.is_dir() and any(p.is_file() for p in target.rglob("*"))):
            raise ConfigError(
                f"{path} already exists in {project}: init --from-database starts a new project",
                Location(path),
                hint,
            )
    state = project / ".buildamp" / "schema_state.json"
    if state.is_file() and read_snapshot(state, ".buildamp/schema_state.json").schema.tables:
        raise ConfigError(
            "the schema state already describes tables",
            Location(".buildamp/schema_state.json"),
            hint,
        )
    config = project / CONFIG_FILE
    if config.is_file() and config.read_text(encoding="utf-8") != DEFAULT_CONFIG:
        raise ConfigError(
            f"{CONFIG_FILE} was edited: init --from-database writes its own",
            Location(CONFIG_FILE),
            hint="move it aside, adopt, then merge your settings back",
        )
    pyproject = project / "pyproject.toml"
    if pyproject.is_file() and "[tool.buildamp]" in pyproject.read_text(errors="ignore"):
        raise ConfigError(
            "pyproject.toml has [tool.buildamp]: init --from-database writes buildamp.toml",
            Location("pyproject.toml"),
            hint="remove the [tool.buildamp] table, adopt, then move the settings back",
        )


def _refuse_managed(conn: psycopg.Connection[Any]) -> None:
    # per command: `buildamp --help` and other commands import none of it
    from buildamp.run.history import HISTORY_TABLE

    row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (HISTORY_TABLE,)).fetchone()
    if row and row[0]:
        raise ConfigError(
            f"this database already has buildamp history ({HISTORY_TABLE})",
            hint="use the project that manages it, or --update in an adopted project",
        )


@dataclass(frozen=True)
class ModelFiles:
    """Written models: table -> (project-relative path, text), and the enums file."""

    tables: dict[str, tuple[str, str]]
    enums: tuple[str, str] | None

    def all(self) -> dict[str, str]:
        files = dict(self.tables.values())
        if self.enums is not None:
            files[self.enums[0]] = self.enums[1]
        return files


def model_files(found: Introspection, lang: str) -> ModelFiles:
    """One model file per table, grouped by name prefix, plus the enum types' file."""
    enums = enum_specs(found.schema)
    specs: list[ModelSpec] = []
    for table in found.schema.tables:
        specs.append(model_spec(table, enums))
    _unique_struct_names(specs)
    folders = group_folders([spec.table for spec in specs])
    tables: dict[str, tuple[str, str]] = {}
    enum_list = [enums[name] for name in sorted(enums)]
    if lang == "rust":
        # per command: `buildamp --help` and other commands import none of it
        from buildamp.sources.emit_rust import rust_enums, rust_model

        for spec in specs:
            path = f"models/{folders[spec.table]}/{spec.table}_domain.rs"
            tables[spec.table] = (path, rust_model(spec))
        enum_file = ("models/types.rs", rust_enums(enum_list))
    else:
        # per command: `buildamp --help` and other commands import none of it
        from buildamp.sources.emit_python import python_enums, python_model

        for spec in specs:
            path = f"models/{folders[spec.table]}/{spec.table}.py"
            tables[spec.table] = (path, python_model(spec, "..enums"))
        enum_file = ("models/enums.py", python_enums(enum_list))
    return ModelFiles(tables, enum_file if enum_list else None)


def _unique_struct_names(specs: list[ModelSpec]) -> None:
    seen: dict[str, int] = {}
    for position, spec in enumerate(specs):
        count = seen.get(spec.struct, 0)
        seen[spec.struct] = count + 1
        if count:
            specs[position] = replace(spec, struct=f"{spec.struct}{count + 1}")


def group_folders(tables: list[str]) -> dict[str, str]:
    """Tables sharing a first word (``orders``, ``order_items``) share a folder, named
    after the group's shortest table name."""
    groups: dict[str, list[str]] = {}
    for table in tables:
        word = table.split("_")[0]
        stem = word[:-1] if word.endswith("s") and len(word) > 2 else word
        groups.setdefault(stem, []).append(table)
    folders: dict[str, str] = {}
    for members in groups.values():
        name = min(members, key=lambda t: (len(t), t))
        for table in members:
            folders[table] = name
    return folders


def config_text(url: str, found: Introspection) -> str:
    """The adopted project's config: prod mode (a live database), the URL without
    its password, and what the database holds that buildamp leaves alone."""
    # per command: `buildamp --help` and other commands import none of it
    from buildamp.pg.database import without_password

    unmanaged = (
        list(found.ignored_tables)
        + list(found.ignored_indexes)
        + [line.split()[1] for line in found.unmodelled if line.startswith("enum ")]
    )
    lines = [
        "# buildamp configuration, written by `buildamp init --from-database`.",
        'models = ["models"]',
        'migrations = "migrations"',
        'mode = "prod"                # an adopted database is live: review before applying',
        f"database_url = {json_string(without_password(url))}"
        "  # no password here: PGPASSWORD or ~/.pgpass",
    ]
    if unmanaged:
        items = ", ".join(json_string(name) for name in sorted(set(unmanaged)))
        lines.append(f"unmanaged = [{items}]  # in the database, left alone, never drift")
    if found.extensions:
        items = ", ".join(json_string(name) for name in found.extensions)
        lines.append(f"extensions = [{items}]  # their types are used: the baseline creates them")
    return "\n".join(lines) + "\n"


def _build_in_scratch(project: Path, files: dict[str, str], expected: Schema) -> dict[str, str]:
    """Write ``files`` to a scratch project, read the models back, check they are
    the live schema, generate the baseline there; every file the project gets."""
    # per command: `buildamp --help` and other commands import none of it
    from buildamp.cli.generate import generate
    from buildamp.files.snapshot import Snapshot, dumps
    from buildamp.run.comparable import comparable
    from buildamp.run.drift import compare
    from buildamp.sources.build import BuildSettings, build_models
    from buildamp.sources.discover import read_sources

    with tempfile.TemporaryDirectory(prefix="buildamp-adopt-") as tmp:
        scratch = Path(tmp) / project.name
        scratch.mkdir()
        for path, text in files.items():
            target = scratch / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        (scratch / "models").mkdir(exist_ok=True)
        (scratch / ".buildamp").mkdir()
        (scratch / ".buildamp" / "schema_state.json").write_text(dumps(Snapshot(Schema())))
        config = load_config(scratch)
        settings = BuildSettings(project_dir=scratch)
        schema = build_models(read_sources(config), settings).schema
        differences = compare(comparable(expected), comparable(schema))
        if differences:
            raise ModelError(
                "the written models do not read back as the database: " + "; ".join(differences),
                hint="please report this with the table's CREATE statement",
            )
        generate(config, name=BASELINE)
        shutil.rmtree(scratch / ".buildamp" / "cache", ignore_errors=True)
        written = dict(files)
        for made in sorted(scratch.rglob("*")):
            relative = made.relative_to(scratch).as_posix()
            if made.is_file() and relative not in written:
                written[relative] = made.read_text(encoding="utf-8")
        written[".buildamp/.gitignore"] = "# local to this machine\naudit.log\ncache/\npgdata/\n"
        return written


def _report(config: Config, found: Introspection, written: dict[str, str], url: str) -> None:
    # per command: `buildamp --help` and other commands import none of it
    from buildamp.pg.database import redact

    tables = len(found.schema.tables)
    click.echo(
        f"adopted {tables} table(s) and {len(found.schema.enums)} enum type(s) from {redact(url)}"
    )
    for path in sorted(written):
        if path.startswith(("models/", "migrations/")) and not path.endswith(".sum"):
            click.echo(f"wrote {path}")
    click.echo("recorded 001 as applied in the database (nothing was run there)")
    created = {f"extension {name}" for name in found.extensions}
    if found.unmodelled:
        click.echo("not modelled, left alone (never dropped, never drift):")
        for line in found.unmodelled:
            if line in created:
                line += " (its types are used: the baseline creates it, see `extensions`)"
            click.echo(f"  - {line}")
    if "@" in url and ":" in url.split("@")[0].split("//")[-1]:
        click.echo(
            f"note: the password is not stored in {config.source or CONFIG_FILE}; "
            "use PGPASSWORD or ~/.pgpass"
        )
