"""The checks on names a model gives (sources/validation.py)."""

from __future__ import annotations

import sys
import unicodedata

import pytest

from buildamp.model.errors import Location, ModelError
from buildamp.sources.validation import check_identifier, control_character


def test_control_characters_are_exactly_unicodes_cc_zl_zp() -> None:
    """The one-regex check finds exactly the characters of categories Cc, Zl and
    Zp, for every code point (a name with one could end a generated comment
    line, or truncate the file)."""
    expected = {
        chr(code)
        for code in range(sys.maxunicode + 1)
        if unicodedata.category(chr(code)) in ("Cc", "Zl", "Zp")
    }
    found = {chr(code) for code in range(sys.maxunicode + 1) if control_character(chr(code))}
    assert found == expected


@pytest.mark.parametrize("name", ["title\n", "a\x00b", "caf\u00e9\u2028", "x\x85"])
def test_a_name_with_a_control_character_is_refused_naming_it(name: str) -> None:
    char = control_character(name)
    assert char is not None
    with pytest.raises(ModelError, match=f"U\\+{ord(char):04X}"):
        check_identifier(name, "column name", Location("models/a.rs", 3, 5))


def test_the_first_control_character_is_named() -> None:
    assert control_character("ab\u2029c\x01") == "\u2029"
    assert control_character("plain_name") is None
