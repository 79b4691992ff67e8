"""The plain-name reading of an ``indexes`` entry (no parser) answers exactly
what PostgreSQL's parser answers, or leaves the entry to the parser."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from pglast.keywords import (
    COL_NAME_KEYWORDS,
    RESERVED_KEYWORDS,
    TYPE_FUNC_NAME_KEYWORDS,
    UNRESERVED_KEYWORDS,
)

from buildamp.model.schema import IndexKey
from buildamp.pg.sqltext import parse_index_keys, parsed_index_keys, plain_index_keys

KEYWORDS = sorted(
    RESERVED_KEYWORDS | TYPE_FUNC_NAME_KEYWORDS | COL_NAME_KEYWORDS | UNRESERVED_KEYWORDS
)


def agrees(text: str) -> bool:
    """The plain reading is the parser's, or absent; returns whether it answered."""
    plain = plain_index_keys(text)
    assert plain is None or plain == parsed_index_keys(text), text
    return plain is not None


def test_the_usual_entries_need_no_parser() -> None:
    for text in ("qty", "author_id, created_at DESC", " a1 asc ,_b\tDesc\n", "x, x"):
        assert agrees(text), text
    assert plain_index_keys("author_id, created_at DESC") == (
        IndexKey("author_id", False, True),
        IndexKey("created_at", True, True),
    )
    assert parse_index_keys("created_at desc") == (IndexKey("created_at", True, True),)


def test_what_it_leaves_to_the_parser() -> None:
    for text in (
        "",
        "a,",
        "Qty",  # PostgreSQL folds it to qty
        "1a",
        "a b",
        "a DESC NULLS LAST",
        "lower(email)",
        "user",  # reserved: the parser refuses it
        "a" * 64,  # PostgreSQL cuts it to 63 bytes
        "qty\xa0desc",  # one name to PostgreSQL (bytes >= 0x80 are name characters)
        "qty\x1cdesc",  # blank to Python only
    ):
        assert not agrees(text), text


def test_every_keyword_as_a_column() -> None:
    answered = [w for w in KEYWORDS for text in (w, f"{w} DESC", f"a, {w}") if agrees(text)]
    assert "abort" in answered  # unreserved keywords are plain column names


NAMES = st.one_of(
    st.sampled_from(KEYWORDS),
    st.from_regex(r"[a-z_][a-z0-9_$]{0,3}", fullmatch=True),
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{58,66}", fullmatch=True),
    st.text(alphabet="aAsScCdDeE_09$é", min_size=1, max_size=5),
)
BLANKS = st.text(alphabet=" \t\n\r\x0b\x0c\x1c\xa0", max_size=2)
ORDERS = st.sampled_from(["", " ASC", " desc", " DeSc", "\tDESC", " NULLS FIRST", "DESC", " x"])


@st.composite
def entries(draw: st.DrawFn) -> str:
    parts = [
        draw(BLANKS) + draw(NAMES) + draw(ORDERS) + draw(BLANKS)
        for _ in range(draw(st.integers(1, 3)))
    ]
    return draw(st.sampled_from([",", ", ", " ,", ",,"])).join(parts)


@settings(max_examples=500, deadline=None)
@given(entries())
def test_plain_reading_equals_the_parser(text: str) -> None:
    agrees(text)
