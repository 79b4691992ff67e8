"""Issue 14 item 11: dev mode is a convenience, not another SQL dialect.

A shop project evolves through the changes a real one goes through (tables,
enums, columns, indexes, unique keys, type changes, NOT NULL, foreign keys to
old and new tables, renames, drops, JSONB). Generated in the default mode, its
whole history lints clean, its prod plan on a fresh database has no lint error,
and it applies there with no drift. Generated in dev and in prod, the files are
the same bytes. ``online = false`` is the one switch to the plain forms."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from buildamp.cli.generate import generate
from buildamp.files.config import load_config
from tests.cli.test_migrate_trust import cli, tables, write

FIXED_NOW = datetime(2024, 12, 4, 10, 30, 15, tzinfo=UTC)

HEAD = "use buildamp::framework::*;\n\n"

CUSTOMER_1 = """
#[derive(BuildAmpDomain)]
pub struct Customer {
    pub id: DatabaseId<String>,
    pub name: String,
    pub email: String,
}
"""
CUSTOMER_2 = """
#[derive(BuildAmpDomain)]
pub struct Customer {
    pub id: DatabaseId<String>,
    pub name: String,
    #[migration(index = true)]
    pub email: String,
    pub phone: Option<String>,
    #[migration(default = "'0'")]
    pub loyalty: String,
}
"""
CUSTOMER_4 = """
#[derive(BuildAmpDomain)]
pub struct Customer {
    pub id: DatabaseId<String>,
    pub name: String,
    #[migration(index = true)]
    pub email: String,
    #[migration(default = "''")]
    pub phone: String,
    #[migration(convert_from = "TEXT", convert_sql = "CAST(%s AS INTEGER)", convert_back_sql = "CAST(%s AS TEXT)", default = "0")]
    pub loyalty: i32,
}
"""
CUSTOMER_6 = """
#[derive(BuildAmpDomain)]
pub struct Customer {
    pub id: DatabaseId<String>,
    #[migration(rename_from = "name")]
    pub full_name: String,
    #[migration(unique = true)]
    pub email: String,
    #[migration(default = "''")]
    pub phone: String,
    #[migration(convert_from = "TEXT", convert_sql = "CAST(%s AS INTEGER)", convert_back_sql = "CAST(%s AS TEXT)", default = "0")]
    pub loyalty: i32,
    #[migration(backfill = "LOWER(email)")]
    pub email_key: String,
}
"""
PRODUCT_1 = """
#[derive(BuildAmpDomain)]
pub struct Product {
    pub id: DatabaseId<String>,
    pub name: String,
    pub price: i32,
    pub legacy_code: Option<String>,
}
"""
PRODUCT_2 = """
#[derive(BuildAmpDomain)]
pub struct Product {
    pub id: DatabaseId<String>,
    pub name: String,
    pub price: i32,
    pub legacy_code: Option<String>,
    #[migration(unique = true)]
    pub sku: Option<String>,
}
"""
PRODUCT_3 = """
#[derive(BuildAmpDomain)]
pub struct Product {
    pub id: DatabaseId<String>,
    pub name: String,
    pub price: i64,
    pub legacy_code: Option<String>,
    #[migration(unique = true)]
    pub sku: Option<String>,
}
"""
PRODUCT_5 = """
#[derive(BuildAmpDomain)]
pub struct Supplier {
    pub id: DatabaseId<String>,
    pub name: String,
}

#[derive(BuildAmpDomain)]
pub struct Product {
    pub id: DatabaseId<String>,
    pub name: String,
    pub price: i64,
    pub legacy_code: Option<String>,
    #[migration(unique = true)]
    pub sku: Option<String>,
    pub supplier_id: Option<ForeignKey<Supplier, String>>,
}
"""
PRODUCT_6 = """
#[derive(BuildAmpDomain)]
pub struct Supplier {
    pub id: DatabaseId<String>,
    pub name: String,
}

#[derive(BuildAmpDomain)]
pub struct Product {
    pub id: DatabaseId<String>,
    pub name: String,
    pub price: i64,
    #[migration(unique = true)]
    pub sku: Option<String>,
    pub supplier_id: Option<ForeignKey<Supplier, String>>,
    #[migration(default = "'[]'")]
    pub tags: Vec<String>,
}
"""
ORDER_1 = """
pub enum OrderStatus {
    Pending,
    Paid,
}

#[derive(BuildAmpDomain)]
pub struct Order {
    pub id: DatabaseId<String>,
    pub customer_id: ForeignKey<Customer, String>,
    pub status: OrderStatus,
    pub total: i32,
    pub note: Option<String>,
}
"""
ORDER_3 = ORDER_1.replace("pub total: i32", "pub total: i64")
ORDER_4 = """
pub enum OrderStatus {
    Pending,
    Paid,
    Shipped,
}

#[derive(BuildAmpDomain)]
pub struct Order {
    pub id: DatabaseId<String>,
    pub customer_id: ForeignKey<Customer, String>,
    #[migration(enum_migration = "add_values", index = true)]
    pub status: OrderStatus,
    pub total: i64,
    #[migration(default = "''")]
    pub note: String,
}
"""
ORDER_5 = (
    ORDER_4
    + """
#[derive(BuildAmpDomain)]
pub struct OrderLine {
    pub id: DatabaseId<String>,
    #[migration(on_delete = "cascade")]
    pub order_id: ForeignKey<Order, String>,
    pub product_id: ForeignKey<Product, String>,
    #[migration(default = "1")]
    pub quantity: i32,
}
"""
)

# The shop's history: each entry is one migration's models.
EVOLUTION = [
    (CUSTOMER_1, PRODUCT_1, ORDER_1),  # create tables, an enum, a foreign key
    (CUSTOMER_2, PRODUCT_2, ORDER_1),  # add columns, an index, a unique key
    (CUSTOMER_2, PRODUCT_3, ORDER_3),  # type changes (copy online)
    (CUSTOMER_4, PRODUCT_3, ORDER_4),  # NOT NULL, convert_sql, enum value, index
    (CUSTOMER_4, PRODUCT_5, ORDER_5),  # new tables, keys from an old table to a new one
    (CUSTOMER_6, PRODUCT_6, ORDER_5),  # rename, drop, unique on an old column, backfill, JSONB
]


def shop(root: Path, config: str, upto: int = len(EVOLUTION), env: str | None = None) -> Path:
    """The shop project with ``upto`` migrations generated (fixed clock)."""
    write(root / "buildamp.toml", config)
    for customer, product, order in EVOLUTION[:upto]:
        write(root / "models" / "shop_domain.rs", HEAD + customer + product + order)
        result = generate(load_config(root, env), allow_destructive=True, now=FIXED_NOW)
        assert result.written, f"nothing generated for {customer}{product}{order}"
    return root


def files_of(root: Path) -> dict[str, bytes]:
    found = {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted((root / "migrations").rglob("*"))
        if p.is_file()
    }
    found["state"] = (root / ".buildamp" / "schema_state.json").read_bytes()
    return found


def test_dev_and_prod_generate_the_same_bytes(tmp_path: Path) -> None:
    dev = files_of(shop(tmp_path / "dev", 'models = ["models"]\nmode = "dev"\n'))
    prod = files_of(shop(tmp_path / "prod", 'models = ["models"]\nmode = "prod"\n'))
    profile = files_of(
        shop(
            tmp_path / "profile",
            'models = ["models"]\nmode = "dev"\n[env.prod]\nmode = "prod"\n',
        )
    )
    assert len(dev) == 2 * len(EVOLUTION) + 2  # up + rollback each, the sum, the state
    assert dev == prod == profile
    # the default is the lock-safe form: the type change copies, the index is concurrent
    third = next(text for name, text in dev.items() if name.startswith("migrations/003_"))
    assert b"price__buildamp_new" in third and b"buildamp:no-transaction" in third


def test_online_false_opts_out_in_every_mode(tmp_path: Path) -> None:
    plain = {
        mode: files_of(
            shop(tmp_path / mode, f'models = ["models"]\nmode = "{mode}"\nonline = false\n', 3)
        )
        for mode in ("dev", "prod")
    }
    assert plain["dev"] == plain["prod"]
    third = next(text for name, text in plain["dev"].items() if name.startswith("migrations/003_"))
    assert b"ALTER COLUMN price TYPE BIGINT" in third and b"no-transaction" not in third
    # and in a profile: [env.plain] online = false wins over the default
    profile = 'models = ["models"]\nmode = "prod"\n[env.plain]\nmode = "dev"\nonline = false\n'
    assert plain["dev"] == files_of(shop(tmp_path / "profile", profile, 3, env="plain"))


def test_the_whole_history_lints_clean_and_applies_on_a_fresh_prod_database(
    tmp_path: Path, pg_url: str
) -> None:
    # generated in dev (the default mode), applied with the prod profile
    root = shop(tmp_path / "shop", 'models = ["models"]\n[env.prod]\nmode = "prod"\n')
    # buildamp lint over every migration: warnings (drops, renames) but no error
    code, out, err = cli(root, "lint", "--format", "json")
    errors = [f for f in json.loads(out) if f["severity"] == "error"]
    assert (code, errors) == (0, []), err
    assert f"in {len(EVOLUTION)} files" in err
    # the prod plan on a fresh database: no lint error, and it knows which tables
    # earlier migrations of the plan create (nothing new counts as locked)
    prod = ("--env", "prod", "migrate", "--database-url", pg_url)
    code, out, err = cli(root, *prod, "--apply", "--dry-run", "--json")
    assert code == 0, err
    plan = json.loads(out)["migrations"]
    assert len(plan) == len(EVOLUTION)
    assert [[f for f in m["lint"] if f["severity"] == "error"] for m in plan] == [[]] * len(plan)
    assert [m["locks"] for m in plan] == [[]] * len(plan)
    assert tables(pg_url) == set()  # the dry run touched nothing
    code, out, err = cli(root, *prod, "--apply")
    assert code == 2 and "--yes" in err  # prod: the plan needs a confirmation
    code, out, err = cli(root, *prod, "--apply", "--yes")
    assert code == 0, err
    assert tables(pg_url) >= {"customers", "products", "orders", "order_lines", "suppliers"}
    code, out, err = cli(root, "drift", "--database-url", pg_url)
    assert code == 0, out + err
    assert cli(root, "migrate", "--check")[0] == 0


@pytest.mark.parametrize("online", ["", "online = false\n"])
def test_generate_and_apply_in_one_step_in_dev(tmp_path: Path, pg_url: str, online: str) -> None:
    """``migrate --generate --apply``: no prompt in dev, each step applied as it is
    written, whichever form the SQL takes."""
    root = tmp_path / "shop"
    write(root / "buildamp.toml", f'models = ["models"]\nmode = "dev"\n{online}')
    for number, (customer, product, order) in enumerate(EVOLUTION, start=1):
        write(root / "models" / "shop_domain.rs", HEAD + customer + product + order)
        code, out, err = cli(
            root,
            "migrate",
            "--generate",
            "--apply",
            "--allow-destructive",
            "--database-url",
            pg_url,
        )
        assert code == 0, out + err
        assert f"applied {number:03d}_" in out, out
    assert cli(root, "drift", "--database-url", pg_url)[0] == 0
    assert cli(root, "migrate", "--check")[0] == 0
