"""cli/check_memo.py: a verified migration file is keyed by the SHA-256 of its
bytes; the shortcut through its buildamp.sum checksum gives the same key."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from buildamp.cli.check_memo import VerifiedFiles
from buildamp.files.migration import checksum

TEXTS = st.lists(st.sampled_from(["BEGIN;", "SELECT 1;", "\n", "\r\n", "\r", "é", "-- x"])).map(
    "".join
)


@given(TEXTS)
def test_the_checksum_shortcut_gives_the_same_key(text: str) -> None:
    assert VerifiedFiles.key(text, checksum(text)) == VerifiedFiles.key(text)


def test_a_carriage_return_is_hashed_as_written() -> None:
    """The sum normalises line endings; the verified key must not."""
    crlf = "BEGIN;\r\nSELECT 1;\r\nCOMMIT;\r\n"
    assert VerifiedFiles.key(crlf, checksum(crlf)) != VerifiedFiles.key(crlf.replace("\r", ""))
