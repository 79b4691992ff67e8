"""User SQL fragments are checked exactly as they will be written."""

from __future__ import annotations

import pytest

from buildamp.model.errors import ModelError
from buildamp.pg.sqltext import check_expression, check_select


@pytest.mark.parametrize("text", ["a*/\u2028", "1 +\u2028", "'x'\u00a0"])
def test_what_is_checked_is_what_is_returned(text: str) -> None:
    """Python's ``str.strip()`` also removes U+2028 and other Unicode spaces,
    which PostgreSQL reads as identifier characters: ``a*/<U+2028>`` passed the
    check and ``a*/`` was written, which does not parse (hypothesis found it in
    tests/sources/test_injection.py: an internal error at generate time)."""
    try:
        trimmed = check_expression(text, "default")
    except ModelError:
        return  # refused: fine
    assert check_expression(trimmed, "default") == trimmed
    assert trimmed == text.strip(" \t\n\r\f")


def test_sql_white_space_is_still_trimmed() -> None:
    assert check_expression("\n\t now() \r\n", "default") == "now()"
    assert check_select("  SELECT 1 ;\n", "validate") == "SELECT 1"
