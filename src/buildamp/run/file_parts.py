"""A migration file split into what runs before, inside and after its
transaction, with each step's directives (batch, when-type)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from buildamp.files.directives import (
    BatchSpec,
    WhenType,
    is_no_transaction,
    parse_batch,
    parse_when_type,
)
from buildamp.files.integrity import split_statements

if TYPE_CHECKING:
    pass


@dataclass(frozen=True)
class Parts:
    """A file split into statements inside and after its transaction.
    ``batches`` maps an index of ``after_commit`` to its batch marker."""

    transactional: list[str]
    after_commit: list[str]
    before_begin: list[str]
    batches: dict[int, BatchSpec] = field(default_factory=dict)
    # ``when-type`` guards by index, for each of the three lists above
    guards: dict[str, dict[int, WhenType]] = field(default_factory=dict)

    def guard(self, part: str, index: int) -> WhenType | None:
        return self.guards.get(part, {}).get(index)


def split_file(text: str, where: str) -> Parts:
    """Statements by PostgreSQL's own parser (DO bodies stay whole), checked by
    :func:`split_statements` first: a file that does not split into exactly the
    parts we expect is refused before anything runs. What stands before
    ``BEGIN;`` or after ``COMMIT;`` runs outside the transaction; BEGIN/COMMIT
    themselves are ours to issue. A file without BEGIN runs as one
    transaction, unless ``-- buildamp:no-transaction`` precedes its statements:
    then they run one by one, like the steps after a COMMIT (resumable)."""
    buckets: dict[str, list[str]] = {"before": [], "inside": [], "after": []}
    batches: dict[str, dict[int, BatchSpec]] = {"before": {}, "inside": {}, "after": {}}
    guards: dict[str, dict[int, WhenType]] = {"before": {}, "inside": {}, "after": {}}
    outside = False  # a no-transaction directive before the first statement
    phase = "before"
    seen_begin = False
    previous_end = 0
    for piece in split_statements(text, where):
        statement = text[piece.start : piece.stop]
        comments = text[previous_end : piece.start]
        previous_end = piece.stop
        if piece.kind == "begin":
            phase, seen_begin = "inside", True
            continue
        if piece.kind == "commit":
            phase = "after"
            continue
        if not buckets["before"] and not seen_begin:
            outside = is_no_transaction(comments)
        spec = parse_batch(comments)
        if spec is not None:
            batches[phase][len(buckets[phase])] = spec
        guard = parse_when_type(comments)
        if guard is not None:
            guards[phase][len(buckets[phase])] = guard
        buckets[phase].append(statement)
    if not seen_begin:
        if outside:
            return Parts([], buckets["before"], [], batches["before"], {"after": guards["before"]})
        return Parts(buckets["before"], [], [], guards={"inside": guards["before"]})
    return Parts(buckets["inside"], buckets["after"], buckets["before"], batches["after"], guards)
