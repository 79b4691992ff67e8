"""The Rust crates (rust/), the example workspace and the golden models under rustc.

Needs ``cargo`` on PATH (skipped otherwise). Everything builds offline into one
shared target directory, so the crates compile once for the whole module.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CRATES = ROOT / "rust"
EXAMPLE = ROOT / "examples" / "rust-workspace"
GOLDEN = ROOT / "tests" / "golden"

CARGO = shutil.which("cargo")
pytestmark = pytest.mark.skipif(
    CARGO is None,
    reason="cargo is not on PATH (apt-get install cargo, or rustup); the Rust crates are not built",
)

# Third-party crates the golden models name, as offline stand-ins that only
# declare the names used (the real crates would need a registry).
STUBS: dict[str, str] = {
    "serde_json": "pub enum Value {}\n",
    "chrono": (
        "pub struct Utc;\n"
        "pub struct DateTime<Tz>(pub Tz);\n"
        "pub struct NaiveDateTime;\n"
        "pub struct NaiveDate;\n"
    ),
    "uuid": "pub struct Uuid;\n",
    "rust_decimal": "pub struct Decimal;\n",
}
SERDE_STUB = """\
//! Offline stand-in for serde's derives: they accept `#[serde(...)]` and expand to nothing.
use proc_macro::TokenStream;

#[proc_macro_derive(Serialize, attributes(serde))]
pub fn serialize(_: TokenStream) -> TokenStream {
    TokenStream::new()
}

#[proc_macro_derive(Deserialize, attributes(serde))]
pub fn deserialize(_: TokenStream) -> TokenStream {
    TokenStream::new()
}
"""


def cargo(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    assert CARGO is not None
    return subprocess.run(
        [CARGO, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def must(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, f"{result.args} failed:\n{result.stdout}\n{result.stderr}"
    return result


def rust_string(value: object) -> str:
    """A Rust string literal (JSON escapes are valid Rust for paths)."""
    return json.dumps(str(value))


@pytest.fixture(scope="module")
def cargo_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Offline, one shared target dir, and no launcher settings from the caller."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BUILDAMP_")}
    env["CARGO_TARGET_DIR"] = str(tmp_path_factory.mktemp("cargo-target"))
    env["CARGO_NET_OFFLINE"] = "true"
    env["CARGO_TERM_COLOR"] = "never"
    return env


@pytest.fixture(scope="module")
def stubs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("stubs")
    crates = {name: (source, "") for name, source in STUBS.items()}
    crates["serde"] = (SERDE_STUB, "\n[lib]\nproc-macro = true\n")
    for name, (source, extra) in crates.items():
        (root / name / "src").mkdir(parents=True)
        (root / name / "Cargo.toml").write_text(
            f'[package]\nname = "{name}"\nversion = "0.0.0"\nedition = "2021"\n{extra}'
        )
        (root / name / "src" / "lib.rs").write_text(source)
    return root


def scratch_crate(root: Path, lib_rs: str, stubs: Path) -> Path:
    """A library crate depending on buildamp (and the stubs) by path."""
    root.mkdir(parents=True)
    deps = [f"buildamp = {{ path = {rust_string(CRATES / 'buildamp')} }}"]
    deps += [f"{name} = {{ path = {rust_string(stubs / name)} }}" for name in [*STUBS, "serde"]]
    (root / "Cargo.toml").write_text(
        '[package]\nname = "scratch"\nversion = "0.0.0"\nedition = "2021"\n\n'
        "[dependencies]\n" + "\n".join(deps) + "\n\n[workspace]\n"
    )
    (root / "src").mkdir()
    (root / "src" / "lib.rs").write_text(
        "#![allow(dead_code)]\n#[macro_use]\nextern crate buildamp;\n\n" + lib_rs
    )
    return root


def model_sets() -> dict[str, list[Path]]:
    """Each golden model folder (a case, or one step of a case) -> its .rs files."""
    sets: dict[str, list[Path]] = {}
    for models in sorted([*GOLDEN.glob("*/models"), *GOLDEN.glob("*/steps/*/models")]):
        files = sorted(models.rglob("*.rs"))
        if files:
            sets[models.parent.relative_to(GOLDEN).as_posix()] = files
    return sets


def module_name(case: str) -> str:
    return "case_" + re.sub(r"\W", "_", case)


def models_module(case: str, files: list[Path], sources: dict[Path, str]) -> str:
    """One module per folder, one submodule per file. Each file sees the others'
    items, as buildamp does (an alias defined in one file, used in another)."""
    lines = [f"pub mod {module_name(case)} {{"]
    names: set[str] = set()
    for file in files:
        name = re.sub(r"\W", "_", file.stem)
        while name in names:  # models/a/x.rs and models/b/x.rs
            name += "_"
        names.add(name)
        lines.append(f"    pub use self::{name}::*;")
        lines.append(f"    pub mod {name} {{")
        lines.append("        #[allow(unused_imports)]\n        use super::*;")
        lines.append(f"        include!({rust_string(sources[file])});")
        lines.append("    }")
    lines.append("}\n")
    return "\n".join(lines)


def errors(result: subprocess.CompletedProcess[str]) -> list[tuple[str, str]]:
    """(file, message) of every rustc error at a place in ``--message-format=json`` output."""
    found = []
    for line in result.stdout.splitlines():
        if not line.startswith("{"):
            continue
        event = json.loads(line)
        message = event.get("message") or {}
        if event.get("reason") == "compiler-message" and message.get("level") == "error":
            spans = [s for s in message["spans"] if s["is_primary"]]
            if spans:  # not a summary such as "aborting due to previous error"
                found.append((spans[0]["file_name"], message["message"]))
    return found


def test_crates_build_and_pass_their_tests(cargo_env: dict[str, str]) -> None:
    build = must(cargo(["build", "--offline", "--all-targets"], CRATES, cargo_env))
    assert "warning" not in build.stderr, build.stderr
    must(cargo(["test", "--offline", "-q"], CRATES, cargo_env))


def test_golden_models_compile(cargo_env: dict[str, str], stubs: Path, tmp_path: Path) -> None:
    """What buildamp reads, rustc accepts: every golden model folder, as written."""
    sets = model_sets()
    sources = {file: str(file) for files in sets.values() for file in files}
    all_sets = "\n".join(models_module(case, files, sources) for case, files in sets.items())
    crate = scratch_crate(tmp_path / "all", all_sets, stubs)
    must(cargo(["build", "--offline", "--message-format=short"], crate, cargo_env))


def test_rustc_rejects_an_unknown_type(
    cargo_env: dict[str, str], stubs: Path, tmp_path: Path
) -> None:
    model = tmp_path / "typo_domain.rs"
    model.write_text(
        "#[derive(BuildAmpDomain)]\npub struct Typo {\n    pub id: String,\n    pub score: Integr,\n}\n"
    )
    lib_rs = models_module("typo", [model], {model: str(model)})
    crate = scratch_crate(tmp_path / "typo", lib_rs, stubs)
    result = cargo(["check", "--offline", "--message-format=json"], crate, cargo_env)
    assert result.returncode != 0
    assert errors(result) == [(str(model), "cannot find type `Integr` in this scope")]


@pytest.fixture(scope="module")
def example(cargo_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A copy of examples/rust-workspace, built, with its path dependency made absolute."""
    copy = tmp_path_factory.mktemp("example") / "rust-workspace"
    shutil.copytree(
        EXAMPLE,
        copy,
        ignore=shutil.ignore_patterns("target", "Cargo.lock", ".buildamp", "migrations"),
    )
    manifest = copy / "Cargo.toml"
    text = manifest.read_text()
    assert 'path = "../../rust/buildamp"' in text
    manifest.write_text(text.replace('"../../rust/buildamp"', rust_string(CRATES / "buildamp")))
    must(cargo(["build", "--offline"], copy, cargo_env))
    yield copy


def test_cargo_run_migrate(example: Path, cargo_env: dict[str, str], pg_url: str) -> None:
    import psycopg

    env = {**cargo_env, "BUILDAMP_PYTHON": sys.executable, "BUILDAMP_DATABASE_URL": pg_url}

    def tables() -> set[str]:
        with psycopg.connect(pg_url) as conn:
            rows = conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            ).fetchall()
        return {row[0] for row in rows} & {"users", "comments"}

    # Exactly the README's commands: cargo hands `migrate --generate` to the binary.
    must(cargo(["run", "--bin", "buildamp", "migrate", "--generate"], example, env))
    assert sorted(p.name for p in (example / "migrations").glob("*.sql")) == [
        "001_create_comments_users.sql"
    ]
    assert (example / "migrations" / "rollback" / "001_rollback.sql").is_file()
    must(cargo(["run", "--bin", "buildamp", "migrate", "--apply"], example, env))
    assert tables() == {"users", "comments"}
    must(cargo(["run", "--bin", "buildamp", "migrate", "--rollback"], example, env))
    assert tables() == set()
    # The CLI's exit code comes back through cargo run.
    bad = cargo(["run", "--bin", "buildamp", "migrate", "--no-such-flag"], example, env)
    assert bad.returncode == 2, bad.stderr


@pytest.fixture(scope="module")
def launcher(example: Path, cargo_env: dict[str, str]) -> Path:
    """The example's `src/bin/buildamp.rs`, built by the ``example`` fixture."""
    return Path(cargo_env["CARGO_TARGET_DIR"]) / "debug" / "buildamp"


def test_cli_main_without_buildamp(
    launcher: Path, cargo_env: dict[str, str], tmp_path: Path
) -> None:
    env = {**cargo_env, "PATH": str(tmp_path)}  # no buildamp, BUILDAMP_PYTHON unset
    result = subprocess.run([launcher, "migrate"], env=env, capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert "pip install buildamp" in line and "BUILDAMP_PYTHON" in line


def test_cli_main_runs_buildamp_from_path(
    launcher: Path, cargo_env: dict[str, str], tmp_path: Path
) -> None:
    fake = tmp_path / "buildamp"
    fake.write_text('#!/bin/sh\necho "args: $*"\nexit 7\n')
    fake.chmod(0o755)
    env = {**cargo_env, "PATH": f"{tmp_path}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(
        [launcher, "migrate", "--generate", "two words"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert (result.returncode, result.stdout) == (7, "args: migrate --generate two words\n")
