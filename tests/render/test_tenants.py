"""Tenants on real PostgreSQL: row-level security on ``host`` and per-tenant uniqueness.

Migrations come from buildamp's own pipeline (Rust models in a temporary project ->
:func:`buildamp.cli.generate.generate`) and are applied as the owner (the test
superuser), the way a deploy would. The application then works through a role of
its own that owns nothing and has no BYPASSRLS, as it should in production: each
test creates one with a unique name (roles are cluster-wide) and drops it at the end.
The tenant is set per transaction, as docs/tenants.md tells applications to.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import errors

from buildamp.cli.generate import generate
from buildamp.files.config import load_config
from buildamp.files.snapshot import read_snapshot
from buildamp.run.comparable import comparable
from tests.helpers import apply_sql, catalog_of

NOW = datetime(2024, 12, 4, 10, 30, 15, tzinfo=UTC)
POLICY_QUAL = "(host = NULLIF(current_setting('buildamp.host'::text, true), ''::text))"

NOTES = """
#[derive(BuildAmpDomain)]
#[table(tenant_isolation = "{isolation}")]
pub struct Note {{
    pub id: String,
    pub body: String,
    #[migration(unique = true)]
    pub slug: String,
    #[migration(unique = "global")]
    pub external_ref: String,
}}
"""
EVENTS = """
#[derive(BuildAmpDomain)]
#[table(storage = "jsonb", tenant_isolation = "rls")]
pub struct Event {
    pub id: String,
    pub kind: String,
    #[migration(unique = true)]
    pub dedupe_key: String,
}
"""


def _notes(isolation: str) -> str:
    return NOTES.format(isolation=isolation)


# -- project and roles -------------------------------------------------------------


@dataclass(frozen=True)
class Migration:
    """One generated migration: the files' text and the operation names."""

    up: str
    down: str
    operations: list[str]


@dataclass
class Project:
    root: Path

    def generate(self, models: dict[str, str]) -> Migration:
        """Write these models (replacing the old ones) and generate the next migration."""
        folder = self.root / "models"
        for old in folder.glob("*.rs"):
            old.unlink()
        for name, text in models.items():
            (folder / name).write_text(text, encoding="utf-8")
        result = generate(load_config(self.root), allow_destructive=True, now=NOW)
        assert result.written and result.up_path and result.down_path
        return Migration(
            result.up_path.read_text(encoding="utf-8"),
            result.down_path.read_text(encoding="utf-8"),
            [type(op).__name__ for op in result.operations],
        )

    def expected_catalog(self) -> Any:
        return comparable(read_snapshot(self.root / ".buildamp" / "schema_state.json", "s").schema)


def _project(tmp_path: Path, config: str = 'models = ["models"]\n') -> Project:
    root = tmp_path / "project"
    (root / "models").mkdir(parents=True)
    (root / "buildamp.toml").write_text(config, encoding="utf-8")
    return Project(root)


def _drop_role(url: str, role: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP OWNED BY "{role}" CASCADE')
        conn.execute(f'DROP ROLE IF EXISTS "{role}"')


@pytest.fixture
def app_role(pg_url: str) -> Iterator[str]:
    """A LOGIN role that owns nothing and cannot bypass RLS: the application."""
    role = f"buildamp_app_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f'CREATE ROLE "{role}" LOGIN NOSUPERUSER NOBYPASSRLS')
        conn.execute(f'GRANT USAGE ON SCHEMA public TO "{role}"')
        conn.execute(
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA public "
            f'GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "{role}"'
        )
    try:
        yield role
    finally:
        _drop_role(pg_url, role)  # DROP OWNED also removes its grants and default privileges


@contextmanager
def session(url: str, role: str) -> Iterator[psycopg.Connection[Any]]:
    """A connection acting as ``role``; the caller opens transactions itself."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'SET ROLE "{role}"')
        yield conn


@contextmanager
def tenant(conn: psycopg.Connection[Any], host: str | None) -> Iterator[psycopg.Cursor[Any]]:
    """One transaction for one tenant: ``set_config(..., true)`` is ``SET LOCAL``
    that takes a bind parameter; it ends with the transaction."""
    with conn.transaction(), conn.cursor() as cur:
        if host is not None:
            cur.execute("SELECT set_config('buildamp.host', %s, true)", (host,))
        yield cur


def _count(cur: psycopg.Cursor[Any], table: str, where: str = "true") -> int:
    row = cur.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchone()
    assert row is not None
    return int(row[0])


def _seed_notes(url: str) -> None:
    """As the owner (superuser: RLS never applies to it), rows for tenants a and b."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO notes (id, host, body, slug, external_ref) VALUES "
            "('a1', 'a', 'x', 's1', 'ra1'), ('a2', 'a', 'x', 's2', 'ra2'), "
            "('b1', 'b', 'x', 's1', 'rb1')"
        )


def _assert_isolated(url: str, role: str) -> None:
    """Tenant a sees and changes only its own rows; an unset tenant sees nothing."""
    with session(url, role) as conn:
        with tenant(conn, "a") as cur:
            assert _count(cur, "notes") == 2
            assert _count(cur, "notes", "host = 'b'") == 0
            assert cur.execute("UPDATE notes SET body = 'y' WHERE host = 'b'").rowcount == 0
            assert cur.execute("DELETE FROM notes WHERE id = 'b1'").rowcount == 0
        with (
            pytest.raises(errors.InsufficientPrivilege, match="row-level security"),
            tenant(conn, "a") as cur,
        ):
            cur.execute(
                "INSERT INTO notes (id, host, body, slug, external_ref) "
                "VALUES ('a3', 'b', 'x', 's9', 'r9')"
            )
        with (
            pytest.raises(errors.InsufficientPrivilege, match="row-level security"),
            tenant(conn, "a") as cur,
        ):
            cur.execute("UPDATE notes SET host = 'b' WHERE id = 'a1'")
        with tenant(conn, "b") as cur:
            assert [r[0] for r in cur.execute("SELECT id FROM notes").fetchall()] == ["b1"]
        # after those transactions the SET LOCAL is gone: nothing leaks to the next one
        with tenant(conn, None) as cur:
            assert _count(cur, "notes") == 0
    with session(url, role) as conn:  # a fresh session that never set a tenant
        with tenant(conn, None) as cur:
            assert _count(cur, "notes") == 0
        with (
            pytest.raises(errors.InsufficientPrivilege, match="row-level security"),
            tenant(conn, None) as cur,
        ):
            cur.execute(
                "INSERT INTO notes (id, host, body, slug, external_ref) "
                "VALUES ('n1', 'a', 'x', 's9', 'r9')"
            )
    with psycopg.connect(url, autocommit=True) as owner:  # nothing of b's was touched
        row = owner.execute("SELECT count(*) FROM notes WHERE host = 'b' AND body = 'x'")
        assert row.fetchone() == (1,)


def _assert_plain(url: str, role: str) -> None:
    """RLS off: the table behaves like any table, whatever the tenant setting says."""
    with session(url, role) as conn:
        with tenant(conn, "a") as cur:
            assert _count(cur, "notes") == 3
            assert _count(cur, "notes", "host = 'b'") == 1
        with tenant(conn, None) as cur:
            assert _count(cur, "notes") == 3
        with conn.transaction(force_rollback=True), conn.cursor() as cur:
            cur.execute("SELECT set_config('buildamp.host', 'a', true)")
            cur.execute(  # a row for another tenant: fine on a plain table (then undone)
                "INSERT INTO notes (id, host, body, slug, external_ref) "
                "VALUES ('x1', 'b', 'x', 's9', 'r9')"
            )
            assert _count(cur, "notes") == 4


def _rls_flags(url: str, table: str) -> tuple[bool, bool, list[tuple[str, str, str]]]:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = %s::regclass",
            (table,),
        ).fetchone()
        policies = conn.execute(
            "SELECT policyname, qual, with_check FROM pg_policies WHERE tablename = %s",
            (table,),
        ).fetchall()
    assert row is not None
    return bool(row[0]), bool(row[1]), [tuple(p) for p in policies]


# -- acceptance --------------------------------------------------------------------


def test_rls_isolates_tenants_for_a_non_owner_role(
    tmp_path: Path, pg_url: str, app_role: str
) -> None:
    project = _project(tmp_path)
    result = project.generate({"notes.rs": _notes("rls")})
    apply_sql(pg_url, result.up)
    assert catalog_of(pg_url) == project.expected_catalog()
    assert _rls_flags(pg_url, "notes") == (
        True,
        True,
        [("buildamp_tenant_isolation", POLICY_QUAL, POLICY_QUAL)],
    )
    _seed_notes(pg_url)
    _assert_isolated(pg_url, app_role)


def test_without_rls_the_table_is_plain(tmp_path: Path, pg_url: str, app_role: str) -> None:
    project = _project(tmp_path)
    result = project.generate({"notes.rs": _notes("none")})
    apply_sql(pg_url, result.up)
    assert _rls_flags(pg_url, "notes") == (False, False, [])
    _seed_notes(pg_url)
    _assert_plain(pg_url, app_role)


def test_set_local_statement_scopes_the_tenant_to_one_transaction(
    tmp_path: Path, pg_url: str, app_role: str
) -> None:
    """The literal form from the docs, for code that builds SQL text itself."""
    project = _project(tmp_path)
    apply_sql(pg_url, project.generate({"notes.rs": _notes("rls")}).up)
    _seed_notes(pg_url)
    with session(pg_url, app_role) as conn:
        with conn.transaction():
            conn.execute("SET LOCAL buildamp.host = 'b'")
            assert conn.execute("SELECT id FROM notes").fetchall() == [("b1",)]
        assert conn.execute("SELECT count(*) FROM notes").fetchone() == (0,)
        # a parameter cannot go into SET; set_config(name, value, is_local) takes one
        with pytest.raises(errors.SyntaxError), conn.transaction():
            conn.execute("SET LOCAL buildamp.host = %s", ("a",))


def test_uniqueness_is_per_tenant_unless_global(tmp_path: Path, pg_url: str, app_role: str) -> None:
    project = _project(tmp_path)
    result = project.generate({"notes.rs": _notes("rls"), "events.rs": EVENTS})
    apply_sql(pg_url, result.up)
    assert catalog_of(pg_url) == project.expected_catalog()
    insert_note = (
        "INSERT INTO notes (id, host, body, slug, external_ref) "
        "VALUES (%s, current_setting('buildamp.host'), 'x', %s, %s)"
    )
    insert_event = (
        "INSERT INTO events (id, host, data) VALUES "
        "(%s, current_setting('buildamp.host'), jsonb_build_object('kind', 'k', 'dedupe_key', %s::text))"
    )
    with session(pg_url, app_role) as conn:
        with tenant(conn, "a") as cur:
            cur.execute(insert_note, ("a1", "same-slug", "ref-a"))
            cur.execute(insert_event, ("ea1", "same-key"))
        with tenant(conn, "b") as cur:  # two tenants may hold the same value
            cur.execute(insert_note, ("b1", "same-slug", "ref-b"))
            cur.execute(insert_event, ("eb1", "same-key"))
        with (
            pytest.raises(errors.UniqueViolation, match="unique_notes_slug"),
            tenant(conn, "a") as cur,
        ):  # one tenant cannot hold it twice
            cur.execute(insert_note, ("a2", "same-slug", "ref-a2"))
        with (
            pytest.raises(errors.UniqueViolation, match="unique_events_dedupe_key"),
            tenant(conn, "b") as cur,
        ):
            cur.execute(insert_event, ("eb2", "same-key"))
        with (
            pytest.raises(errors.UniqueViolation, match="unique_notes_external_ref"),
            tenant(conn, "b") as cur,
        ):  # global: not even across tenants
            cur.execute(insert_note, ("b2", "other-slug", "ref-a"))
        with tenant(conn, "b") as cur:
            assert _count(cur, "notes") == 1 and _count(cur, "events") == 1
    with psycopg.connect(pg_url, autocommit=True) as owner:
        keys = owner.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'notes'::regclass AND contype = 'u' ORDER BY conname"
        ).fetchall()
        assert keys == [
            ("unique_notes_external_ref", "UNIQUE (external_ref)"),
            ("unique_notes_slug", "UNIQUE (host, slug)"),
        ]
        pk = owner.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'notes'::regclass AND contype = 'p'"
        ).fetchone()
        assert pk == ("PRIMARY KEY (id)",)  # the primary key stays global


def test_primary_key_is_global_across_tenants(tmp_path: Path, pg_url: str, app_role: str) -> None:
    project = _project(tmp_path)
    apply_sql(pg_url, project.generate({"notes.rs": _notes("none")}).up)
    with session(pg_url, app_role) as conn:
        with tenant(conn, "a") as cur:
            cur.execute("INSERT INTO notes VALUES ('same-id', 'a', 'x', 's', 'r1')")
        with pytest.raises(errors.UniqueViolation, match="notes_pkey"), tenant(conn, "b") as cur:
            cur.execute("INSERT INTO notes VALUES ('same-id', 'b', 'x', 's', 'r2')")


def test_switching_rls_on_and_off_is_a_normal_reversible_migration(
    tmp_path: Path, pg_url: str, app_role: str
) -> None:
    project = _project(tmp_path)
    first = project.generate({"notes.rs": _notes("none")})
    apply_sql(pg_url, first.up)
    plain_catalog = project.expected_catalog()
    _seed_notes(pg_url)

    on = project.generate({"notes.rs": _notes("rls")})
    assert on.operations == ["SetRowSecurity"]
    rls_catalog = project.expected_catalog()
    up, down = on.up, on.down
    apply_sql(pg_url, up)
    assert catalog_of(pg_url) == rls_catalog
    _assert_isolated(pg_url, app_role)
    apply_sql(pg_url, down)
    assert catalog_of(pg_url) == plain_catalog
    assert _rls_flags(pg_url, "notes") == (False, False, [])
    _assert_plain(pg_url, app_role)
    apply_sql(pg_url, up)
    assert catalog_of(pg_url) == rls_catalog
    _assert_isolated(pg_url, app_role)

    off = project.generate({"notes.rs": _notes("none")})
    assert off.operations == ["SetRowSecurity"]
    up, down = off.up, off.down
    apply_sql(pg_url, up)
    assert catalog_of(pg_url) == plain_catalog
    _assert_plain(pg_url, app_role)
    apply_sql(pg_url, down)
    assert catalog_of(pg_url) == rls_catalog
    _assert_isolated(pg_url, app_role)
    apply_sql(pg_url, up)
    assert catalog_of(pg_url) == plain_catalog
    assert _rls_flags(pg_url, "notes") == (False, False, [])
    _assert_plain(pg_url, app_role)
    with psycopg.connect(pg_url, autocommit=True) as owner:  # the rows lived through it all
        assert owner.execute("SELECT count(*) FROM notes").fetchone() == (3,)


def test_config_turns_rls_on_for_every_tenant_table(tmp_path: Path, pg_url: str) -> None:
    project = _project(tmp_path, 'models = ["models"]\ntenant_isolation = "rls"\n')
    models = {
        "notes.rs": "#[derive(BuildAmpDomain)]\npub struct Note { pub id: String, pub body: String }\n",
        "tags.rs": '#[derive(BuildAmpDomain)]\n#[table(tenant_isolation = "none")]\n'
        "pub struct Tag { pub id: String, pub name: String }\n",
        "plans.rs": "#[derive(BuildAmpDomain)]\n#[table(tenant = false)]\n"
        "pub struct Plan { pub id: String, pub name: String }\n",
    }
    result = project.generate(models)
    apply_sql(pg_url, result.up)
    assert catalog_of(pg_url) == project.expected_catalog()
    assert _rls_flags(pg_url, "notes")[:2] == (True, True)
    assert _rls_flags(pg_url, "tags") == (False, False, [])
    assert _rls_flags(pg_url, "plans") == (False, False, [])  # no host, nothing to isolate on


# -- migrations and backfills run across all tenants -----------------------------


@pytest.fixture
def owner_role(pg_url: str) -> Iterator[str]:
    """A non-superuser that owns the tables and has BYPASSRLS: how docs/tenants.md
    says to run migrations when the application role is subject to RLS."""
    role = f"buildamp_owner_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f'CREATE ROLE "{role}" LOGIN NOSUPERUSER BYPASSRLS')
        conn.execute(f'GRANT USAGE, CREATE ON SCHEMA public TO "{role}"')
    try:
        yield role
    finally:
        _drop_role(pg_url, role)


def run_as(url: str, role: str, sql_text: str) -> None:
    """A whole migration file, executed by ``role`` (one simple-query call)."""
    with session(url, role) as conn:
        conn.execute(sql_text.encode())


BACKFILL_V1 = '#[derive(BuildAmpDomain)]\n#[table(tenant_isolation = "rls")]\npub struct Note { pub id: String, pub body: String }\n'
BACKFILL_V2 = (
    '#[derive(BuildAmpDomain)]\n#[table(tenant_isolation = "rls")]\npub struct Note {\n'
    "    pub id: String,\n    pub body: String,\n"
    '    #[migration(backfill = "upper(body)")]\n    pub shout: Option<String>,\n}\n'
)


def _backfill_setup(tmp_path: Path, url: str, role: str) -> str:
    """notes with RLS, created by ``role``, rows for two tenants; returns migration 2."""
    project = _project(tmp_path)
    run_as(url, role, project.generate({"notes.rs": BACKFILL_V1}).up)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("INSERT INTO notes (id, host, body) VALUES ('a1', 'a', 'x'), ('b1', 'b', 'y')")
    second = project.generate({"notes.rs": BACKFILL_V2})
    assert "UPDATE notes SET shout = (upper(body))" in second.up
    return second.up


def _filled(url: str) -> list[tuple[str, str | None]]:
    with psycopg.connect(url, autocommit=True) as conn:
        return [(r[0], r[1]) for r in conn.execute("SELECT id, shout FROM notes ORDER BY id")]


def test_backfill_by_a_bypassrls_owner_reaches_every_tenant(
    tmp_path: Path, pg_url: str, owner_role: str
) -> None:
    up = _backfill_setup(tmp_path, pg_url, owner_role)
    run_as(pg_url, owner_role, up)
    assert _filled(pg_url) == [("a1", "X"), ("b1", "Y")]


def test_an_application_backfill_runs_tenant_by_tenant(
    tmp_path: Path, pg_url: str, app_role: str
) -> None:
    """The docs' recipe for a role without BYPASSRLS: one transaction per tenant."""
    project = _project(tmp_path)
    apply_sql(pg_url, project.generate({"notes.rs": _notes("rls")}).up)
    _seed_notes(pg_url)
    with psycopg.connect(pg_url, autocommit=True) as owner:
        hosts = [r[0] for r in owner.execute("SELECT DISTINCT host FROM notes ORDER BY 1")]
    with session(pg_url, app_role) as conn:
        for host in hosts:
            with tenant(conn, host) as cur:
                cur.execute("UPDATE notes SET body = upper(slug)")
    with psycopg.connect(pg_url, autocommit=True) as owner:
        rows = owner.execute("SELECT id, body FROM notes ORDER BY id").fetchall()
    assert rows == [("a1", "S1"), ("a2", "S2"), ("b1", "S1")]


def test_backfill_by_an_owner_without_bypassrls_fails_loudly(
    tmp_path: Path, pg_url: str, owner_role: str
) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f'ALTER ROLE "{owner_role}" NOBYPASSRLS')
    up = _backfill_setup(tmp_path, pg_url, owner_role)
    try:
        run_as(pg_url, owner_role, up)
    except psycopg.Error:
        return  # failing is fine: the operator learns the role needs BYPASSRLS
    assert _filled(pg_url) == [("a1", "X"), ("b1", "Y")]


def test_a_reset_tenant_cannot_write_rows_with_an_empty_host(
    tmp_path: Path, pg_url: str, app_role: str
) -> None:
    project = _project(tmp_path)
    apply_sql(pg_url, project.generate({"notes.rs": _notes("rls")}).up)
    with session(pg_url, app_role) as conn:
        with tenant(conn, "a") as cur:
            cur.execute("SELECT 1")
        with pytest.raises(errors.InsufficientPrivilege), tenant(conn, None) as cur:
            cur.execute("INSERT INTO notes VALUES ('e1', '', 'x', 's', 'r')")
