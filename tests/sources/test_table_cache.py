"""The table cache gives the same models as building from scratch, through small
edits (delta file), compaction and removed models."""

from __future__ import annotations

from pathlib import Path

import pytest

from buildamp.cache.store import DISABLE_ENV
from buildamp.cli.planning import load_models
from buildamp.files.config import load_config
from buildamp.sources import table_cache


def write_models(root: Path, count: int, extra: dict[int, str] | None = None) -> None:
    extra = extra or {}
    for i in range(count):
        field = f"    pub {extra[i]}: Option<i64>,\n" if i in extra else ""
        (root / "models" / f"m{i}_domain.rs").write_text(
            f"pub struct Model{i} {{\n    pub id: String,\n    #[migration(index = true)]\n"
            f"    pub name: String,\n{field}}}\n"
        )


def models_both_ways(root: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[object, object]:
    config = load_config(root)
    cached = load_models(config)
    with monkeypatch.context() as patch:
        patch.setenv(DISABLE_ENV, "1")
        fresh = load_models(config)
    return cached, fresh


def test_edits_use_the_delta_then_compact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "buildamp.toml").write_text('models = ["models"]\n')
    monkeypatch.setattr(table_cache, "COMPACT_AT", 3)
    write_models(tmp_path, 10)
    cached, fresh = models_both_ways(tmp_path, monkeypatch)
    assert cached == fresh
    main = tmp_path / table_cache.CACHE_FILE
    delta = main.with_name(main.name + table_cache.DELTA_SUFFIX)
    assert main.is_file() and not delta.exists()
    main_bytes = main.read_bytes()

    write_models(tmp_path, 10, {0: "added_a"})
    cached, fresh = models_both_ways(tmp_path, monkeypatch)
    assert cached == fresh
    assert delta.is_file() and main.read_bytes() == main_bytes  # one edit: delta only

    write_models(tmp_path, 10, {i: f"added_{i}" for i in range(6)})
    cached, fresh = models_both_ways(tmp_path, monkeypatch)
    assert cached == fresh
    assert main.read_bytes() != main_bytes and not delta.exists()  # compacted

    write_models(tmp_path, 4, {i: f"added_{i}" for i in range(4)})
    for path in (tmp_path / "models").glob("m*_domain.rs"):
        if int(path.stem[1:].split("_")[0]) >= 4:
            path.unlink()
    cached, fresh = models_both_ways(tmp_path, monkeypatch)
    assert cached == fresh
    assert len(table_cache._read(main)) + len(table_cache._read(delta)) <= 4 + 6


def test_corrupt_cache_files_are_misses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "buildamp.toml").write_text('models = ["models"]\n')
    write_models(tmp_path, 3)
    models_both_ways(tmp_path, monkeypatch)
    main = tmp_path / table_cache.CACHE_FILE
    main.write_bytes(b"\x80\x05garbage")
    main.with_name(main.name + table_cache.DELTA_SUFFIX).write_bytes(b"not a pickle")
    cached, fresh = models_both_ways(tmp_path, monkeypatch)
    assert cached == fresh
