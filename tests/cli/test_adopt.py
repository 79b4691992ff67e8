"""``buildamp init --from-database``: adopt hand-made legacy databases and round-trip them.

Each legacy database is built from hand-written SQL (rows, a view, a trigger, a
function), adopted, and then: ``migrate --check`` passes, generate writes
nothing, drift is clean, status shows 001 applied, the baseline on an empty
database builds the same catalog, and a model edit migrates the adopted database
with its rows and unmodelled objects intact. Both languages.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner

from buildamp.cli.main import main
from buildamp.files.config import load_config
from buildamp.sources.build import BuildSettings, build_models
from buildamp.sources.discover import read_sources
from tests.conftest import with_database
from tests.helpers import apply_sql, catalog_of

LEGACY = """
CREATE TYPE order_status AS ENUM ('pending', 'paid', 'shipped');

CREATE TABLE customers (
    id serial PRIMARY KEY,
    email varchar(255) NOT NULL,
    name text,
    country char(2) NOT NULL DEFAULT 'NL',
    created timestamp without time zone NOT NULL DEFAULT now(),
    CONSTRAINT customers_email_key UNIQUE (email)
);
COMMENT ON TABLE customers IS 'People who buy things.';
COMMENT ON COLUMN customers.email IS 'Login and contact address.';

CREATE TABLE orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id integer NOT NULL,
    status order_status NOT NULL DEFAULT 'pending',
    total numeric(12, 2) NOT NULL DEFAULT 0,
    tags text[] NOT NULL DEFAULT '{}',
    payload jsonb,
    meta json,
    reference uuid DEFAULT gen_random_uuid(),
    receipt bytea,
    placed_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz,
    CONSTRAINT orders_total_check CHECK (total >= 0)
);
CREATE INDEX orders_customer_idx ON orders (customer_id, placed_at DESC);
CREATE INDEX orders_open_idx ON orders (placed_at) WHERE status <> 'shipped';
CREATE UNIQUE INDEX orders_reference_key ON orders (lower(reference::text));

CREATE TABLE order_items (
    order_id bigint NOT NULL,
    line smallint NOT NULL,
    sku varchar(40) NOT NULL,
    quantity integer NOT NULL DEFAULT 1 CHECK (quantity > 0),
    price real,
    weight double precision,
    active boolean NOT NULL DEFAULT true,
    shipped_on date,
    PRIMARY KEY (order_id, line)
);

CREATE TABLE settings (
    key text PRIMARY KEY,
    value text NOT NULL,
    "type" text
);

CREATE TABLE posts (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    host text NOT NULL,
    title text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX posts_host_title ON posts (host, title);
INSERT INTO posts (host, title) VALUES ('a.example', 'Hello');

CREATE TABLE alembic_version (version_num varchar(32) NOT NULL PRIMARY KEY);
CREATE TABLE audit_log (at timestamptz, what text);

CREATE VIEW paid_orders AS SELECT id, total FROM orders WHERE status = 'paid';
CREATE FUNCTION touch_order() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.updated_at := now(); RETURN NEW; END $$;
CREATE TRIGGER orders_touch BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION touch_order();

INSERT INTO customers (email, name) VALUES ('a@example.com', 'Ann'), ('b@example.com', NULL);
INSERT INTO orders (customer_id, status, total, tags) VALUES (1, 'paid', 12.50, '{x,y}');
INSERT INTO order_items (order_id, line, sku) VALUES (1, 1, 'SKU-1');
INSERT INTO settings VALUES ('theme', 'dark', NULL);
INSERT INTO alembic_version VALUES ('abc123');
"""

# The messy way, as the project this tool comes from keeps its history: hand-written,
# forward-only files run one statement at a time on a fresh database, two of them
# numbered 004, some statements failing part-way (a duplicate type, a column added
# twice, a typo) and left behind; a view and a trigger made along the way.
MESSY = {
    "001_users.sql": [
        "CREATE TABLE users (id integer PRIMARY KEY, email text)",
        "INSERT INTO users (id, email) VALUES (1, 'x@y')",
    ],
    "002_nickname.sql": ["ALTER TABLE users ADD COLUMN nickname varchar(30)"],
    "003_mood.sql": [
        "CREATE TYPE mood AS ENUM ('happy', 'sad')",
        "ALTER TABLE users ADD COLUMN mood mood",
        "UPDATE users SET nickname = 'xy', mood = 'happy'",
    ],
    "004_add_nickname_again.sql": [  # the first 004: its column is already there
        "ALTER TABLE users ADD COLUMN nickname varchar(30)",
        "CREATE INDEX users_email_lower ON users (lower(email))",
    ],
    "004_scores.sql": [  # the second 004
        "CREATE TYPE mood AS ENUM ('happy', 'sad')",  # fails: already exists
        "ALTER TABLE users ADD COLUMN score numeric(5, 1) DEFAULT 0.5",
        "ALTER TABLE userz ADD COLUMN typo text",  # fails: no such table
        "CREATE VIEW happy_users AS SELECT id, email FROM users WHERE mood = 'happy'",
    ],
    "005_touch.sql": [
        "ALTER TABLE users ADD COLUMN changed_at timestamptz",
        "CREATE FUNCTION users_touch() RETURNS trigger LANGUAGE plpgsql AS $$"
        " BEGIN NEW.changed_at := now(); RETURN NEW; END $$",
        "CREATE TRIGGER users_touch BEFORE UPDATE ON users"
        " FOR EACH ROW EXECUTE FUNCTION users_touch()",
        "CREATE UNIQUE INDEX users_nickname_key ON users (nickname) WHERE nickname IS NOT NULL",
        "ALTER TABLE users ALTER COLUMN email SET NOT NULL",
    ],
}


def run(project: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["-C", str(project), *args], env={})
    return result.exit_code, result.stdout, result.stderr


def messy(url: str) -> int:
    """Run MESSY's files in name order, statement by statement; the failures' count."""
    failed = 0
    with psycopg.connect(url, autocommit=True) as conn:
        for name in sorted(MESSY):
            for statement in MESSY[name]:
                try:
                    conn.execute(statement)
                except psycopg.Error:
                    failed += 1
    return failed


def adopt(project: Path, url: str, lang: str) -> str:
    code, out, err = run(project, "init", "--from-database", url, "--lang", lang)
    assert code == 0, out + err
    return out


def fresh_url(pg_server_url: str) -> Any:
    import uuid

    name = f"buildamp_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return with_database(pg_server_url, name), name


def drop_database(pg_server_url: str, name: str) -> None:
    with psycopg.connect(pg_server_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def assert_round_trip(
    project: Path, url: str, pg_server_url: str, unmanaged: set[str], prelude: str = ""
) -> None:
    """check / generate / drift / status clean, and the baseline rebuilds the catalog."""
    code, out, err = run(project, "migrate", "--check")
    assert code == 0, out + err
    code, out, err = run(project, "migrate", "--generate")
    assert code == 0 and "no changes" in out, out + err
    assert sorted(p.name for p in (project / "migrations").glob("*.sql")) == ["001_baseline.sql"]
    code, out, err = run(project, "drift", "--database-url", url)
    assert code == 0, out + err
    code, out, err = run(project, "migrate", "--status", "--database-url", url)
    assert code == 0 and "001" in out and "applied" in out, out + err
    empty_url, name = fresh_url(pg_server_url)
    try:
        if prelude:
            apply_sql(empty_url, prelude)
        apply_sql(empty_url, (project / "migrations" / "001_baseline.sql").read_text())
        live = catalog_of(url)
        rebuilt = catalog_of(empty_url)
        kept = tuple(t for t in live.tables if t.name not in unmanaged)
        enums = tuple(e for e in live.enums if e.name not in unmanaged)
        assert rebuilt.tables == kept
        assert rebuilt.enums == enums
        apply_sql(empty_url, (project / "migrations" / "rollback" / "001_rollback.sql").read_text())
        assert catalog_of(empty_url).tables == ()
    finally:
        drop_database(pg_server_url, name)


def models_schema(project: Path) -> Any:
    config = load_config(project)
    return build_models(read_sources(config), BuildSettings(project_dir=project)).schema


@pytest.mark.parametrize("lang", ["rust", "python"])
def test_adopt_legacy_round_trip(
    tmp_path: Path, pg_url: str, pg_server_url: str, lang: str
) -> None:
    apply_sql(pg_url, LEGACY)
    project = tmp_path / "shop"
    out = adopt(project, pg_url, lang)
    assert "view public.paid_orders" in out
    assert "trigger orders_touch on orders" in out
    assert "function public.touch_order()" in out
    assert "alembic_version" in out and "audit_log" in out
    suffix = "_domain.rs" if lang == "rust" else ".py"
    assert (project / "models" / "orders" / f"orders{suffix}").is_file()
    assert (project / "models" / "orders" / f"order_items{suffix}").is_file()
    customers = (project / "models" / "customers" / f"customers{suffix}").read_text()
    assert "People who buy things." in customers and "Login and contact address." in customers
    posts = (project / "models" / "posts" / f"posts{suffix}").read_text()
    assert "tenant" not in posts and "timestamps" in posts  # a host column: a tenant table
    assert_round_trip(project, pg_url, pg_server_url, {"alembic_version", "audit_log"})

    # a model edit migrates the adopted database with its rows and objects intact
    model = project / "models" / "customers" / f"customers{suffix}"
    text = model.read_text()
    if lang == "rust":
        text = text.replace(
            "    pub name: Option<String>,",
            "    pub name: Option<String>,\n    pub phone: Option<String>,",
        )
    else:
        text = text.replace(
            "    name: str | None\n", "    name: str | None\n    phone: str | None\n"
        )
    model.write_text(text)
    code, out, err = run(project, "migrate", "--generate")
    assert code == 0 and "002" in out, out + err
    code, out, err = run(project, "migrate", "--apply", "--yes", "--database-url", pg_url)
    assert code == 0, out + err
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT count(*) FROM customers").fetchone() == (2,)
        assert conn.execute("SELECT phone FROM customers WHERE id = 1").fetchone() == (None,)
        assert conn.execute("SELECT total FROM paid_orders").fetchone()[0] == 12.5
        conn.execute("UPDATE orders SET total = 13")
        assert conn.execute("SELECT updated_at IS NOT NULL FROM orders").fetchone() == (True,)
        assert conn.execute("SELECT * FROM alembic_version").fetchone() == ("abc123",)
    assert run(project, "drift", "--database-url", pg_url)[0] == 0


def test_rust_and_python_models_read_back_the_same(
    tmp_path: Path, pg_url: str, pg_server_url: str
) -> None:
    apply_sql(pg_url, LEGACY)
    schemas = []
    for lang in ("rust", "python"):
        project = tmp_path / lang
        adopt(project, pg_url, lang)
        schemas.append(models_schema(project))
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute("DROP TABLE buildamp_migrations")
    rust, python = schemas
    strip = lambda s: [  # noqa: E731 - the source paths differ, nothing else may
        (t.name, t.columns, t.primary_key, t.indexes, t.constraints, t.tenant) for t in s.tables
    ]
    assert strip(rust) == strip(python)
    assert [(e.name, e.values) for e in rust.enums] == [(e.name, e.values) for e in python.enums]


@pytest.mark.parametrize("lang", ["rust", "python"])
def test_adopt_messy_database(tmp_path: Path, pg_url: str, pg_server_url: str, lang: str) -> None:
    assert messy(pg_url) == 3
    project = tmp_path / "messy"
    out = adopt(project, pg_url, lang)
    assert "view public.happy_users" in out and "trigger users_touch on users" in out
    assert "function public.users_touch()" in out
    assert_round_trip(project, pg_url, pg_server_url, set())
    state = json.loads((project / ".buildamp" / "schema_state.json").read_text())
    assert set(state["tables"]) == {"users"}
    assert list(state["tables"]["users"]["columns"]) == [
        "changed_at", "email", "id", "mood", "nickname", "score"
    ]  # fmt: skip
    with psycopg.connect(pg_url) as conn:
        row = conn.execute("SELECT version, name FROM buildamp_migrations").fetchall()
        assert row == [("001", "baseline")]
    # a model edit migrates it; the row, the view and the trigger stay
    suffix = "_domain.rs" if lang == "rust" else ".py"
    model = project / "models" / "users" / f"users{suffix}"
    text = model.read_text()
    if lang == "rust":
        text = text.replace("\n}\n", "\n    pub bio: Option<String>,\n}\n")
    else:
        text += "    bio: str | None\n"
    model.write_text(text)
    code, out, err = run(project, "migrate", "--generate")
    assert code == 0 and "002" in out, out + err
    code, out, err = run(project, "migrate", "--apply", "--yes", "--database-url", pg_url)
    assert code == 0, out + err
    assert run(project, "drift", "--database-url", pg_url)[0] == 0
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("UPDATE users SET bio = 'hi'")
        row = conn.execute("SELECT nickname, mood::text, bio, changed_at IS NOT NULL FROM users")
        assert row.fetchall() == [("xy", "happy", "hi", True)]
        assert conn.execute("SELECT count(*) FROM happy_users").fetchone() == (1,)


@pytest.mark.parametrize("lang", ["rust", "python"])
def test_update_records_a_hand_made_change(
    tmp_path: Path, pg_url: str, pg_server_url: str, lang: str
) -> None:
    apply_sql(pg_url, LEGACY)
    project = tmp_path / "shop"
    adopt(project, pg_url, lang)
    # the URL comes from the written config (no password in it) when none is given
    assert run(project, "init", "--update")[1].startswith("no changes")
    # a hot-fix by hand: a column, an index, a new table, a new enum value
    apply_sql(
        pg_url,
        "ALTER TABLE customers ADD COLUMN vip boolean NOT NULL DEFAULT false;"
        "CREATE INDEX customers_name_idx ON customers (name);"
        "CREATE TABLE coupons (id bigserial PRIMARY KEY, code text NOT NULL);"
        "ALTER TYPE order_status ADD VALUE 'refunded';",
    )
    assert run(project, "drift", "--database-url", pg_url)[0] == 1
    code, out, err = run(project, "init", "--update", "--from-database", pg_url)
    assert code == 0, out + err
    assert "recorded 002 as applied" in out
    suffix = "_domain.rs" if lang == "rust" else ".py"
    assert (project / "models" / "coupons" / f"coupons{suffix}").is_file()
    assert "vip" in (project / "models" / "customers" / f"customers{suffix}").read_text()
    code, out, err = run(project, "migrate", "--check")
    assert code == 0, out + err
    assert "no changes" in run(project, "migrate", "--generate")[1]
    assert run(project, "drift", "--database-url", pg_url)[0] == 0
    code, out, err = run(project, "migrate", "--status", "--database-url", pg_url)
    assert code == 0 and "pending" not in out.replace("0 pending", ""), out
    # the migrations 001 + 002 build the same catalog on an empty database
    empty_url, name = fresh_url(pg_server_url)
    try:
        code, out, err = run(project, "migrate", "--apply", "--yes", "--database-url", empty_url)
        assert code == 0, out + err
        live = catalog_of(pg_url)
        keep = {"alembic_version", "audit_log"}
        assert catalog_of(empty_url).tables == tuple(t for t in live.tables if t.name not in keep)
    finally:
        drop_database(pg_server_url, name)


def test_update_stops_when_models_were_edited(tmp_path: Path, pg_url: str) -> None:
    apply_sql(pg_url, LEGACY)
    project = tmp_path / "shop"
    adopt(project, pg_url, "rust")
    model = project / "models" / "settings" / "settings_domain.rs"
    model.write_text(model.read_text().replace("    pub value: String,\n", ""))
    apply_sql(pg_url, "ALTER TABLE customers ADD COLUMN vip boolean")
    before = sorted(p.as_posix() for p in project.rglob("*") if "cache" not in p.as_posix())
    code, out, err = run(project, "init", "--update", "--from-database", pg_url)
    assert code == 2, out + err
    assert "database: column customers.vip" in out
    assert "models: " in out and "settings" in out
    assert "nothing was written" in err
    after = sorted(p.as_posix() for p in project.rglob("*") if "cache" not in p.as_posix())
    assert after == before


def test_update_records_drops(tmp_path: Path, pg_url: str) -> None:
    apply_sql(pg_url, LEGACY)
    project = tmp_path / "shop"
    adopt(project, pg_url, "python")
    apply_sql(pg_url, "DROP TABLE settings; ALTER TABLE customers DROP COLUMN country;")
    code, out, err = run(project, "init", "--update")
    assert code == 0, out + err
    assert "removed models/settings/settings.py" in out
    assert not (project / "models" / "settings" / "settings.py").exists()
    assert "country" not in (project / "models" / "customers" / "customers.py").read_text()
    assert (
        "DROP TABLE settings"
        in (project / "migrations" / "002_adopt_database_changes.sql").read_text()
    )
    assert run(project, "migrate", "--check")[0] == 0
    assert run(project, "drift")[0] == 0
