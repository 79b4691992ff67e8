"""Adopting a database with foreign keys: every key kept exactly as it is (name,
columns, ON DELETE), tenant and global tables, a self-reference, a composite key;
both languages read back the same; keys buildamp cannot model are refused by name;
a plain key between tenant tables is made tenant-safe later by a model edit."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest

from tests.cli.test_adopt import adopt, assert_round_trip, models_schema, run
from tests.helpers import apply_sql

KEYS = """
CREATE TABLE countries (code char(2) PRIMARY KEY, name text NOT NULL);
CREATE TABLE customers (
    id bigint PRIMARY KEY,
    host text NOT NULL,
    name text NOT NULL,
    country char(2) CONSTRAINT customers_country_fk REFERENCES countries (code),
    CONSTRAINT customers_host_id_key UNIQUE (host, id)
);
CREATE TABLE orders (
    id bigint PRIMARY KEY,
    host text NOT NULL,
    customer_id bigint NOT NULL,
    referrer_id bigint,
    CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id)
        REFERENCES customers (id) ON DELETE CASCADE,
    CONSTRAINT orders_referrer_fk FOREIGN KEY (host, referrer_id)
        REFERENCES customers (host, id) ON DELETE SET NULL (referrer_id)
);
CREATE INDEX orders_customer_idx ON orders (customer_id);
CREATE TABLE categories (
    id serial PRIMARY KEY,
    name text NOT NULL,
    parent_id integer REFERENCES categories (id) ON DELETE SET NULL
);
CREATE TABLE order_lines (
    order_id bigint NOT NULL REFERENCES orders (id) ON DELETE RESTRICT,
    line smallint NOT NULL,
    category_id integer REFERENCES categories (id),
    PRIMARY KEY (order_id, line)
);
CREATE TABLE shipments (
    id bigint PRIMARY KEY,
    order_id bigint NOT NULL,
    line smallint NOT NULL,
    CONSTRAINT shipments_line_fk FOREIGN KEY (order_id, line)
        REFERENCES order_lines (order_id, line) ON DELETE CASCADE
);
INSERT INTO countries VALUES ('NL', 'Netherlands');
INSERT INTO customers VALUES (1, 'a', 'Ann', 'NL'), (2, 'a', 'Bob', NULL);
INSERT INTO orders VALUES (10, 'a', 1, 2);
INSERT INTO categories (name) VALUES ('root');
INSERT INTO categories (name, parent_id) VALUES ('child', 1);
INSERT INTO order_lines VALUES (10, 1, 2);
INSERT INTO shipments VALUES (100, 10, 1);
"""

NAMES = (
    "customers_country_fk",
    "orders_customer_fk",
    "orders_referrer_fk",
    "categories_parent_id_fkey",
    "order_lines_order_id_fkey",
    "order_lines_category_id_fkey",
    "shipments_line_fk",
)


def suffix(lang: str) -> str:
    return "_domain.rs" if lang == "rust" else ".py"


@pytest.mark.parametrize("lang", ["rust", "python"])
def test_foreign_keys_are_adopted_as_they_are(
    tmp_path: Path, pg_url: str, pg_server_url: str, lang: str
) -> None:
    apply_sql(pg_url, KEYS)
    project = tmp_path / "shop"
    adopt(project, pg_url, lang)
    texts = "\n".join(p.read_text() for p in (project / "models").rglob(f"*{suffix(lang)}"))
    for name in NAMES:
        assert f"CONSTRAINT {name} FOREIGN KEY" in texts, name
    assert "FOREIGN KEY (host, referrer_id) REFERENCES customers (host, id) ON DELETE SET NULL" in (
        texts
    )
    assert "FOREIGN KEY (order_id, line) REFERENCES order_lines (order_id, line)" in texts
    assert_round_trip(project, pg_url, pg_server_url, set())

    # a model edit migrates the adopted database; rows and keys intact
    model = project / "models" / "categories" / f"categories{suffix(lang)}"
    text = model.read_text()
    if lang == "rust":
        text = text.replace(
            "    pub name: String,", "    pub name: String,\n    pub slug: Option<String>,"
        )
    else:
        text = text.replace("    name: str\n", "    name: str\n    slug: str | None\n")
    model.write_text(text)
    code, out, err = run(project, "migrate", "--generate")
    assert code == 0 and "002" in out, out + err
    migration = next((project / "migrations").glob("002_*.sql")).read_text()
    assert "FOREIGN KEY" not in migration and "DROP CONSTRAINT" not in migration
    code, out, err = run(project, "migrate", "--apply", "--yes", "--database-url", pg_url)
    assert code == 0, out + err
    assert run(project, "drift", "--database-url", pg_url)[0] == 0
    with psycopg.connect(pg_url, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM categories").fetchone() == (2,)
        conn.execute("DELETE FROM categories WHERE id = 1")  # SET NULL on the child
        assert conn.execute("SELECT parent_id FROM categories").fetchone() == (None,)
        conn.execute("DELETE FROM customers WHERE id = 2")  # SET NULL (referrer_id) only
        assert conn.execute("SELECT host, referrer_id FROM orders").fetchone() == ("a", None)
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            conn.execute("DELETE FROM orders WHERE id = 10")  # RESTRICT from order_lines
        conn.execute("DELETE FROM order_lines WHERE order_id = 10")  # CASCADE to shipments
        assert conn.execute("SELECT count(*) FROM shipments").fetchone() == (0,)
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            conn.execute("INSERT INTO customers VALUES (3, 'a', 'Cy', 'XX')")


def test_rust_and_python_read_back_the_same_keys(tmp_path: Path, pg_url: str) -> None:
    apply_sql(pg_url, KEYS)
    schemas = []
    for lang in ("rust", "python"):
        project = tmp_path / lang
        adopt(project, pg_url, lang)
        schemas.append(models_schema(project))
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute("DROP TABLE buildamp_migrations")
    rust, python = ([(t.name, t.constraints, t.indexes) for t in s.tables] for s in schemas)
    assert rust == python
    keys = {c.name for t in schemas[0].tables for c in t.constraints if c.kind == "foreign_key"}
    assert keys == set(NAMES)


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("ON UPDATE CASCADE", "has ON UPDATE CASCADE"),
        ("DEFERRABLE INITIALLY DEFERRED", "has DEFERRABLE"),
        ("NOT VALID", "is NOT VALID"),
    ],
)
def test_keys_it_cannot_model_are_refused(
    tmp_path: Path, pg_url: str, sql: str, message: str
) -> None:
    apply_sql(
        pg_url,
        "CREATE TABLE a (id int PRIMARY KEY); CREATE TABLE b (id int PRIMARY KEY, a_id int);"
        f"ALTER TABLE b ADD CONSTRAINT b_a_fk FOREIGN KEY (a_id) REFERENCES a (id) {sql}",
    )
    project = tmp_path / "app"
    code, out, err = run(project, "init", "--from-database", pg_url)
    assert code == 2, out + err
    assert f"foreign key b.b_a_fk {message}" in err and "Traceback" not in err
    assert not (project / "models").exists()


def test_set_null_over_host_is_refused(tmp_path: Path, pg_url: str) -> None:
    """``ON DELETE SET NULL`` on ``(host, col)`` nulls ``host`` too; buildamp writes
    ``SET NULL (col)``, so the baseline would not be the same key."""
    apply_sql(
        pg_url,
        "CREATE TABLE a (id int PRIMARY KEY, host text NOT NULL, UNIQUE (host, id));"
        "CREATE TABLE b (id int PRIMARY KEY, host text, a_id int,"
        " CONSTRAINT b_a_fk FOREIGN KEY (host, a_id) REFERENCES a (host, id) ON DELETE SET NULL)",
    )
    code, out, err = run(tmp_path / "app", "init", "--from-database", pg_url)
    assert code == 2 and "foreign key b.b_a_fk has ON DELETE SET NULL over host, a_id" in err, (
        out + err
    )


def test_key_to_a_table_without_primary_key_is_refused(tmp_path: Path, pg_url: str) -> None:
    apply_sql(
        pg_url,
        "CREATE TABLE a (code text UNIQUE); CREATE TABLE b (id int PRIMARY KEY,"
        " code text CONSTRAINT b_code_fk REFERENCES a (code))",
    )
    code, out, err = run(tmp_path / "app", "init", "--from-database", pg_url)
    assert code == 2 and "foreign key b.b_code_fk references public.a, which is not" in err, (
        out + err
    )


def test_plain_tenant_key_made_tenant_safe_later(tmp_path: Path, pg_url: str) -> None:
    """What docs/adopting.md tells the user: swap the written key for a `references`
    option; the next migration replaces it with the (host, col) key, rows intact."""
    apply_sql(pg_url, KEYS)
    project = tmp_path / "shop"
    adopt(project, pg_url, "rust")
    model = project / "models" / "orders" / "orders_domain.rs"
    text = model.read_text()
    entry = (
        '        "CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) '
        'ON DELETE CASCADE",\n'
    )
    assert entry in text, text
    text = text.replace(entry, "").replace(
        "    pub customer_id: i64,",
        '    #[migration(references = "customers", on_delete = "cascade")]\n'
        "    pub customer_id: i64,",
    )
    model.write_text(text)
    code, out, err = run(project, "migrate", "--generate")
    assert code == 0, out + err
    code, out, err = run(project, "migrate", "--apply", "--yes", "--database-url", pg_url)
    assert code == 0, out + err
    assert run(project, "drift", "--database-url", pg_url)[0] == 0
    with psycopg.connect(pg_url, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM orders").fetchone() == (1,)
        with pytest.raises(psycopg.errors.ForeignKeyViolation):  # another tenant's customer
            conn.execute("INSERT INTO orders (id, host, customer_id) VALUES (11, 'b', 1)")
        row = conn.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = %s",
            ("fk_orders_customer_id",),
        ).fetchone()
        assert row is not None and "(host, customer_id)" in row[0]


def test_written_key_to_an_unknown_table_is_a_model_error(tmp_path: Path) -> None:
    project = tmp_path / "app"
    (project / "models").mkdir(parents=True)
    run(project, "init")
    (project / "models" / "b_domain.rs").write_text(
        "#[derive(BuildAmpDomain)]\n"
        '#[table(tenant = false, timestamps = false, constraints = ["CONSTRAINT b_a_fk '
        'FOREIGN KEY (a_id) REFERENCES nowhere (id)"])]\n'
        "pub struct B {\n    pub id: DatabaseId<i32>,\n    pub a_id: i32,\n}\n"
    )
    code, out, err = run(project, "migrate", "--generate")
    assert code == 2, out + err
    assert "b_domain.rs:2:" in err and "bs.b_a_fk references table 'nowhere'" in err
    assert not list((project / "migrations").glob("*.sql"))


def test_written_key_with_on_update_is_refused(tmp_path: Path) -> None:
    project = tmp_path / "app"
    (project / "models").mkdir(parents=True)
    run(project, "init")
    (project / "models" / "b_domain.rs").write_text(
        "#[derive(BuildAmpDomain)]\n"
        '#[table(tenant = false, timestamps = false, constraints = ["CONSTRAINT b_fk '
        'FOREIGN KEY (parent) REFERENCES bs (id) ON UPDATE CASCADE"])]\n'
        "pub struct B {\n    pub id: DatabaseId<i32>,\n    pub parent: Option<i32>,\n}\n"
    )
    code, out, err = run(project, "migrate", "--generate")
    assert code == 2, out + err
    assert "b_domain.rs:2:" in err and "has ON UPDATE CASCADE" in err


COMMENTED = """
CREATE TABLE notes (id int PRIMARY KEY, body text, title text NOT NULL, tags text);
COMMENT ON TABLE notes IS 'Scribbles.
Kept for "later" -- it''s fine.';
COMMENT ON COLUMN notes.body IS 'Markdown.';
COMMENT ON COLUMN notes.title IS '   Padded, with a backslash \\ and trailing spaces   ';
INSERT INTO notes VALUES (1, 'x', 't', NULL);
"""


@pytest.mark.parametrize("lang", ["rust", "python"])
def test_comments_round_trip(tmp_path: Path, pg_url: str, pg_server_url: str, lang: str) -> None:
    """Comments are modelled as doc comments: the baseline recreates them, drift
    compares them, and editing a doc comment is a migration (COMMENT ON) with its
    rollback."""
    apply_sql(pg_url, COMMENTED)
    project = tmp_path / "app"
    adopt(project, pg_url, lang)
    model = project / "models" / "notes" / ("notes_domain.rs" if lang == "rust" else "notes.py")
    text = model.read_text()
    assert "Markdown." in text and "Scribbles." in text
    baseline = (project / "migrations" / "001_baseline.sql").read_text()
    assert "COMMENT ON COLUMN notes.body IS 'Markdown.';" in baseline
    assert "COMMENT ON TABLE notes IS 'Scribbles.\nKept for \"later\" -- it''s fine.';" in baseline
    # the baseline on an empty database gives the same comments (trailing spaces aside)
    assert_round_trip(project, pg_url, pg_server_url, set())
    state = json.loads((project / ".buildamp" / "schema_state.json").read_text())
    assert state["tables"]["notes"]["columns"]["body"]["comment"] == "Markdown."

    # drift compares them
    apply_sql(pg_url, "COMMENT ON COLUMN notes.tags IS 'Comma separated.'")
    code, out, err = run(project, "drift", "--database-url", pg_url)
    assert code == 1 and "comment on column notes.tags" in out + err, out + err
    apply_sql(pg_url, "COMMENT ON COLUMN notes.tags IS NULL")
    assert run(project, "drift", "--database-url", pg_url)[0] == 0

    # a doc comment edit is a migration of its own, with its rollback
    if lang == "rust":
        edited = text.replace("/// Markdown.", "/// Markdown, rendered on save.")
        edited = edited.replace("    pub tags:", "    /// Comma separated.\n    pub tags:")
    else:
        edited = text.replace('"""Markdown."""', '"""Markdown, rendered on save."""')
        edited = edited.replace(
            "    tags: str | None\n", '    tags: str | None\n    """Comma separated."""\n'
        )
    assert edited.count("Comma separated.") == 1 and "rendered on save" in edited
    model.write_text(edited)
    code, out, err = run(project, "migrate", "--generate")
    assert code == 0, out + err
    (migration,) = (project / "migrations").glob("002_*.sql")
    sql = migration.read_text()
    assert "COMMENT ON COLUMN notes.body IS 'Markdown, rendered on save.';" in sql
    assert "COMMENT ON COLUMN notes.tags IS 'Comma separated.';" in sql
    rollback = (project / "migrations" / "rollback" / "002_rollback.sql").read_text()
    assert "COMMENT ON COLUMN notes.body IS 'Markdown.';" in rollback
    assert "COMMENT ON COLUMN notes.tags IS NULL;" in rollback
    code, out, err = run(project, "migrate", "--apply", "--yes", "--database-url", pg_url)
    assert code == 0, out + err
    assert run(project, "drift", "--database-url", pg_url)[0] == 0
    with psycopg.connect(pg_url) as conn:
        row = conn.execute("SELECT col_description('notes'::regclass, 2)").fetchone()
        assert row == ("Markdown, rendered on save.",)
        assert conn.execute("SELECT count(*) FROM notes").fetchone() == (1,)
    code, out, err = run(project, "migrate", "--rollback", "--yes", "--database-url", pg_url)
    assert code == 0, out + err
    with psycopg.connect(pg_url) as conn:
        row = conn.execute("SELECT col_description('notes'::regclass, 2)").fetchone()
        assert row == ("Markdown.",)
        row = conn.execute("SELECT col_description('notes'::regclass, 4)").fetchone()
        assert row == (None,)
    assert "no changes" in run(project, "migrate", "--generate")[1]


def test_update_records_a_key_added_by_hand(tmp_path: Path, pg_url: str) -> None:
    apply_sql(pg_url, KEYS)
    project = tmp_path / "shop"
    adopt(project, pg_url, "python")
    apply_sql(
        pg_url,
        "ALTER TABLE shipments ADD CONSTRAINT shipments_order_fk FOREIGN KEY (order_id)"
        " REFERENCES orders (id) ON DELETE CASCADE",
    )
    assert run(project, "drift", "--database-url", pg_url)[0] == 1
    code, out, err = run(project, "init", "--update", "--from-database", pg_url)
    assert code == 0 and "recorded 002 as applied" in out, out + err
    model = (project / "models" / "shipments" / "shipments.py").read_text()
    assert "CONSTRAINT shipments_order_fk FOREIGN KEY (order_id) REFERENCES orders (id)" in model
    assert run(project, "migrate", "--check")[0] == 0
    assert "no changes" in run(project, "migrate", "--generate")[1]
    assert run(project, "drift", "--database-url", pg_url)[0] == 0
