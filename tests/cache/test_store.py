"""``write_all_or_none`` (cache/store.py): every file or none, whatever fails."""

from __future__ import annotations

import io
import os
import pickle
from collections.abc import Iterator
from pathlib import Path

import pytest

from buildamp.cache import store


def _files(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(folder.iterdir())}


def test_writes_every_file_and_leaves_nothing_else(tmp_path: Path) -> None:
    (tmp_path / "state.json").write_text("old state")
    store.write_all_or_none(
        {tmp_path / "up.sql": "up é", tmp_path / "state.json": "new state" * 1000}
    )
    assert _files(tmp_path) == {"state.json": "new state" * 1000, "up.sql": "up é"}


@pytest.mark.parametrize("links", [True, False])
def test_a_failed_rename_restores_every_earlier_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, links: bool
) -> None:
    """The second rename fails: the first file gets its old bytes back, the new
    one is removed, and no staged or kept copy stays behind (with hard links,
    and where the file system has none)."""
    (tmp_path / "a.json").write_text("old a")
    if not links:

        def no_link(*_: object) -> None:
            raise OSError("no hard links here")

        monkeypatch.setattr(os, "link", no_link)
    replace = os.replace

    def failing(source: str | Path, target: str | Path) -> None:
        if Path(target).name == "b.sql":
            raise OSError("disk full")
        replace(source, target)

    monkeypatch.setattr(os, "replace", failing)
    with pytest.raises(OSError, match="disk full"):
        store.write_all_or_none({tmp_path / "a.json": "new a", tmp_path / "b.sql": "b"})
    monkeypatch.setattr(os, "replace", replace)
    assert _files(tmp_path) == {"a.json": "old a"}


def test_text_is_written_in_pieces(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Long text is encoded a piece at a time (never a second copy of it as
    bytes), with the same bytes as encoding it whole."""
    monkeypatch.setattr(store, "_WRITE_PIECE", 7)
    text = "ascii, é, \u2028, 😀 " * 50
    store.write_all_or_none({tmp_path / "t.txt": text})
    assert (tmp_path / "t.txt").read_bytes() == text.encode("utf-8")


def test_text_in_pieces_is_written_and_hashed_as_made(tmp_path: Path) -> None:
    """A text given in pieces (the state of a generate) is written one piece
    after another, and :class:`store.Hashed` gives the SHA-256 of what was
    written, once it was all read, never before."""
    import hashlib

    made: list[str] = []

    def pieces() -> Iterator[str]:
        for piece in ("{\n", "  é: 1", "\n}\n"):
            made.append(piece)
            yield piece

    hashed = store.Hashed(pieces())
    with pytest.raises(RuntimeError):
        hashed.hexdigest()
    assert made == []  # nothing made before it is written
    store.write_all_or_none({tmp_path / "s.json": hashed})
    written = (tmp_path / "s.json").read_bytes()
    assert written == "{\n  é: 1\n}\n".encode()
    assert hashed.hexdigest() == hashlib.sha256(written).hexdigest()
    assert store.text_sha256(["{\n", "  é: 1", "\n}\n"]) == hashed.hexdigest()


@pytest.mark.parametrize("links", [True, False])
def test_a_copy_holds_the_bytes_from_before_the_renames(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, links: bool
) -> None:
    (tmp_path / "state.json").write_bytes(b"old state \xc3\xa9\r\n")
    if not links:

        def refuse(*args: object, **kwargs: object) -> None:
            raise OSError("no links here")

        monkeypatch.setattr(store.os, "link", refuse)
    kept = tmp_path / "before" / "1.json"
    kept.parent.mkdir()
    store.write_all_or_none(
        {tmp_path / "state.json": "new state", kept: store.CopyOf(tmp_path / "state.json")}
    )
    assert kept.read_bytes() == b"old state \xc3\xa9\r\n"
    assert (tmp_path / "state.json").read_text() == "new state"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["1.json", "before", "state.json"]


def test_pickles_one_after_another_load_each_and_stay_restricted() -> None:
    """Each pickle of a stream is read with a fresh unpickler (a pickler whose
    memo was cleared numbers it from zero again), and each refuses a class
    not allowed, however late in the stream."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    chunks = [{"a": ("x", "x")}, {"b": ("y", "y")}, {}]
    for chunk in chunks:
        pickler.dump(chunk)
        pickler.clear_memo()
    assert list(store.load_restricted_each(buffer.getvalue(), ())) == chunks
    pickler.dump(Path("planted"))
    with pytest.raises(pickle.UnpicklingError):
        list(store.load_restricted_each(buffer.getvalue(), ()))
