"""The model index's per-file types: packed in chunks as they are made, read
back whole and in order, and after a fast plan only the chunks holding a
rebuilt file pickled again."""

from __future__ import annotations

from collections.abc import Iterator

from buildamp.cli import model_index
from buildamp.cli.index_types import (
    _TYPES_CHUNK,
    FileTypes,
    file_types,
    pack_types,
    repack,
    types_and_spans,
)


def test_file_types_are_packed_chunk_by_chunk_from_an_iterator() -> None:
    """The full build's types are packed as they are made (only a chunk and its
    pickler's memo alive), and read back whole, in order, over several chunks."""
    count = 2 * _TYPES_CHUNK + 1
    types = {
        f"models/m{i}.rs": FileTypes((), (), (f"S{i}",), (), frozenset({"i64"}))
        for i in range(count)
    }
    made: list[str] = []

    def lazily() -> Iterator[tuple[str, FileTypes]]:
        for key, value in types.items():
            made.append(key)
            yield key, value

    packed = pack_types(lazily())
    assert made == list(types)
    record = model_index.FileRecord(0, 0, "", "", (), ())
    index = model_index.ModelIndex(
        "", 0, "", True, None, frozenset(), dict.fromkeys(types, record), packed
    )
    assert file_types(index) == types


def test_unchanged_chunks_of_the_index_types_are_copied_as_read() -> None:
    """A fast plan pickles again only the chunks holding a rebuilt file."""
    count = 2 * _TYPES_CHUNK + 1
    types = {
        f"models/m{i}.rs": FileTypes((), (), (f"S{i}",), (), frozenset({"i64"}))
        for i in range(count)
    }
    record = model_index.FileRecord(0, 0, "", "", (), ())
    packed = pack_types(types.items())
    index = model_index.ModelIndex(
        "", 0, "", True, None, frozenset(), dict.fromkeys(types, record), packed
    )
    _, spans = types_and_spans(index)
    assert len(spans) == 3
    changed = f"models/m{_TYPES_CHUNK + 3}.rs"
    new = {**types, changed: FileTypes((), (), ("Changed",), (), frozenset())}
    files = dict.fromkeys(types, record)
    repacked = repack(packed, spans, new, frozenset({changed}))
    (_, _, first_end), (_, second, second_end), (_, third, _) = spans
    assert repacked[:first_end] == packed[:first_end]
    assert repacked[-(len(packed) - third) :] == packed[third:]
    assert repacked[first_end : -(len(packed) - third)] != packed[second:second_end]
    after = model_index.ModelIndex("", 0, "", True, None, frozenset(), files, repacked)
    assert file_types(after) == new
    added = {**new, "models/zz.rs": FileTypes((), (), ("Z",), (), frozenset())}
    assert repack(packed, spans, added, frozenset()) == pack_types(added.items())
