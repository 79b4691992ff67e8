"""Finding model files (sources/discover.py) and showing their paths
(Config.display_all): the fast forms agree with the plain definitions (a walk
with ``os.walk`` and ``os.path.isfile``; ``Path.resolve`` per file), links
included."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from buildamp.files.config import Config
from buildamp.sources.discover import SKIP_DIRS, model_file_names, model_files


def _tree(root: Path, outside: Path) -> None:
    for relative in (
        "models/a.rs",
        "models/b/c.py",
        "models/b/d/e.elm",
        "models/target/skipped.rs",
        "models/.venv/skipped.py",
        "models/notes.txt",
        "models/z/y.rs",
    ):
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text("", encoding="utf-8")
    (root / "models/folder.rs").mkdir()  # a folder with a model's suffix
    (outside / "elsewhere").mkdir()
    (outside / "elsewhere/far.rs").write_text("", encoding="utf-8")
    (outside / "single.rs").write_text("", encoding="utf-8")
    os.symlink(outside / "elsewhere", root / "models/linked_folder")  # not followed
    os.symlink(outside / "single.rs", root / "models/linked.rs")  # a file: listed
    os.symlink(root / "models/a.rs", root / "models/b/inside.rs")  # a file inside
    os.symlink(outside / "missing.rs", root / "models/broken.rs")  # no file: skipped


def _plain_walk(root: Path) -> list[Path]:
    found: list[tuple[list[str], Path]] = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS]
        for name in names:
            path = Path(folder) / name
            if path.suffix in (".rs", ".py", ".elm") and os.path.isfile(path):
                found.append((list(path.relative_to(root).parts), path))
    return [path for _, path in sorted(found, key=lambda item: item[0])]


def test_model_files_are_what_a_plain_walk_finds(tmp_path: Path) -> None:
    root, outside = tmp_path / "project", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    _tree(root, outside)
    config = Config(project_dir=root, models=("models",))
    found = model_files(config)
    assert found == _plain_walk(root / "models")
    names = [p.relative_to(root / "models").as_posix() for p in found]
    assert "linked.rs" in names and "b/inside.rs" in names
    assert not any(n.startswith(("target/", ".venv/", "linked_folder/")) for n in names)
    assert "broken.rs" not in names and "folder.rs" not in names


@pytest.mark.parametrize("relative_project", [False, True])
def test_display_all_is_display_by_full_resolve(
    tmp_path: Path, relative_project: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, outside = tmp_path / "project", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    _tree(root, outside)
    os.symlink(outside, root / "models/out")  # a folder link: its files show outside
    project = root
    if relative_project:
        monkeypatch.chdir(tmp_path)
        project = Path("project")
    config = Config(project_dir=project, models=("models",))
    paths = [
        *model_files(config),
        project / "models/out/single.rs",
        project / "models/b/../a.rs",
        project / "models/b/..",
        project / "models/never_written.rs",
        tmp_path / "outside/single.rs",
    ]

    def by_resolve(path: Path) -> str:
        folder = config.project_dir.resolve()
        try:
            return path.resolve().relative_to(folder).as_posix()
        except ValueError:
            return str(path)

    shown = config.display_all(paths)
    assert shown == [by_resolve(p) for p in paths]
    assert [config.display(p) for p in paths] == shown
    assert config.display(project / "models/linked.rs") == str(project / "models/linked.rs")
    assert config.display(project / "models/b/inside.rs") == "models/a.rs"


@pytest.mark.parametrize("folders", [("models",), ("./models/",), (".",), ("models/b", "models/z")])
def test_model_file_names_are_the_paths_keys_and_strings(
    tmp_path: Path, folders: tuple[str, ...]
) -> None:
    """The model index's string listing: each file's key (relative to the
    project, ``/``-separated) and path, exactly as ``model_files`` gives them."""
    root, outside = tmp_path / "project", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    _tree(root, outside)
    config = Config(project_dir=root, models=folders)
    expected = [(p.relative_to(root).as_posix(), str(p)) for p in model_files(config)]
    assert expected  # the tree has model files under every folder tried
    assert model_file_names(config) == expected
