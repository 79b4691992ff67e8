"""The parse cache is safe: whatever happens to the model files, the cache or the
buildamp version, a run with the cache gives exactly what a run without it gives."""

from __future__ import annotations

import os
import pickle
import random
from datetime import UTC, datetime
from pathlib import Path

import pytest

import buildamp
from buildamp.cache.store import DISABLE_ENV
from buildamp.cli.generate import generate
from buildamp.files.config import load_config
from buildamp.model.errors import ModelError
from buildamp.sources.decl import SourceFile
from buildamp.sources.discover import read_sources
from buildamp.sources.parse_cache import CACHE_DIR, SourceCache

NOW = datetime(2024, 12, 4, 10, 30, 15, tzinfo=UTC)


def model(name: str, fields: list[str], enum: str = "") -> str:
    body = "\n".join(f"    pub {field}," for field in fields)
    extra = f"pub enum {enum} {{ Low, High }}\n\n" if enum else ""
    return (
        f"{extra}#[derive(BuildAmpDomain)]\n"
        f'#[table(indexes = ["id, created_at DESC"])]\n'
        f"pub struct {name} {{\n    pub id: String,\n{body}\n    pub created_at: i64,\n}}\n"
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "buildamp.toml").write_text('models = ["models"]\n')
    for folder, name in (("a", "Alpha"), ("a", "Beta"), ("b", "Gamma")):
        path = tmp_path / "models" / folder / f"{name.lower()}_domain.rs"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(model(name, ["title: String", "score: i32"], enum=f"{name}Level"))
    return tmp_path


def outcome(project: Path, monkeypatch: pytest.MonkeyPatch, cached: bool) -> object:
    """What a run sees: the parsed files and the migration it would write (or the error)."""
    with monkeypatch.context() as patch:
        if not cached:
            patch.setenv(DISABLE_ENV, "1")
        config = load_config(project)
        try:
            sources = read_sources(config)
            result = generate(config, dry_run=True, now=NOW)
        except ModelError as error:
            return ("error", str(error))
        return sources, result.up_text, result.down_text


def assert_same(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Cached (twice: filling, then reading) equals uncached."""
    fresh = outcome(project, monkeypatch, cached=False)
    assert outcome(project, monkeypatch, cached=True) == fresh
    assert outcome(project, monkeypatch, cached=True) == fresh


def add_field(path: Path, name: str, rust_type: str) -> None:
    """Add ``name: rust_type`` after the first ``id`` (once per name)."""
    text = path.read_text()
    if f"pub {name}:" not in text:
        new_line = f"    pub id: String,\n    pub {name}: {rust_type},"
        path.write_text(text.replace("    pub id: String,", new_line, 1))


def entries(project: Path) -> list[Path]:
    folder = project / CACHE_DIR
    return sorted(folder.glob("*.pickle")) if folder.is_dir() else []


def test_second_run_reads_every_rust_file_from_the_cache(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert_same(project, monkeypatch)
    assert len(entries(project)) == 3
    cache = SourceCache.for_project(project)
    for path in sorted((project / "models").rglob("*.rs")):
        display = path.relative_to(project).as_posix()
        key = cache.key(path.read_bytes(), display, True)
        assert cache.get(key) is not None
    assert (project / ".buildamp" / "cache" / ".gitignore").read_text().endswith("*\n")


def test_editing_a_file_even_keeping_size_and_mtime(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert_same(project, monkeypatch)
    path = project / "models" / "a" / "alpha_domain.rs"
    stat = path.stat()
    path.write_text(path.read_text().replace("score: i32", "score: i64"))  # same size
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert_same(project, monkeypatch)
    assert "BIGINT" in str(outcome(project, monkeypatch, cached=True))


def test_renaming_moving_and_deleting_files(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert_same(project, monkeypatch)
    models = project / "models"
    (models / "a" / "beta_domain.rs").rename(models / "b" / "beta_domain.rs")  # moved
    assert_same(project, monkeypatch)
    # Renamed out of *_domain.rs: Gamma is no longer a model unless it says so.
    (models / "b" / "gamma_domain.rs").write_text(
        model("Gamma", ["title: String"]).replace("#[derive(BuildAmpDomain)]\n", "")
    )
    (models / "b" / "gamma_domain.rs").rename(models / "b" / "gamma.rs")
    assert_same(project, monkeypatch)
    (models / "a" / "alpha_domain.rs").unlink()
    assert_same(project, monkeypatch)
    sources = outcome(project, monkeypatch, cached=True)
    assert isinstance(sources, tuple)
    assert [s.path for s in sources[0]] == ["models/b/beta_domain.rs", "models/b/gamma.rs"]
    assert len(entries(project)) == 2  # entries of gone files are pruned


def test_identical_files_at_two_paths_keep_their_own_locations(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = (project / "models" / "a" / "alpha_domain.rs").read_text()
    (project / "models" / "b" / "copy_domain.rs").write_text(text)
    outcome(project, monkeypatch, cached=True)
    result = outcome(project, monkeypatch, cached=True)
    assert result == outcome(project, monkeypatch, cached=False)
    assert result == ("error", result[1]) and "two models map to table" in str(result)
    assert "models/b/copy_domain.rs" in str(result)


def test_a_new_buildamp_version_never_reads_old_entries(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert_same(project, monkeypatch)
    monkeypatch.setattr(buildamp, "__version__", "99.0.0")
    cache = SourceCache.for_project(project)
    path = project / "models" / "a" / "alpha_domain.rs"
    key = cache.key(path.read_bytes(), "models/a/alpha_domain.rs", True)
    assert cache.get(key) is None
    assert_same(project, monkeypatch)


def test_an_edited_reader_never_reads_old_entries(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import buildamp.sources.parse_cache as cache_module

    before = cache_module._fingerprint()
    monkeypatch.setattr(cache_module, "READER_VERSION", cache_module.READER_VERSION + 1)
    assert cache_module._fingerprint() != before


def test_corrupt_foreign_and_malicious_entries_are_misses(
    project: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert_same(project, monkeypatch)
    found = entries(project)
    found[0].write_bytes(found[0].read_bytes()[:20])  # truncated
    found[1].write_bytes(b"not a pickle")
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self) -> tuple[object, ...]:
            return (os.system, (f"touch {marker}",))

    found[2].write_bytes(pickle.dumps(("buildamp-source-cache", found[2].stem, Evil())))
    assert_same(project, monkeypatch)
    assert not marker.exists()


def test_an_entry_under_the_wrong_name_is_a_miss(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert_same(project, monkeypatch)
    first, second = entries(project)[:2]
    first.write_bytes(second.read_bytes())  # right format, other file's content
    cache = SourceCache.for_project(project)
    assert cache.get(first.stem) is None
    assert_same(project, monkeypatch)


def test_errors_are_the_same_and_never_cached(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = project / "models" / "b" / "gamma_domain.rs"  # read last
    path.write_text(path.read_text().replace("pub title: String,", "pub title: String"))
    assert_same(project, monkeypatch)
    result = outcome(project, monkeypatch, cached=True)
    assert isinstance(result, tuple) and result[0] == "error"
    assert "gamma_domain.rs:" in str(result[1])
    assert len(entries(project)) == 2


def test_an_unwritable_cache_is_not_used(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (project / ".buildamp").mkdir()
    (project / ".buildamp" / "cache").write_text("a file where the folder should be")
    assert_same(project, monkeypatch)


def test_deleting_the_cache_is_safe(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert_same(project, monkeypatch)
    import shutil

    shutil.rmtree(project / ".buildamp" / "cache")
    assert_same(project, monkeypatch)


@pytest.mark.parametrize("seed", range(4))
def test_random_edit_sequences_match_uncached_runs(
    project: Path, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    """Edits, renames, deletions, additions and version bumps in random order."""
    rng = random.Random(seed)
    types = ["String", "i32", "i64", "bool", "Option<String>", "f64"]
    counter = 0
    for _ in range(12):
        files = sorted((project / "models").rglob("*.rs"))
        action = rng.choice(["edit", "edit", "rename", "delete", "add", "version", "touch"])
        if action == "edit" and files:
            add_field(rng.choice(files), f"f{rng.randrange(4)}", rng.choice(types))
        elif action == "rename" and files:
            path = rng.choice(files)
            counter += 1
            path.rename(path.with_name(f"r{counter}_{path.name}"))
        elif action == "delete" and len(files) > 1:
            rng.choice(files).unlink()
        elif action == "add":
            counter += 1
            name = f"Added{counter}"
            (project / "models" / "b" / f"added{counter}_domain.rs").write_text(
                model(name, [f"v: {rng.choice(types)}"])
            )
        elif action == "version":
            monkeypatch.setattr(buildamp, "__version__", f"0.{counter}.{rng.randrange(9)}")
        elif action == "touch" and files:
            rng.choice(files).touch()
        assert_same(project, monkeypatch)


def test_cached_sources_are_equal_objects(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_config(project)
    first = read_sources(config)
    again = read_sources(config)
    assert again == first and all(isinstance(s, SourceFile) for s in again)
    assert again[0] is not first[0]  # really read back from disk
