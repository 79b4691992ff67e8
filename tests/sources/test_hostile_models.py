"""Issue 13 items 10 and 12 (the non-config parts): input that used to be a
traceback, exit 4 or silently ignored is refused with exit 2 and
``file:line:column:``; generate refuses what apply would reject."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from buildamp.cli.main import main


def run(project: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["-C", str(project), *args], env={})
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "app"
    root.mkdir()
    assert run(root, "init")[0] == 0
    return root


RUST = "models/a_domain.rs"
PY = "models/a.py"
PY_HEAD = "from dataclasses import dataclass\nfrom buildamp import domain\n"

CASES: dict[str, tuple[str, str, str, str]] = {
    # name: (file, source, expected location prefix, words in the message)
    "sql_type_collate": (
        RUST,
        'pub struct T { pub id: String, #[migration(sql_type = "text COLLATE \\"C\\"")] '
        "pub n: String }\n",
        f"{RUST}:1:",
        "not a single PostgreSQL type",
    ),
    "sql_type_operator": (
        RUST,
        'pub struct T { pub id: String, #[migration(sql_type = "int + 1")] pub n: i32 }\n',
        f"{RUST}:1:",
        "not a single PostgreSQL type",
    ),
    "sql_type_setof": (
        RUST,
        'pub struct T { pub id: String, #[migration(sql_type = "SETOF text")] pub n: String }\n',
        f"{RUST}:1:",
        "not a column type",
    ),
    "misspelled_migration": (
        RUST,
        "#[migraton(confirm_destructive = true)]\npub struct T { pub id: String }\n",
        f"{RUST}:1:3:",
        "did you mean #[migration(...)]",
    ),
    "misspelled_table": (
        RUST,
        '#[tabel(name = "x")]\npub struct T { pub id: String }\n',
        f"{RUST}:1:3:",
        "did you mean #[table(...)]",
    ),
    "empty_table_name": (
        RUST,
        '#[table(name = "")]\npub struct T { pub id: String }\n',
        f"{RUST}:1:",
        "table name is empty",
    ),
    "own_table_name": (
        RUST,
        '#[table(name = "buildamp_migrations")]\npub struct T { pub id: String }\n',
        f"{RUST}:",
        "buildamp's own history table",
    ),
    "subquery_default": (
        RUST,
        'pub struct T { pub id: String, #[migration(default = "(SELECT 1)")] pub n: i32 }\n',
        f"{RUST}:1:",
        "subquery",
    ),
    "column_in_default": (  # PostgreSQL refuses it at apply: refused at generate
        RUST,
        'pub struct T { pub id: String, #[migration(default = "active")] pub n: String }\n',
        f"{RUST}:1:",
        "holds a column name",
    ),
    "wrong_type_default": (
        RUST,
        "pub struct T { pub id: String, #[migration(default = \"'abc'\")] pub n: i32 }\n",
        f"{RUST}:1:",
        "is not a valid INTEGER",
    ),
    "enum_named_like_table": (
        RUST,
        'pub enum Thing { A, B }\n#[table(name = "thing")]\n'
        "pub struct Other { pub id: String, pub k: Thing }\n",
        f"{RUST}:1:",
        "row type",
    ),
    "duplicate_enum_values": (
        RUST,
        "pub enum K { A, B, A }\npub struct T { pub id: String, pub k: K }\n",
        f"{RUST}:1:",
        "twice",
    ),
    "long_enum_value": (
        RUST,
        "pub enum K { " + "A" * 64 + ", B }\npub struct T { pub id: String, pub k: K }\n",
        f"{RUST}:1:",
        "at most 63",
    ),
    "deeply_nested_mods": (
        RUST,
        "mod a {" * 3000 + "pub struct T { pub id: String }" + "}" * 3000 + "\n",
        f"{RUST}:1:1:",
        "nested too deeply",
    ),
    "python_base_exception": (
        PY,
        PY_HEAD + "raise BaseException('boom')\n",
        f"{PY}:3:",
        "BaseException: boom",
    ),
    "python_generator_exit": (PY, "raise GeneratorExit()\n", f"{PY}:1:", "GeneratorExit"),
    "python_metaclass": (
        PY,
        "class M(type):\n    def __new__(m, *a):\n        raise RuntimeError('meta')\n"
        "class X(metaclass=M):\n    pass\n",
        f"{PY}:",
        "RuntimeError: meta",
    ),
    "python_domain_on_function": (
        PY,
        PY_HEAD + "@domain\ndef f() -> None:\n    pass\n",
        f"{PY}:3:",
        "is a function",
    ),
    # marked as a table but without a key: an error, not a silent value type
    "rust_derive_domain_without_id": (
        RUST,
        "#[derive(BuildAmpDomain)]\npub struct Address { pub street: String }\n",
        f"{RUST}:2:12:",
        "add an `id` field (or #[table(primary_key = [...])]), or remove #[derive(BuildAmpDomain)]",
    ),
    "rust_buildamp_domain_without_id": (
        "models/plain.rs",
        "#[buildamp_domain]\nstruct Address { street: String }\n",
        "models/plain.rs:2:8:",
        "or remove #[buildamp_domain]",
    ),
    "rust_table_attribute_without_id": (
        RUST,
        '#[table(name = "addresses")]\npub struct Address { pub street: String }\n',
        f"{RUST}:2:12:",
        "or remove #[table(...)]",
    ),
    "python_domain_without_id": (
        PY,
        PY_HEAD + "@domain\n@dataclass\nclass Address:\n    street: str\n",
        f"{PY}:5:7:",
        "add an `id` field (or @domain(primary_key=[...])), or remove @domain",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_model_is_refused_with_location(case: str, project: Path) -> None:
    name, source, where, words = CASES[case]
    (project / name).write_text(source, encoding="utf-8")
    code, out, err = run(project, "migrate")
    assert code == 2, (out, err)
    assert err.startswith(f"error: {where}"), err
    assert words in err and "Traceback" not in err
    if name.endswith(".py"):
        assert "#[" not in err  # Python users are told Python syntax
    assert not list((project / "migrations").glob("0*.sql"))


def test_two_digit_migration_name_is_an_error(project: Path, pg_url: str) -> None:
    (project / "migrations" / "01_hand.sql").write_text("SELECT 1;\n")
    code, _, err = run(project, "migrate", "--apply", "--database-url", pg_url)
    assert code == 2 and "migrations/01_hand.sql" in err and "001_hand.sql" in err
    code, out, _ = run(project, "migrate", "--check")
    assert code == 1 and "fewer than 3 digits" in out


def test_audit_log_on_a_full_disk_warns_and_carries_on(project: Path) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    config = project / "buildamp.toml"  # top-level keys go before any [env.*] table
    config.write_text('\naudit_log = "/dev/full"\n' + "\n" + config.read_text())
    (project / RUST).write_text("pub struct T { pub id: String }\n")
    code, out, err = run(project, "migrate")
    assert code == 0, err
    assert "warning: cannot write the audit log" in err
    assert "wrote migrations/001_create_ts.sql" in out


def test_python_users_get_python_syntax_for_a_reserved_table_name(project: Path) -> None:
    (project / PY).write_text(
        PY_HEAD + '@domain(table="buildamp_migrations")\n@dataclass\nclass T:\n    id: str\n'
    )
    code, _, err = run(project, "migrate")
    assert code == 2 and '@domain(table="...")' in err and "#[" not in err
