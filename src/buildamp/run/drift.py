"""Live database vs schema state: every difference as one readable sentence.

Drift knows the history: migrations not yet applied are reported as pending
(and the objects they touch are not "missing"), objects that applied
hand-written or ``custom_sql`` migrations created are not reported as
strangers, ``drift_ignore`` patterns silence the rest. It also reports what a
catalog diff cannot see: invalid indexes, NOT VALID constraints, and
buildamp's own leftovers from an interrupted online run.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from buildamp.files.config import Config
from buildamp.model.errors import DatabaseError
from buildamp.model.schema import Column, Constraint, Schema, Table


@dataclass(frozen=True)
class Difference:
    """One difference; ``names`` are what ``drift_ignore`` patterns match
    (``table``, ``table.column``, index/constraint/enum names)."""

    text: str
    names: tuple[str, ...]
    table: str = ""


@dataclass
class DriftReport:
    differences: list[Difference] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)  # NNN_name of unapplied migrations
    unknown: list[str] = field(default_factory=list)  # applied here, no file in this checkout

    @property
    def lines(self) -> list[str]:
        lines = []
        if self.pending:
            count = len(self.pending)
            lines.append(
                f"{count} migration{'s' if count != 1 else ''} pending "
                f"({', '.join(self.pending)}): run `buildamp migrate --apply`"
            )
        for name in self.unknown:
            lines.append(f"migration {name} is applied here but this checkout has no such file")
        return lines + [d.text for d in self.differences]

    def as_dict(self) -> dict[str, Any]:
        return {
            "drift": bool(self.lines),
            "pending": self.pending,
            "unknown_applied": self.unknown,
            "differences": [
                {"text": d.text, "names": list(d.names), "table": d.table} for d in self.differences
            ],
        }


def _null(not_null: bool) -> str:
    return "NOT NULL" if not_null else "NULL"


def _column(name: str, want: Column, have: Column) -> list[str]:
    where = f"{name}.{want.name}"
    lines = []
    if want.type != have.type:
        lines.append(f"{where}: database type is {have.type}, models say {want.type}")
    if want.not_null != have.not_null:
        database = "allows NULL" if not have.not_null else "says NOT NULL"
        models = "NOT NULL" if want.not_null else "NULL allowed"
        lines.append(f"{where}: database {database}, models say {models}")
    if want.default != have.default:
        lines.append(
            f"{where}: database default is {have.default or 'none'}, "
            f"models say {want.default or 'none'}"
        )
    if want.identity != have.identity:
        lines.append(
            f"{where}: database identity is {have.identity or 'none'}, "
            f"models say {want.identity or 'none'}"
        )
    if want.comment != have.comment:
        lines.append(_comment_line(f"column {where}", want.comment, have.comment))
    return lines


def _comment_line(target: str, want: str | None, have: str | None) -> str:
    """``comment on column t.c: database has none, models say 'Login address.'``."""

    def shown(text: str | None) -> str:
        if text is None:
            return "none"
        short = text if len(text) <= 40 and "\n" not in text else text.split("\n")[0][:37] + "..."
        return repr(short)

    return f"comment on {target}: database has {shown(have)}, models say {shown(want)}"


def differences(expected: Schema, live: Schema) -> list[Difference]:
    """Differences, ``expected`` being the snapshot and ``live`` the catalog
    (both already passed through :func:`buildamp.run.comparable.comparable`)."""
    found: list[Difference] = []
    for enum in expected.enums:
        have = live.enum(enum.name)
        if have is None:
            found.append(Difference(f"enum {enum.name}: missing in database", (enum.name,)))
        elif have.values != enum.values:
            found.append(
                Difference(
                    f"enum {enum.name}: database values are {', '.join(have.values)}; "
                    f"models say {', '.join(enum.values)}",
                    (enum.name,),
                )
            )
    for enum in live.enums:
        if expected.enum(enum.name) is None:
            found.append(
                Difference(f"enum {enum.name}: in database but not in the models", (enum.name,))
            )
    for table in expected.tables:
        have_table = live.table(table.name)
        if have_table is None:
            found.append(
                Difference(f"table {table.name}: missing in database", (table.name,), table.name)
            )
        elif have_table != table:  # equal tables (nearly all, at head) need no walk
            found += _table(table, have_table)
    for table in live.tables:
        if expected.table(table.name) is None:
            found.append(
                Difference(
                    f"table {table.name}: in database but not in the models",
                    (table.name,),
                    table.name,
                )
            )
    return found


def compare(expected: Schema, live: Schema) -> list[str]:
    return [d.text for d in differences(expected, live)]


def _table(expected: Table, live: Table) -> list[Difference]:
    found: list[Difference] = []
    name = expected.name

    def add(text: str, *names: str) -> None:
        found.append(Difference(text, (name, *names), name))

    live_columns = {c.name: c for c in live.columns}
    for column in expected.columns:
        have = live_columns.pop(column.name, None)
        if have is None:
            add(f"column {name}.{column.name}: missing in database", f"{name}.{column.name}")
            continue
        for line in _column(name, column, have):
            add(line, f"{name}.{column.name}")
    for extra in live_columns:
        add(f"column {name}.{extra}: in database but not in the models", f"{name}.{extra}")
    if expected.primary_key != live.primary_key:
        add(
            f"table {name}: database primary key is ({', '.join(live.primary_key)}), "
            f"models say ({', '.join(expected.primary_key)})"
        )
    for kind, want_items, have_items in (
        ("index", expected.indexes, live.indexes),
        ("constraint", expected.constraints, live.constraints),
    ):
        have_by_name = {item.name: item for item in have_items}
        for item in want_items:
            have_item = have_by_name.pop(item.name, None)
            if have_item is None:
                add(f"{kind} {item.name} on {name}: missing in database", item.name)
            elif isinstance(item, Constraint) and have_item == replace(item, valid=False):
                add(
                    f"constraint {item.name} on {name}: NOT VALID in database (an online "
                    "migration stopped before validating it); ALTER TABLE "
                    f"{name} VALIDATE CONSTRAINT {item.name}",
                    item.name,
                )
            elif have_item != item:
                add(f"{kind} {item.name} on {name}: definition differs from the models", item.name)
        for extra_name in have_by_name:
            add(f"{kind} {extra_name} on {name}: in database but not in the models", extra_name)
    if expected.touch_updated_at != live.touch_updated_at:
        state = "missing" if expected.touch_updated_at else "in database but not in the models"
        add(f"trigger trg_{name}_updated_at: {state}", f"trg_{name}_updated_at")
    if expected.comment != live.comment:
        add(_comment_line(f"table {name}", expected.comment, live.comment))
    if expected.rls != live.rls:
        add(
            f"table {name}: row-level security is {'off' if expected.rls else 'on'} in the "
            f"database, models say {'on' if expected.rls else 'off'}"
        )
    return found


# ---- what the history says ---------------------------------------------------------


def _created_by_sql(texts: Iterable[str]) -> tuple[set[str], set[str]]:
    """(objects created, tables touched) by these migration texts, in order:
    tables, ``table.column``, indexes, constraints, types; a later DROP forgets.

    Reads PostgreSQL's parse tree as JSON (plain dicts, ~7x faster than pglast's
    node objects on a big file): a typed field holds its node unwrapped
    (``"relation": {"relname": ...}``), a generic one wrapped (``{"RangeVar": ...}``).
    ``texts`` are read one at a time, each statement's tree decoded on its own."""
    # PostgreSQL's parser: only when a difference needs the history
    import pglast

    created: set[str] = set()
    touched: set[str] = set()
    for text in texts:
        try:
            tree = pglast.parser.parse_sql_json(text)
        except pglast.parser.ParseError:
            continue
        for raw in _statements(tree):
            ((kind, node),) = raw["stmt"].items()
            touched.update(_relation_names(node))
            if kind == "CreateStmt" and node.get("relation"):
                created.add(str(node["relation"]["relname"]))
            elif kind == "IndexStmt" and node.get("idxname"):
                created.add(str(node["idxname"]))
            elif kind == "CreateEnumStmt" and node.get("typeName"):
                created.add(_last_name(node["typeName"]))
                touched.add(_last_name(node["typeName"]))
            elif kind == "AlterEnumStmt" and node.get("typeName"):
                touched.add(_last_name(node["typeName"]))
            elif kind == "AlterTableStmt" and node.get("relation"):
                table = str(node["relation"]["relname"])
                for wrapped in node.get("cmds", ()):
                    cmd = wrapped["AlterTableCmd"]
                    definition = cmd.get("def", {})
                    if definition.get("ColumnDef", {}).get("colname"):
                        created.add(f"{table}.{definition['ColumnDef']['colname']}")
                    elif definition.get("Constraint", {}).get("conname"):
                        created.add(str(definition["Constraint"]["conname"]))
                    elif cmd.get("name") and "Drop" in cmd.get("subtype", ""):
                        created.discard(f"{table}.{cmd['name']}")
                        created.discard(str(cmd["name"]))
            elif kind == "DropStmt":
                for item in node.get("objects", ()):
                    parts = item["List"].get("items", []) if "List" in item else [item]
                    name = _object_name(parts[-1]) if parts else None
                    if name:
                        created.discard(name)
                        touched.add(name)
    return created, touched


_STMTS = re.compile(r'\{"version":\d+,"stmts":\[')


def _statements(tree: str) -> Iterator[dict[str, Any]]:
    """The statements of a parse tree's JSON (``{"version": n, "stmts": [...]}``),
    decoded one at a time: a migration of 1,000 tables (1.3 MB of SQL) is 8 MB of
    JSON and ~53 MB as dicts all at once (drift at 10,000 models, once it needed
    the history: 229 MB peak)."""
    # loaded on use: commands that do not need it never import it
    import json

    opening = _STMTS.match(tree)
    if opening is None:  # no statements, or some other shape: decoded whole
        yield from json.loads(tree).get("stmts", [])
        return
    decode = json.JSONDecoder().raw_decode
    position = opening.end()
    while tree[position] != "]":
        statement, position = decode(tree, position)
        yield statement
        if tree[position] == ",":
            position += 1


def _last_name(names: list[dict[str, Any]]) -> str:
    """The last part of a qualified name (``[{"String": {"sval": ...}}, ...]``)."""
    return str(names[-1]["String"]["sval"])


def _object_name(node: dict[str, Any]) -> str | None:
    """A dropped object's name: a plain name or a relation (others have none)."""
    if "String" in node:
        return str(node["String"].get("sval") or "") or None
    if "RangeVar" in node:
        return str(node["RangeVar"].get("relname") or "") or None
    return None


def _relation_names(node: Any) -> Any:
    """Every relation a parse tree names: in a raw parse tree only RangeVar
    nodes carry ``relname``, wrapped or not."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            relname = item.get("relname")
            if isinstance(relname, str) and relname:
                yield relname
            stack.extend(v for v in item.values() if isinstance(v, dict | list))
        elif isinstance(item, list):
            stack.extend(v for v in item if isinstance(v, dict | list))


# ---- what a catalog diff cannot see ------------------------------------------------

_INVALID_INDEXES = """
SELECT c.relname, t.relname FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE NOT i.indisvalid AND n.nspname = 'public' ORDER BY 1
"""
_NOT_VALID = """
SELECT con.conname, t.relname FROM pg_constraint con
JOIN pg_class t ON t.oid = con.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE NOT con.convalidated AND n.nspname = 'public' ORDER BY 1
"""
_SYNC_TRIGGERS = """
SELECT tg.tgname, t.relname FROM pg_trigger tg JOIN pg_class t ON t.oid = tg.tgrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE NOT tg.tgisinternal AND tg.tgname LIKE 'buildamp\\_sync\\_%' AND n.nspname = 'public'
ORDER BY 1
"""
_SYNC_FUNCTIONS = """
SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE p.proname LIKE 'buildamp\\_sync\\_%' AND n.nspname = 'public' ORDER BY 1
"""
_SHADOWS = """
SELECT t.relname, a.attname FROM pg_attribute a JOIN pg_class t ON t.oid = a.attrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE a.attnum > 0 AND NOT a.attisdropped AND a.attname LIKE '%\\_\\_buildamp\\_new'
AND t.relkind = 'r' AND n.nspname = 'public' ORDER BY 1, 2
"""


_LEFTOVER_QUERIES = (_INVALID_INDEXES, _NOT_VALID, _SYNC_TRIGGERS, _SYNC_FUNCTIONS, _SHADOWS)


def _leftovers(answers: list[Any]) -> list[Difference]:
    """What the :data:`_LEFTOVER_QUERIES` found (``answers``: their cursors, in order)."""
    invalid, not_valid, triggers, functions, shadows = (cursor.fetchall() for cursor in answers)
    found: list[Difference] = []
    for index, table in invalid:
        found.append(
            Difference(
                f"index {index} on {table}: INVALID (a failed CREATE INDEX CONCURRENTLY); "
                f"drop it and run the migration again",
                (index,),
                table,
            )
        )
    for name, table in not_valid:
        found.append(
            Difference(
                f"constraint {name} on {table}: NOT VALID (existing rows unchecked); "
                f"ALTER TABLE {table} VALIDATE CONSTRAINT {name}",
                (name,),
                table,
            )
        )
    for trigger, table in triggers:
        found.append(
            Difference(
                f"trigger {trigger} on {table}: buildamp's online-sync trigger left by an "
                "interrupted run (it still fires on every write)",
                (trigger,),
                table,
            )
        )
    for (function,) in functions:
        found.append(
            Difference(f"function {function}: buildamp leftover of an interrupted run", (function,))
        )
    for table, column in shadows:
        found.append(
            Difference(
                f"column {table}.{column}: buildamp shadow column left by an interrupted run",
                (f"{table}.{column}",),
                table,
            )
        )
    return found


def _ignored(difference: Difference, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(n, p) for n in difference.names for p in patterns)


def drift(config: Config, url: str) -> tuple[DriftReport, Schema, Schema]:
    """The report, and the expected and live schemas it compared (for ``--sql``)."""
    # psycopg: connect() has loaded it already
    import psycopg

    # loaded on use: commands that do not need it never import it
    from buildamp.files.migration import list_migrations
    from buildamp.pg.database import connect, database_identity
    from buildamp.run.history import HISTORY_TABLE

    try:
        with connect(url, autocommit=True) as conn:
            expected, live, extra, applied = _read(config, conn)
    except psycopg.Error as error:  # a privilege, a timeout, the server going away
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise DatabaseError(
            f"drift cannot read {database_identity(url)}: {reason}",
            hint=f"drift needs a role that may read the catalog and {HISTORY_TABLE}",
        ) from None
    tracked = applied is not None
    applied = applied or {}
    files = list_migrations(config.migrations_dir)
    report = DriftReport()
    pending = [f for f in files if f.number not in applied]
    # a database that never saw buildamp: report objects, not 40 pending files
    if tracked:
        report.pending = [f"{f.version}_{f.name}" for f in pending]
    numbers = {f.number for f in files}
    report.unknown = [f"{v:03d}_{n}" for v, n in sorted(applied.items()) if v not in numbers]
    modelled = {c.name for t in expected.tables for c in t.constraints}
    extra = [d for d in extra if not ("NOT VALID" in d.text and d.names[0] in modelled)]
    found = [d for d in differences(expected, live) + extra if not _ignored(d, config.drift_ignore)]
    if not found:
        return report, expected, live  # at head: the history needs no reading
    # each file read when its turn comes: at 10,000 models they are 13 MB
    created, _ = _created_by_sql(
        f.path.read_text(encoding="utf-8")
        for f in files
        if f.number in applied and f.path.is_file()
    )
    _, pending_touch = _created_by_sql(
        (f.path.read_text(encoding="utf-8") for f in pending) if tracked else ()
    )
    for difference in found:
        if difference.table in pending_touch or any(n in pending_touch for n in difference.names):
            continue  # explained by a pending migration
        stranger = "in database but not in the models" in difference.text
        if stranger and difference.names[-1] in created:
            continue  # made by an applied hand-written / custom_sql migration
        report.differences.append(difference)
    return report, expected, live


def _read(
    config: Config, conn: Any
) -> tuple[Schema, Schema, list[Difference], dict[int, str] | None]:
    """The expected schema (the state), the live one, what a catalog diff cannot
    see, and the applied migrations (None: no history table).

    Every query goes out at once, in one read-only transaction (one round trip
    where libpq pipelines, and one more for the history with the COMMIT): the
    server answers while the schema state loads (its reader is imported only
    then, too)."""
    # loaded on use: commands that do not need it never import it
    from buildamp.run.catalog import CatalogRead, catalog_transaction, pipelined, send_answers
    from buildamp.run.comparable import comparable, comparable_like

    # the history table's name (the module loads nothing heavy)
    from buildamp.run.history import HISTORY_TABLE

    with pipelined(conn), catalog_transaction(conn):
        # the catalog first: its answers are the first needed, and the server
        # runs the queries after it (the shadow-column query scans every
        # attribute: 80 ms at 10,000 tables) while the client reads the columns
        catalog = CatalogRead(conn)
        leftovers = [conn.execute(sql) for sql in _LEFTOVER_QUERIES]
        has_history = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (HISTORY_TABLE,))
        send_answers(conn)
        # the server works on the queries meanwhile
        from buildamp.files.snapshot import load_snapshot

        state = load_snapshot(config).schema
        # columns equal to the state's are the state's objects: equal tables
        # (nearly all, at head) then compare without a walk over their columns,
        # and need no reducing (comparable_like)
        live = without_unmanaged(comparable(catalog.schema(like=state)), config.unmanaged)
        expected = comparable_like(state, live)
        extra = _leftovers(leftovers)
        row = has_history.fetchone()
        # answered together with the COMMIT that ends the pipeline
        tracked = row is not None and bool(row[0])
        history = conn.execute(f"SELECT version, name FROM {HISTORY_TABLE}") if tracked else None
    if history is None:
        return expected, live, extra, None
    return expected, live, extra, {int(version): name for version, name in history}


def drift_report(config: Config, url: str) -> list[str]:
    return drift(config, url)[0].lines


def without_unmanaged(live: Schema, unmanaged: tuple[str, ...]) -> Schema:
    """``live`` minus the tables, indexes and enum types the config says buildamp
    leaves alone (``unmanaged``: what an adopted database holds but does not model)."""
    if not unmanaged:
        return live
    names = frozenset(unmanaged)
    return Schema(
        tables=tuple(
            replace(t, indexes=tuple(i for i in t.indexes if i.name not in names))
            for t in live.tables
            if t.name not in names
        ),
        enums=tuple(e for e in live.enums if e.name not in names),
    )


def repair_sql(config: Config, expected: Schema, live: Schema) -> str:
    """SQL that turns the live schema back into the models' (``drift --sql``)."""
    # loaded on use: commands that do not need it never import it
    from buildamp.files.compose import Layout, compose_down
    from buildamp.plan.diff import diff
    from buildamp.render.migration import RenderOptions, render_all

    operations = diff(live, expected)
    if not operations:
        return ""
    options = RenderOptions(config.is_online, config.lock_timeout, config.batch_size)
    steps = render_all(operations, options)
    layout = Layout(config.lock_timeout if config.is_online else None, config.batch_size)
    text = compose_down("drift --sql", "", "", steps, layout)
    return "\n".join(text.splitlines()[3:]) + "\n"
