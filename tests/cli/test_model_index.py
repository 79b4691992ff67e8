"""The model index's no-change answer (cli/model_index.py): it reads no more than
it must, and every shortcut it takes stays correct. The state file is
recognised by a recorded stat (size, mtime, ctime, inode) once that stat is
settled, like model files; a stat that could hide a write, a corrupt record, a
corrupt index and a branch switch are all misses that read and hash again."""

from __future__ import annotations

import dataclasses
import os
import pickle
import time
from pathlib import Path

import pytest

from buildamp.cache.store import DISABLE_ENV
from buildamp.cli import model_index
from buildamp.cli.generate import generate
from buildamp.cli.planning import plan, quick_plan
from buildamp.files.config import load_config
from tests.cli.test_incremental import MODEL, OTHER

PAST = time.time() - 100_000


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv(DISABLE_ENV, raising=False)
    # a short racy window: a stat is trusted 50 ms after it was made, not 2 s
    monkeypatch.setattr(model_index, "RACY_NS", 50_000_000)
    root = tmp_path / "project"
    (root / "models").mkdir(parents=True)
    (root / "buildamp.toml").write_text('models = ["models"]\n')
    (root / "models" / "people_domain.rs").write_text(MODEL)
    (root / "models" / "places_domain.rs").write_text(OTHER)
    for path in (root / "models").iterdir():
        os.utime(path, (PAST, PAST))
    assert generate(load_config(root)).written
    return root


def settle() -> None:
    time.sleep(0.1)  # past the (shortened) racy window


def test_a_settled_state_is_recognised_by_its_stat_unread(project: Path) -> None:
    config = load_config(project)
    settle()
    first = model_index.look(config, writing=False)
    assert first.changed == [] and first.state_bytes is not None  # read and hashed
    assert (project / model_index.STATE_DIGEST).is_file()
    second = model_index.look(config, writing=False)
    assert second.changed == [] and second.state_bytes is None  # the record vouched
    assert second.index.state_sha256 == first.index.state_sha256


def test_a_fresh_state_is_not_recorded(project: Path) -> None:
    """A stat younger than the racy window could hide a write in the same tick."""
    config = load_config(project)
    model_index.look(config, writing=False)
    assert not (project / model_index.STATE_DIGEST).exists()


def test_a_state_rewritten_with_its_old_size_and_mtime_is_hashed_again(project: Path) -> None:
    """Another branch's state of the same size, its mtime set back (``cp -p``,
    an archive): only ctime tells, and it does."""
    config = load_config(project)
    state = config.state_path
    os.utime(state, (PAST, PAST))
    settle()
    model_index.look(config, writing=False)
    assert model_index.look(config, writing=False).state_bytes is None  # recorded
    text = state.read_text()
    other = text.replace('"Happy"', '"Jolly"')
    assert len(other) == len(text) and other != text
    state.write_text(other)
    os.utime(state, (PAST, PAST))
    settle()
    said: list[str] = []
    planned = quick_plan(config, say=said.append)
    assert said and "no model index for this schema state" in said[0]
    assert [op.describe() for op in planned.operations] == [
        op.describe() for op in plan(config).operations
    ]
    assert planned.operations  # Jolly -> Happy: the models are ahead of this state


def test_a_corrupt_or_foreign_state_record_is_a_miss(project: Path) -> None:
    config = load_config(project)
    settle()
    model_index.look(config, writing=False)
    record = project / model_index.STATE_DIGEST
    lines = record.read_text().split("\n")
    for broken in (
        "garbage",
        "\n".join([*lines[:3], "0" * 64]),  # the right stat, another digest
        "\n".join(["buildamp-model-index-0", *lines[1:]]),
        b"\xff\xfe".decode("latin-1"),
    ):
        record.write_text(broken)
        said: list[str] = []
        assert quick_plan(config, say=said.append).operations == []
        if broken.endswith("0" * 64):  # no index for that digest: the full pipeline
            assert said and "no model index" in said[0]
        else:  # ignored: the state is hashed, its own index answers
            assert said == []


def test_a_corrupt_type_blob_is_a_full_rebuild(project: Path) -> None:
    """The index's types are read only when a file changed; unreadable, they
    are a miss (the full pipeline), never an error."""
    import dataclasses
    import pickle

    config = load_config(project)
    state = config.state_path.read_bytes()
    index = model_index.load_index(config, model_index.sha(state))
    assert index is not None
    model_index.save_index(config, dataclasses.replace(index, types=pickle.dumps({"x": 1})))
    (project / "models" / "people_domain.rs").write_text(
        MODEL.replace("pub mood", "pub age: Option<i64>,\n    pub mood")
    )
    said: list[str] = []
    planned = quick_plan(config, say=said.append)
    assert said == ["full rebuild: the model index is unreadable"]
    assert [op.describe() for op in planned.operations] == ["Field: persons.age - added"]


def test_a_full_rebuild_answer_keeps_no_frames(project: Path) -> None:
    """A :class:`model_index.FullRebuild` the caller keeps (``seen``) holds no
    traceback: raised again inside the planner it held the planner's frame, and
    with it every declaration and table of the plan (70 MB at 10,000 models)."""
    (project / ".buildamp" / "cache" / "index").mkdir(parents=True, exist_ok=True)
    for index in (project / ".buildamp" / "cache" / "index").iterdir():
        index.unlink()
    config = load_config(project)
    with pytest.raises(model_index.FullRebuild) as raised:
        model_index.look(config, writing=False)
    why = model_index.kept(raised.value)
    assert why.__traceback__ is None
    assert quick_plan(config, seen=why).operations == []
    assert why.__traceback__ is None  # not raised again: no frame of the plan on it


def test_a_state_indexed_by_the_full_pipeline_is_spliced_by_the_next_edit(
    project: Path,
) -> None:
    """A no-change plan on the full path indexes the state as buildamp's own text
    (compared with what dumps() writes, piece by piece): the next edit is planned
    and written through the fast path, not in full."""
    for index in (project / ".buildamp" / "cache" / "index").iterdir():
        index.unlink()
    config = load_config(project)
    said: list[str] = []
    assert quick_plan(config, say=said.append).operations == []
    assert said and "no model index" in said[0]
    settle()
    (project / "models" / "people_domain.rs").write_text(
        MODEL.replace("pub mood", "pub age: Option<i64>,\n    pub mood")
    )
    said = []
    assert generate(config, say=said.append).written
    assert said == []  # no "full rebuild: ..." line


def test_a_full_plan_with_nothing_to_generate_drops_its_declarations(project: Path) -> None:
    """A full ``--check`` in sync takes the index's facts, then drops the models'
    declarations (40 MB at 10,000 models) before it encodes the state to hash
    it; the index it writes is the one the declarations give."""
    folder = project / ".buildamp" / "cache" / "index"
    written = {p.name: p.read_bytes() for p in folder.iterdir()}
    for index in folder.iterdir():
        index.unlink()
    config = load_config(project)
    planned = quick_plan(config)
    assert planned.operations == [] and planned.sources == ()
    state = model_index.sha(config.state_path.read_bytes())
    again = model_index.load_index(config, state)
    assert again is not None and [p.name for p in folder.iterdir()] == list(written)
    first = pickle.loads(written[next(iter(written))])
    assert again == dataclasses.replace(first, written_ns=again.written_ns)
