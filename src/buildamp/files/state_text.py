"""The state file as text, as :func:`buildamp.files.snapshot_write.dumps`
writes it: where each table's entry is (tables are sorted by name, so one is
found by bisecting the text, never by reading the others), and a new state
spliced from the old text with a few tables (and its head) replaced, the rest
copied as written."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

from buildamp.files.snapshot_json import Unusual, encode_string
from buildamp.files.snapshot_write import Snapshot, head_json, head_pieces, table_text
from buildamp.model.schema import Table

_OPENING = '\n  "tables": {'
ENTRY = '\n    "'  # a table's name: the only lines indented by four then a quote
_CLOSING = "\n  }"


@dataclass(frozen=True)
class StateText:
    """A state file's text written by :func:`dumps`, read one table at a time:
    tables are sorted by name, so a table is found by bisecting the text (a few
    short searches), never by reading the others."""

    text: str
    body: int  # just after the tables' opening brace
    end: int  # where the tables' closing line starts (== body: no tables)

    @property
    def head(self) -> str:
        """The file with ``"tables": {}``: version, enums, conversions (small)."""
        if self.end == self.body:
            return self.text
        return self.text[: self.body] + "}" + self.text[self.end + len(_CLOSING) :]

    def name_at(self, position: int) -> tuple[str, int]:
        """The table name whose entry starts at ``position``, and where its value starts."""
        name, after = _scanstring(self.text, position + len(ENTRY))
        if not self.text.startswith(": {", after):
            raise ValueError("not a table entry")
        return name, after + 2

    def seek(self, name: str) -> int:
        """Where the entry of ``name`` starts, or the first entry after it (or ``end``)."""
        text, low, high = self.text, self.body, self.end
        while low < high:
            middle = (low + high) // 2
            found = text.find(ENTRY, middle, self.end)
            if found < 0 or self.name_at(found)[0] >= name:
                high = middle
            else:
                low = found + 1
        found = text.find(ENTRY, low, self.end)
        return self.end if found < 0 else found

    def entry(self, name: str) -> tuple[int, int, int] | None:
        """(entry start, value start, value end) of table ``name``, if present."""
        start = self.seek(name)
        if start >= self.end:
            return None
        found, value = self.name_at(start)
        if found != name:
            return None
        following = self.text.find("," + ENTRY, value, self.end)
        return start, value, self.end if following < 0 else following

    def chunk(self, name: str) -> str | None:
        """The JSON text of table ``name`` exactly as written."""
        span = self.entry(name)
        return None if span is None else self.text[span[1] : span[2]]


def split_state(text: str) -> StateText | None:
    """The state file as a :class:`StateText`; None for any other shape (a
    hand-formatted file): the caller then reads it in full."""
    opening = text.find(_OPENING)  # the keys before "tables" hold no such line
    if opening < 0:
        return None
    body = opening + len(_OPENING)
    if text.startswith("}", body):
        return StateText(text, body, body)
    end = text.rfind(_CLOSING)  # only "version" follows the tables: one line
    if end < body or not text.startswith(ENTRY, body):
        return None
    state = StateText(text, body, end)
    try:
        state.name_at(body)
    except ValueError:
        return None
    return state


def _scanstring(text: str, position: int) -> tuple[str, int]:
    """The JSON string starting after the quote at ``position - 1``, and the index after it."""
    value, end = json.decoder.scanstring(text, position)  # type: ignore[attr-defined]
    return str(value), int(end)


def enums_text(state: StateText) -> str | None:
    """The value of the head's ``enums`` key exactly as written (None: no such
    key): a splice keeps it when no enum changed. Keys are the only lines at
    indent two (a JSON string holds no raw line break), so it ends where the
    next one starts."""
    text, key = state.text, '\n  "enums": '
    start = text.find(key, 0, state.body)
    if start < 0:
        return None
    start += len(key)
    end = text.find(',\n  "', start, state.body)
    return None if end < 0 else text[start:end]


def splice(
    state: StateText,
    head: Snapshot,
    tables: dict[str, Table | None],
    kept_enums: str | None = None,
) -> Iterator[str] | None:
    """The text :func:`dumps` writes for the state file ``state`` with ``head``'s
    version, enums and conversions and ``tables`` replaced (``None``: removed),
    encoding only those tables; the other tables' text is copied as written, a
    slice at a time as the pieces are read (the state of 10,000 tables is 35
    MB: never a second copy of it). None when something needs the slow encoder.
    ``kept_enums``: the enums are unchanged, this is their text
    (:func:`enums_text`), written instead of ``head``'s enums."""
    cuts: list[tuple[int, int, str, str | None]] = []  # (start, end, name, new JSON)
    try:
        for name, table in tables.items():
            new = None
            if table is not None:
                if type(table.name) is not str:
                    return None
                new = table_text(table)
            span = state.entry(name)
            if span is None:
                if new is not None:
                    at = state.seek(name)
                    cuts.append((at, at, name, new))
            else:
                cuts.append((span[0], span[2], name, new))
    except (Unusual, ValueError):
        return None
    parts = head_pieces(head_json(head), None if kept_enums is None else {"enums": kept_enums})
    if parts is None:
        return None
    cuts.sort()
    return _spliced(state, cuts, *parts)


_KEPT_PIECE = 1 << 20  # characters of the old text copied at a time


def _spliced(
    state: StateText,
    cuts: list[tuple[int, int, str, str | None]],
    before: list[str],
    after: list[str],
) -> Iterator[str]:
    """The pieces of :func:`splice`: the tables' entries, old (between the cuts,
    without their separating commas) and new, joined by commas."""
    yield from before
    text = state.text
    separator = "{"
    position = state.body
    for start, end, name, new in [*cuts, (state.end, state.end, "", None)]:
        low, high = position, start
        while low < high and text[low] == ",":
            low += 1
        while high > low and text[high - 1] == ",":
            high -= 1
        if low < high:
            yield separator
            separator = ","
            for at in range(low, high, _KEPT_PIECE):
                yield text[at : min(at + _KEPT_PIECE, high)]
        if new is not None:
            yield separator
            separator = ","
            yield ENTRY + encode_string(name)[1:] + ": " + new
        position = max(position, end)
    yield "{}" if separator == "{" else _CLOSING
    yield from after
