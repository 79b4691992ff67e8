"""Fuzz the Rust reader: broken input must give a located ModelError, never a crash,
and any string a user can write must reach the option value unchanged."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from buildamp.model.errors import ModelError
from buildamp.sources.decl import SourceFile
from buildamp.sources.rust import read_rust_source
from tests import fuzz_edits

PATH = "models/users/users_domain.rs"

VALID_SOURCES = [
    """\
#[derive(BuildAmpDomain)]
pub struct User {
    pub id: String,
    #[migration(default = "''", not_null = true)]
    pub email: String,  // Safe default for NOT NULL columns
    #[migration(rename_from = "old_name")]
    pub display_name: String,
    #[migration(index = true, unique = false)]
    pub created_at: i64,
    #[migration(ignore)]
    pub computed_field: Option<Vec<String>>,
}
""",
    """\
//! Comments.
use serde::{Deserialize, Serialize};

/// One comment.
#[derive(Debug, Clone, Serialize, buildamp::BuildAmpDomain)]
#[table(name = "item_comments", indexes = ["author_id, created_at DESC", "text"], tenant = true)]
#[migration(validate = r#"SELECT 1 FROM "x""#, confirm_destructive)]
pub struct Comment<'a> {
    /* the key */ pub id: DatabaseId<Comment<'a>>,
    #[serde(rename = "t")]
    #[migration(convert_from = "TEXT", convert_sql = "CAST(%s AS BIGINT)")]
    #[migration(composite_index = ["user_id", "created_at",], sql_type = "NUMERIC(10, 2)")]
    pub score: f64,
    pub when: chrono::DateTime<chrono::Utc>,
    pub tags: std::collections::HashMap<String, (i64, [u8; 4])>,
    pub body: &'a str,
}
""",
    """\
pub type UserId = String;
pub enum Status { Active, Banned = 5, Deleted }
enum Shape { Circle(f64), Square { side: f64 } }
pub mod nested {
    #[buildamp_domain]
    #[table(storage = "jsonb", n = -1, f = 1.5e3, h = 0x1F)]
    pub struct Note { id: i64, #[migration(default = "caf\\u{e9} \\"q\\" \\\\")] text: String }
}
struct Meters(f64);
impl Status { fn label(&self) -> &'static str { "x" } }
""",
]

TOKENS = [
    "#[",
    "#![",
    "]",
    "[",
    "=",
    '"',
    "'",
    "<",
    ">",
    ",",
    ";",
    "(",
    ")",
    "{",
    "}",
    "::",
    "-",
    "\\",
    'r#"',
    '"#',
    "/*",
    "*/",
    "//",
    "///",
    "\n",
    "migration(",
    "table(",
    "derive(",
    "BuildAmpDomain",
    "buildamp_domain",
    "pub ",
    "struct ",
    "enum ",
    "type ",
    "mod ",
    "fn",
    "impl ",
    "dyn ",
    "&'a ",
    "1e999",
    "0x",
    "\\u{D800}",
    "\\u{110000}",
    "\\x80",
    "é",
    "\x00",
    "\t",
    "\r",
    "\u2028",
    "\ufeff",
    "\U0001d518",
    "true",
    "r#type",
    " = [",
    "Option<",
    'b"',
]


def mutated_sources() -> st.SearchStrategy[bytes | str]:
    return fuzz_edits.mutated_sources(VALID_SOURCES, TOKENS, '=(,["<#:')


def _check(src: bytes | str) -> None:
    try:
        result = read_rust_source(src, PATH)
    except ModelError as err:
        assert err.location is not None and err.location.file == PATH
        lines = (src.decode("utf-8", "replace") if isinstance(src, bytes) else src).count("\n")
        assert 1 <= err.location.line <= lines + 1
        assert err.location.column >= 1
        assert f"{PATH}:{err.location.line}:" in str(err)
    else:
        assert isinstance(result, SourceFile)


@pytest.mark.parametrize("src", VALID_SOURCES)
def test_valid_sources_parse(src: str) -> None:
    assert read_rust_source(src, PATH).structs


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_sources())
def test_mutations_give_located_model_errors(src: bytes | str) -> None:
    _check(src)


GOOD_KEYS = ["key", "default", "type", "r#ref", "not_null"]
BAD_KEYS = ["1", '"k"', "true", "a::b", "$x", "", "-", "[x]"]
GOOD_VALUES = ['"s"', 'r#"raw"#', "true", "1", "-2", "- 3", "1.5", "0x1F", "7u8", '["a", "b",]']
BAD_VALUES = [
    "1e999",
    "0b",
    'b"x"',
    "'c'",
    "ident",
    "-",
    '-"x"',
    "(1, 2)",
    "{}",
    '"\\u{D800}"',
    "[,]",
    "[[1]]",
    '["a" "b"]',
    "[1 2]",
    "/* c */ 1",
    "1 2",
    "= 1",
    "1f32",
]
VALUE_BITS = ["-", "-", "1", "2.5", '"s"', "[", "]", ",", "true", "x"]
SEPARATORS = [",", ", /* c */", "// c\n,", ",,", ";", "=", ""]


@st.composite
def option_soup(draw: st.DrawFn) -> str:
    """Mostly well-formed ``key = value`` lists with a wrong piece here and there."""
    items = []
    value_bits = st.lists(st.sampled_from(VALUE_BITS), max_size=3).map(" ".join)
    for _ in range(draw(st.integers(0, 3))):
        item = draw(st.sampled_from(GOOD_KEYS) | st.sampled_from(BAD_KEYS))
        if draw(st.booleans()):
            value = st.one_of(
                st.sampled_from(GOOD_VALUES), st.sampled_from(BAD_VALUES), value_bits, value_bits
            )
            item += " = " + draw(value)
        items.append(item)
    separators = st.just(",") | st.sampled_from(SEPARATORS)
    text = "".join(item + draw(separators) + " " for item in items[:-1])
    return text + (items[-1] + draw(st.sampled_from(["", "", ","] + SEPARATORS)) if items else "")


@settings(max_examples=1500, deadline=None)
@given(option_soup(), st.sampled_from(["migration", "table", "buildamp::migration"]), st.booleans())
def test_option_soup(options: str, attr: str, on_field: bool) -> None:
    """Option lists are token trees, so nearly any balanced soup reaches our parser."""
    attribute = f"#[{attr}({options})]"
    if on_field:
        src = f"struct S {{\n    {attribute}\n    a: i32,\n}}\n"
    else:
        src = f"{attribute}\nstruct S {{ a: i32 }}\n"
    _check(src)


def _escape(text: str, as_unicode: list[bool]) -> str:
    """Rust escaping: either a named/minimal escape or ``\\u{...}`` per character."""
    out = []
    for char, unicode in zip(text, as_unicode, strict=False):
        if unicode:
            out.append(f"\\u{{{ord(char):x}}}")
        elif char in '\\"':
            out.append("\\" + char)
        elif char == "\r":
            out.append("\\r")
        else:
            out.append(char)
    return "".join(out)


@settings(max_examples=400, deadline=None)
@given(st.text(), st.lists(st.booleans(), min_size=64, max_size=64))
def test_hostile_string_values_round_trip(value: str, as_unicode: list[bool]) -> None:
    mask = (as_unicode * (len(value) // 64 + 1))[: len(value)]
    src = f'#[table(name = "{_escape(value, mask)}")]\nstruct S {{ a: i32 }}\n'
    (option,) = read_rust_source(src, PATH).structs[0].options
    assert (option.key, option.value) == ("name", value)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\r")), max_size=5
    )
)
def test_hostile_raw_string_lists_round_trip(values: list[str]) -> None:
    fences = ["#" * (max((v.count("#") for v in values), default=0) + 1) for _ in values]
    items = ", ".join(f'r{f}"{v}"{f}' for f, v in zip(fences, values, strict=True))
    src = f"struct S {{\n    #[migration(composite_index = [{items}])]\n    a: i32,\n}}\n"
    (option,) = read_rust_source(src, PATH).structs[0].fields[0].options
    assert option.value == tuple(values)
