"""What the model index keeps of each model file for a fast plan: the types it
declares (the project's type context) and what the plan needs of its tables,
stored as pickles of a few hundred files each, so that a fast generate copies
the pickles of unchanged files as read and pickles only the changed ones."""

from __future__ import annotations

import io
import itertools
import pickle
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from buildamp.cache.store import load_restricted_spans
from buildamp.cli.model_index import FullRebuild, ModelIndex
from buildamp.model.errors import Location
from buildamp.sources import decl

Conversion = tuple[str, str, str]


@dataclass(frozen=True)
class TableRecord:
    """What a fast plan needs of a table it does not rebuild."""

    name: str
    enums: tuple[str, ...]  # enum declarations its columns use
    conversions: tuple[Conversion, ...]  # what the state records for it
    rls: bool
    touch: bool  # its updated_at trigger needs the schema's touch function


@dataclass(frozen=True)
class FileTypes:
    """What a fast plan needs of a file it does not rebuild: the types it
    declares (the project's type context) and the tables it builds."""

    aliases: tuple[decl.AliasDecl, ...]
    enums: tuple[decl.EnumDecl, ...]
    structs: tuple[str, ...]
    tables: tuple[TableRecord, ...]
    uses: frozenset[str]  # every type name its fields and aliases refer to

    def signature(self) -> tuple[object, ...]:
        """What other files' tables can depend on: the names and meaning of its types."""
        return signature(self.aliases, self.enums, self.structs)

    def declares(self) -> set[str]:
        return {a.name for a in self.aliases} | {e.name for e in self.enums} | set(self.structs)


def signature(
    aliases: tuple[decl.AliasDecl, ...], enums: tuple[decl.EnumDecl, ...], structs: tuple[str, ...]
) -> tuple[object, ...]:
    return (
        tuple(sorted((a.name, repr(a.target)) for a in aliases)),
        tuple(
            sorted(
                (
                    e.name,
                    e.variants,
                    e.unit_only,
                    e.renames,
                    repr([(o.key, o.value) for o in e.options]),  # enum_name
                )
                for e in enums
            )
        ),
        tuple(sorted(structs)),
    )


def types_of(source: decl.SourceFile, tables: tuple[TableRecord, ...]) -> FileTypes:
    """The :class:`FileTypes` of a file just read."""
    uses: set[str] = set()
    refs = [f.type for struct in source.structs for f in struct.fields]
    refs += [alias.target for alias in source.aliases]
    while refs:
        ref = refs.pop()
        uses.add(ref.name)
        if ref.args:
            refs += ref.args
    structs = tuple(s.name for s in source.structs)
    return FileTypes(source.aliases, source.enums, structs, tables, frozenset(uses))


# The keys of each pickle of the index's types, where it starts and ends.
Spans = tuple[tuple[tuple[str, ...], int, int], ...]


def file_types(index: ModelIndex) -> dict[str, FileTypes]:
    """Every file's :class:`FileTypes` (raises :class:`FullRebuild` when unreadable)."""
    return types_and_spans(index)[0]


def types_and_spans(index: ModelIndex) -> tuple[dict[str, FileTypes], Spans]:
    """:func:`file_types`, and the :data:`Spans` of its pickles."""
    allowed = (
        FileTypes,
        TableRecord,
        decl.AliasDecl,
        decl.EnumDecl,
        decl.OptionDecl,
        decl.TypeRef,
        Location,
    )
    found: dict[str, FileTypes] = {}
    spans: list[tuple[tuple[str, ...], int, int]] = []
    try:
        for chunk, start, end in load_restricted_spans(index.types, allowed):
            if not isinstance(chunk, dict):
                raise FullRebuild("the model index is unreadable")
            found.update(chunk)
            spans.append((tuple(chunk), start, end))
    except Exception:  # truncated, planted or from other code: a miss
        raise FullRebuild("the model index is unreadable") from None
    if list(found) != list(index.files):
        raise FullRebuild("the model index is unreadable")
    if not all(isinstance(t, FileTypes) for t in found.values()):
        raise FullRebuild("the model index is unreadable")
    return found, tuple(spans)


# Files per pickle of :func:`pack_types`: a pickler holds a memo entry for every
# object it wrote (17 MB at 10,000 files, at the models' peak); cleared after
# each chunk, it stays small, and each class is still named once per chunk.
_TYPES_CHUNK = 250


def pack_types(types: Iterable[tuple[str, FileTypes]]) -> bytes:
    """Each file's types as pickles of chunks of them, one after another (read
    by :func:`file_types`); taken from an iterator, only a chunk is alive at once."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    items = iter(types)
    while chunk := dict(itertools.islice(items, _TYPES_CHUNK)):
        pickler.dump(chunk)
        pickler.clear_memo()
    return buffer.getvalue()


def repack(
    old: bytes, spans: Spans, types: Mapping[str, FileTypes], rebuilt: frozenset[str]
) -> bytes:
    """The index's types after a fast plan: each pickle of ``old`` holding no
    rebuilt file copied as read, the others made again (all, when files were
    added or removed): a fast plan pickles a few files, not 10,000."""
    if [key for keys, _, _ in spans for key in keys] != list(types):
        return pack_types(types.items())
    return b"".join(
        old[start:end]
        if rebuilt.isdisjoint(keys)
        else pack_types((key, types[key]) for key in keys)
        for keys, start, end in spans
    )
