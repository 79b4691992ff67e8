"""Issue 13 item 13: every exit-2 message names ``file:line:column:`` first.

The rule: buildamp prints each failure as one line, ``error: <message>``; for
exit code 2 the message starts with ``file:line:column: `` whenever a file is
at fault (a model, buildamp.toml or pyproject.toml, a migration or rollback
file, the schema state, a SQL file given to ``lint``). A file-level fault with
no better place (a file name, a missing file's twin) points at ``1:1``. Only
errors about the command line itself, where no file is involved (an unknown
``--targets`` name, ``--resolve`` of an unknown version, a folder given with
``-C`` that does not exist), carry no position: they are listed in
``FLAG_ONLY`` below and checked to be one clear line all the same.

Every message is also checked never to name an internal class (``ChangeStorage``,
``ModelError``, ...) and, for Python models, never to use Rust syntax."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from buildamp.cli.main import main

LOCATED = re.compile(r"^[^:\s]+:\d+:\d+: ")
# class names of ours a message must never show (plain words are fine)
INTERNAL = re.compile(
    r"\b(?:ChangeStorage|AddColumn|DropColumn|AlterColumn|RenameColumn|CreateTable|"
    r"DropTable|StructDecl|FieldDecl|TypeRef|ModelError|ConfigError|StateError|"
    r"PlanError|BuildampError|InternalError|KeyError|AttributeError|TypeError)\b"
)

RS = "models/things_domain.rs"
PY = "models/things.py"
ELM = "models/Schema/Thing.elm"
PY_HEAD = "from dataclasses import dataclass\nfrom buildamp import domain, migration\n"
PY_ANN = PY_HEAD + "from typing import Annotated\n"
ELM_HEAD = (
    "module Schema.Thing exposing (Thing)\n\n"
    "import Interface.Schema exposing (DatabaseId, MultiTenant)\n\n\n"
)
MIGRATION_OK = "BEGIN;\nSELECT 1;\nCOMMIT;\n"

# name: (files to write, command line, text the message must hold)
Case = tuple[dict[str, str | bytes], tuple[str, ...], str]
CASES: dict[str, Case] = {
    # --- Rust models ---
    "rust_syntax": ({RS: "pub struct Thing { pub id: String\n"}, ("migrate",), "syntax"),
    "rust_unknown_type": (
        {RS: "pub struct Thing { pub id: String, pub x: Gizmo }\n"},
        ("migrate",),
        "Gizmo",
    ),
    "rust_unknown_option": (
        {RS: "pub struct Thing { pub id: String, #[migration(bogus = 1)] pub n: i32 }\n"},
        ("migrate",),
        "bogus",
    ),
    "rust_option_wrong_value": (
        {RS: 'pub struct Thing { pub id: String, #[migration(index = "yes")] pub n: i32 }\n'},
        ("migrate",),
        "index",
    ),
    "rust_misspelled_attribute": (
        {RS: "#[migraton(confirm_destructive = true)]\npub struct Thing { pub id: String }\n"},
        ("migrate",),
        "did you mean",
    ),
    "rust_newline_in_name": (
        {RS: '#[table(name = "a\\nDROP TABLE x; --")]\npub struct Thing { pub id: String }\n'},
        ("migrate",),
        "U+000A",
    ),
    "rust_two_models_one_table": (
        {
            RS: '#[table(name = "t")]\npub struct A { pub id: String }\n'
            '#[table(name = "t")]\npub struct B { pub id: String }\n'
        },
        ("migrate",),
        "two models map to table",
    ),
    "rust_marked_without_id": (
        {RS: "#[derive(BuildAmpDomain)]\npub struct Thing { pub n: i32 }\n"},
        ("migrate",),
        "add an `id` field",
    ),
    "rust_bad_default": (
        {RS: "pub struct Thing { pub id: String, #[migration(default = \"'x'\")] pub n: i32 }\n"},
        ("migrate",),
        "INTEGER",
    ),
    "rust_bad_index_expression": (
        {RS: '#[table(indexes = ["lower(("])]\npub struct Thing { pub id: String }\n'},
        ("migrate",),
        "index",
    ),
    # --- Python models ---
    "python_syntax": ({PY: PY_HEAD + "class (:\n"}, ("migrate",), "syntax"),
    "python_import_raises": (
        {PY: PY_HEAD + "raise RuntimeError('no database here')\n"},
        ("migrate",),
        "no database here",
    ),
    "python_unknown_type": (
        {PY: PY_HEAD + "@domain\n@dataclass\nclass Thing:\n    id: str\n    x: 'Gizmo'\n"},
        ("migrate",),
        "Gizmo",
    ),
    "python_unknown_domain_option": (
        {PY: PY_HEAD + "@domain(bogus=1)\n@dataclass\nclass Thing:\n    id: str\n"},
        ("migrate",),
        "bogus",
    ),
    "python_domain_not_dataclass": (
        {PY: PY_HEAD + "@domain\nclass Thing:\n    id: str\n"},
        ("migrate",),
        "dataclass",
    ),
    "python_bad_default": (
        {
            PY: PY_ANN + "@domain\n@dataclass\nclass Thing:\n    id: str\n"
            "    n: Annotated[int, migration(default=\"'x'\")]\n"
        },
        ("migrate",),
        "not a valid",
    ),
    "python_marked_without_id": (
        {PY: PY_HEAD + "@domain\n@dataclass\nclass Thing:\n    n: int\n"},
        ("migrate",),
        "remove @domain",
    ),
    "python_domain_on_function": (
        {PY: PY_HEAD + "@domain\ndef thing() -> None:\n    pass\n"},
        ("migrate",),
        "is a function",
    ),
    "python_two_models_one_table": (
        {
            PY: PY_HEAD + '@domain(table="t")\n@dataclass\nclass A:\n    id: str\n\n'
            '@domain(table="t")\n@dataclass\nclass B:\n    id: str\n'
        },
        ("migrate",),
        "two models map to table",
    ),
    # --- Elm models ---
    "elm_syntax": (
        {ELM: ELM_HEAD + "type alias Thing =\n    { id : DatabaseId String\n"},
        ("migrate",),
        "",
    ),
    "elm_table_without_key": (
        {ELM: ELM_HEAD + "{-| @table indexes=[] -}\ntype alias Thing =\n    { n : Int }\n"},
        ("migrate",),
        "no primary key",
    ),
    "elm_unknown_tag_option": (
        {
            ELM: ELM_HEAD
            + "type alias Thing =\n    { id : DatabaseId String\n    , n : Int -- @bogus\n    }\n"
        },
        ("migrate",),
        "bogus",
    ),
    # --- config ---
    "config_toml_syntax": ({"buildamp.toml": 'mode = "dev"\nmode = = 1\n'}, ("migrate",), "TOML"),
    "config_unknown_key": ({"buildamp.toml": 'mode = "dev"\nmdoe = 1\n'}, ("migrate",), "mdoe"),
    "config_nan": ({"buildamp.toml": "batch_pause = nan\n"}, ("migrate",), "finite"),
    "config_target_unknown_key": (
        {"buildamp.toml": '[[targets]]\nname = "a"\ndatabase_url = "postgresql://x/y"\nurl = 1\n'},
        ("migrate", "--status", "--targets", "all"),
        "unknown key 'url'",
    ),
    "config_target_bad_name": (
        {"buildamp.toml": '[[targets]]\nname = "a b"\ndatabase_url = "postgresql://x/y"\n'},
        ("migrate", "--status", "--targets", "all"),
        "needs a name",
    ),
    "config_target_both_urls": (
        {
            "buildamp.toml": '[[targets]]\nname = "a"\ndatabase_url = "postgresql://x/y"\n'
            'database_url_env = "X"\n'
        },
        ("migrate", "--status", "--targets", "all"),
        "database_url",
    ),
    "config_target_duplicate": (
        {
            "buildamp.toml": '[[targets]]\nname = "a"\ndatabase_url = "postgresql://x/y"\n\n'
            '[[targets]]\nname = "a"\ndatabase_url = "postgresql://x/z"\n'
        },
        ("migrate", "--status", "--targets", "all"),
        "'a'",
    ),
    "config_target_env_unset": (
        {
            "buildamp.toml": '[[targets]]\nname = "a"\n'
            'database_url_env = "BUILDAMP_TEST_SURELY_UNSET"\n'
        },
        ("migrate", "--status", "--targets", "all"),
        "is not set",
    ),
    "config_edited_before_adopt": (
        {"buildamp.toml": 'mode = "dev"\n'},
        ("init", "--from-database", "{pg_url}"),
        "was edited",
    ),
    "config_webhook_timeout_inf": (
        {"buildamp.toml": '[[webhooks]]\nurl = "https://x"\ntimeout = inf\n'},
        ("migrate",),
        "finite",
    ),
    "pyproject_unknown_key": (
        {"pyproject.toml": '[project]\nname = "x"\n\n[tool.buildamp]\nmdoe = 1\n'},
        ("migrate",),
        "mdoe",
    ),
    # --- migration files ---
    "migration_nul_byte": (
        {"migrations/001_a.sql": b"BEGIN;\nSELECT 1;\x00\nCOMMIT;\n"},
        ("migrate", "--apply", "--database-url", "{pg_url}"),
        "NUL",
    ),
    "migration_rollback_inside": (
        {"migrations/001_a.sql": "BEGIN;\nSELECT 1;\nROLLBACK;\nSELECT 2;\nCOMMIT;\n"},
        ("migrate", "--apply", "--database-url", "{pg_url}"),
        "ROLLBACK",
    ),
    "migration_two_digits": (
        {"migrations/01_a.sql": MIGRATION_OK},
        ("migrate", "--apply", "--database-url", "{pg_url}"),
        "001_a.sql",
    ),
    "migration_duplicate_version": (
        {"migrations/001_a.sql": MIGRATION_OK, "migrations/001_b.sql": MIGRATION_OK},
        ("migrate", "--apply", "--database-url", "{pg_url}"),
        "001",
    ),
    "migration_sql_syntax": (
        {"migrations/001_a.sql": "BEGIN;\nSELEC 1;\nCOMMIT;\n"},
        ("migrate", "--apply", "--database-url", "{pg_url}"),
        "syntax",
    ),
    "lint_rollback_file_unbalanced": (
        {"migrations/rollback/001_rollback.sql": "BEGIN;\nSELECT 1;\n"},
        ("lint", "migrations/rollback/001_rollback.sql"),
        "COMMIT",
    ),
    "schema_state_corrupt": (
        {".buildamp/schema_state.json": '{"tables": [\n  {"name": 1}\n'},
        ("migrate",),
        "schema_state.json",
    ),
    # --- command-line arguments that name files ---
    "lint_file_with_nul": (
        {"bad.sql": b"SELECT 1;\x00 DROP TABLE x;\n"},
        ("lint", "bad.sql"),
        "NUL",
    ),
    "lint_sql_syntax": ({"bad.sql": "SELECT 1;\nSELEC 2;\n"}, ("lint", "bad.sql"), "syntax"),
}

# command-line errors that involve no file: one line, no position
FLAG_ONLY: dict[str, tuple[tuple[str, ...], str]] = {
    "targets_unknown": (("migrate", "--status", "--targets", "nope"), "unknown target"),
    "targets_empty": (("migrate", "--status", "--targets", ","), "--targets"),
    "resolve_unknown_version": (("migrate", "--resolve", "999", "--applied"), "999"),
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "app"
    root.mkdir()
    result = CliRunner().invoke(main, ["-C", str(root), "init"], env={})
    assert result.exit_code == 0, result.output
    return root


def _write(root: Path, files: dict[str, str | bytes]) -> None:
    for name, body in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if name in ("buildamp.toml", "pyproject.toml"):
            (root / "buildamp.toml").unlink()
        if isinstance(body, bytes):
            path.write_bytes(body)
        else:
            path.write_text(body, encoding="utf-8")


def _first_line(root: Path, args: tuple[str, ...], pg_url: str) -> tuple[int, str]:
    line = [a.replace("{pg_url}", pg_url) for a in args]
    result = CliRunner().invoke(main, ["-C", str(root), *line], env={"CI": "1"})
    lines = result.stderr.splitlines()
    return result.exit_code, lines[0] if lines else ""


@pytest.mark.parametrize("case", sorted(CASES))
def test_exit2_message_starts_with_file_line_column(
    case: str, project: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    files, args, words = CASES[case]
    _write(project, files)
    monkeypatch.chdir(project)  # `lint bad.sql` names a file relative to here
    code, first = _first_line(project, args, pg_url)
    assert code == 2, first
    assert first.startswith("error: "), first
    message = first.removeprefix("error: ")
    assert LOCATED.match(message), f"{case}: no file:line:column: {first}"
    assert words.lower() in message.lower(), first
    assert not INTERNAL.search(message), first
    if any(name.endswith(".py") for name in files):
        assert "#[" not in message, first  # Python users are told Python syntax


@pytest.mark.parametrize("case", sorted(FLAG_ONLY))
def test_command_line_errors_are_one_clear_line(case: str, project: Path, pg_url: str) -> None:
    with (project / "buildamp.toml").open("a") as config:
        config.write('\n[[targets]]\nname = "a"\ndatabase_url = "postgresql://x/y"\n')
    args, words = FLAG_ONLY[case]
    code, first = _first_line(project, (*args, "--database-url", pg_url), pg_url)
    if "--targets" in args:  # --targets and --database-url do not mix: check alone
        code, first = _first_line(project, args, pg_url)
    assert code == 2, first
    assert first.startswith("error: ") and words in first, first
    assert not INTERNAL.search(first), first


def test_the_table_is_broad() -> None:
    """At least 25 distinct bad inputs, across every kind of file."""
    assert len(CASES) >= 25
    kinds = {name.split("_")[0] for name in CASES}
    assert {"rust", "python", "elm", "config", "pyproject", "migration", "lint"} <= kinds


def test_a_refusal_of_the_renderer_points_at_the_model(project: Path, pg_url: str) -> None:
    """The renderer knows no model files: its refusal (online, a type-change copy
    in the migration that renames the table) is pointed at the table's model."""
    _write(project, {RS: "pub struct Item {\n    pub id: String,\n    pub qty: i32,\n}\n"})
    assert _first_line(project, ("migrate",), pg_url)[0] == 0
    _write(
        project,
        {
            RS: '#[table(name = "things", rename_from = "items")]\npub struct Item {\n'
            "    pub id: String,\n"
            '    #[migration(convert_sql = "(%s)::bigint")]\n    pub qty: i64,\n}\n'
        },
    )
    code, first = _first_line(project, ("migrate",), pg_url)
    assert code == 2, first
    assert first.startswith(f"error: {RS}:"), first
    assert LOCATED.match(first.removeprefix("error: ")), first
    assert "cannot roll back a copy of things.qty" in first, first
