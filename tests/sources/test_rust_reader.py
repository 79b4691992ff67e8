"""Rust model reader: what the seed's models look like after parsing, and where errors point."""

from __future__ import annotations

import pathlib

import pytest

from buildamp.model.errors import Location, ModelError
from buildamp.sources.decl import OptionValue, SourceFile, StructDecl, TypeRef
from buildamp.sources.rust import read_rust_file, read_rust_source

T = TypeRef


def read(
    src: str | bytes, path: str = "models/m.rs", domain_file: bool | None = None
) -> SourceFile:
    return read_rust_source(src, path, domain_file)


def only_struct(src: str, path: str = "models/m.rs") -> StructDecl:
    (struct,) = read(src, path).structs
    return struct


def options(struct_or_field: object) -> list[tuple[str, OptionValue]]:
    return [(o.key, o.value) for o in struct_or_field.options]  # type: ignore[attr-defined]


def error_of(src: str | bytes, path: str = "models/m.rs") -> ModelError:
    with pytest.raises(ModelError) as info:
        read(src, path)
    return info.value


SEED_COMMENT = """\
// models/comments/comments_domain.rs
pub struct Comment {
    pub id: String,
    pub text: String,
    pub author_id: String,
    pub created_at: i64,
}
"""

SEED_USER = """\
#[derive(BuildAmpDomain)]
pub struct User {
    pub id: String,

    #[migration(default = "''", not_null = true)]
    pub email: String,  // Safe default for NOT NULL columns

    #[migration(rename_from = "old_name")]
    pub display_name: String,  // Column rename instead of drop/add

    #[migration(index = true)]
    pub created_at: i64,  // Auto-generate index

    #[migration(unique = true)]
    pub username: String,  // Unique constraint

    #[migration(ignore)]
    pub computed_field: String,  // Don't create DB column
}

#[derive(BuildAmpDomain)]
#[table(name = "users", indexes = ["email", "created_at DESC"])]
pub struct Account {
    pub id: String,
}
"""


def test_seed_comment_in_domain_file() -> None:
    struct = only_struct(SEED_COMMENT, "models/comments/comments_domain.rs")
    assert struct.name == "Comment"
    assert struct.is_domain
    assert struct.location == Location("models/comments/comments_domain.rs", 2, 12)
    assert [(f.name, f.type) for f in struct.fields] == [
        ("id", T("String")),
        ("text", T("String")),
        ("author_id", T("String")),
        ("created_at", T("i64")),
    ]
    assert all(f.options == () for f in struct.fields)


def test_seed_user_annotations() -> None:
    user, account = read(SEED_USER).structs
    assert user.is_domain and account.is_domain
    assert {f.name: options(f) for f in user.fields} == {
        "id": [],
        "email": [("default", "''"), ("not_null", True)],
        "display_name": [("rename_from", "old_name")],
        "created_at": [("index", True)],
        "username": [("unique", True)],
        "computed_field": [("ignore", True)],
    }
    assert options(account) == [("name", "users"), ("indexes", ("email", "created_at DESC"))]
    assert {o.attribute for o in account.options} == {"table"}
    assert account.options[1].location == Location("models/m.rs", 22, 25)


def test_field_and_option_locations() -> None:
    user = read(SEED_USER).structs[0]
    email = user.fields[1]
    assert email.location == Location("models/m.rs", 6, 9)
    assert [o.location for o in email.options] == [
        Location("models/m.rs", 5, 17),
        Location("models/m.rs", 5, 33),
    ]
    assert all(o.attribute == "migration" for o in email.options)


@pytest.mark.parametrize(
    ("src", "path", "domain"),
    [
        ("#[derive(BuildAmpDomain)]\nstruct S { id: i64 }", "m.rs", True),
        ("#[derive(Debug, Clone, BuildAmpDomain, Serialize)]\nstruct S { id: i64 }", "m.rs", True),
        ("#[derive(Debug, buildamp::BuildAmpDomain)]\nstruct S { id: i64 }", "m.rs", True),
        ("#[derive(::buildamp::BuildAmpDomain)]\nstruct S { id: i64 }", "m.rs", True),
        ("#[buildamp_domain]\nstruct S { id: i64 }", "m.rs", True),
        ("#[buildamp::buildamp_domain]\nstruct S { id: i64 }", "m.rs", True),
        ("#[derive(Debug, Serialize)]\npub struct S { id: i64 }", "m.rs", False),
        ("#[derive(other::BuildAmpDomain)]\npub struct S { id: i64 }", "m.rs", False),
        ("pub struct S { id: i64 }", "m.rs", False),
        ("pub struct S { id: i64 }", "a/users_domain.rs", True),
        ("pub(crate) struct S { id: i64 }", "a/users_domain.rs", True),
        ("struct S { id: i64 }", "a/users_domain.rs", False),
        (
            "#[derive(BuildAmpDomain)]\n/// doc\n// note\n/* block */\nstruct S { id: i64 }",
            "m.rs",
            True,
        ),
        ("#[derive(BuildAmpDomain)]\nfn f() {}\nstruct S { id: i64 }", "m.rs", False),
    ],
)
def test_domain_markers(src: str, path: str, domain: bool) -> None:
    assert only_struct(src, path).is_domain is domain


def test_domain_file_flag_overrides_path() -> None:
    src = "pub struct S { id: i64 }"
    assert read(src, "m.rs", domain_file=True).structs[0].is_domain
    assert not read(src, "x_domain.rs", domain_file=False).structs[0].is_domain


def test_several_structs_comments_and_serde() -> None:
    src = """\
//! crate docs
use serde::{Deserialize, Serialize};

/// A tag.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tag {
    /// the name
    #[serde(rename = "n")] // trailing
    #[migration(index = true /* why not */)]
    /* block */ pub name: String,
    #[doc = "count"]
    #[cfg(feature = "x")]
    pub count: i32, // comment
}

impl Tag { fn new() -> Self { todo!() } }
const X: i32 = 1;
macro_rules! m { () => {} }
fn helper() {}

pub struct Empty {}

struct Point<T> where T: Clone { x: T, y: T }
"""
    tag, empty, point = read(src).structs
    assert [(f.name, options(f)) for f in tag.fields] == [
        ("name", [("index", True)]),
        ("count", []),
    ]
    assert tag.options == ()
    assert empty.fields == ()
    assert [f.type for f in point.fields] == [T("T"), T("T")]


def test_raw_identifier_field_names() -> None:
    struct = only_struct("struct S { r#type: String, r#ref: i32 }")
    assert [f.name for f in struct.fields] == ["type", "ref"]


def test_migration_attributes_merge_in_order() -> None:
    src = """\
struct S {
    #[migration(index = true)]
    #[serde(default)]
    #[migration(default = "0", not_null)]
    #[buildamp::migration(rename_from = "old")]
    #[table(name = "ignored_on_fields")]
    score: i32,
}
"""
    (field,) = only_struct(src).fields
    assert options(field) == [
        ("index", True),
        ("default", "0"),
        ("not_null", True),
        ("rename_from", "old"),
    ]


def test_struct_level_table_and_migration_options() -> None:
    src = """\
#[derive(BuildAmpDomain)]
#[table(name = "users", indexes = ["email", "author_id, created_at DESC"], tenant = false)]
#[migration(custom_sql = "migrations/custom/normalize_user_data.sql")]
#[migration(validate = r"SELECT COUNT(*) FROM users WHERE email IS NULL", confirm_destructive)]
pub struct User {
    pub id: String,
    #[migration(composite_index = ["user_id", "created_at",])]
    pub user_activity_log: UserActivityLog,
}
"""
    struct = only_struct(src)
    assert [(o.attribute, o.key, o.value) for o in struct.options] == [
        ("table", "name", "users"),
        ("table", "indexes", ("email", "author_id, created_at DESC")),
        ("table", "tenant", False),
        ("migration", "custom_sql", "migrations/custom/normalize_user_data.sql"),
        ("migration", "validate", "SELECT COUNT(*) FROM users WHERE email IS NULL"),
        ("migration", "confirm_destructive", True),
    ]
    assert options(struct.fields[1]) == [("composite_index", ("user_id", "created_at"))]


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ('"plain"', "plain"),
        ('""', ""),
        (r'"q\"uote \\ back\nline\ttab\r\0"', 'q"uote \\ back\nline\ttab\r\0'),
        (r'"\x41\u{e9}\u{1F600}\'"', "Aé😀'"),
        ('"two\nlines"', "two\nlines"),
        ('"cont\\\n      inued"', "continued"),
        ('"ünïcödé ✓"', "ünïcödé ✓"),
        (r'r"C:\no\escapes"', r"C:\no\escapes"),
        ('r#"say "hi""#', 'say "hi"'),
        ('r##"a "# b"##', 'a "# b'),
        ('r""', ""),
        ("true", True),
        ("false", False),
        ("42", 42),
        ("-3", -3),
        ("- 3", -3),
        ("1_000", 1000),
        ("0x1F", 31),
        ("0b101", 5),
        ("0o17", 15),
        ("7u8", 7),
        ("1.5", 1.5),
        ("-0.25", -0.25),
        ("2.5e3", 2500.0),
        ("1f64", 1.0),
        ('["a", "b"]', ("a", "b")),
        ('["a", "b",]', ("a", "b")),
        ("[]", ()),
        ('[1, -2, true, "x", 1.5]', (1, -2, True, "x", 1.5)),
    ],
)
def test_option_values(written: str, value: OptionValue) -> None:
    src = f"#[migration(key = {written})]\nstruct S {{ a: i32 }}"
    (option,) = only_struct(src).options
    assert option.key == "key"
    assert option.value == value
    assert type(option.value) is type(value)


@pytest.mark.parametrize(
    ("inner", "values"),
    [
        ("", []),
        ("a", [("a", True)]),
        ("a,", [("a", True)]),
        ("a, b = 1,", [("a", True), ("b", 1)]),
        ('default = "x", type = "y", r#ref = 1', [("default", "x"), ("type", "y"), ("ref", 1)]),
        ("unknown_key_is_kept = 1", [("unknown_key_is_kept", 1)]),
    ],
)
def test_option_list_shapes(inner: str, values: list[tuple[str, OptionValue]]) -> None:
    assert options(only_struct(f"#[table({inner})] struct S {{}}")) == values


@pytest.mark.parametrize(
    ("attr", "column", "fragment"),
    [
        ("#[migration(key = some_ident)]", 19, "expected a value for `key`"),
        ("#[migration(key = (1, 2))]", 19, "expected a value for `key`"),
        ("#[migration(key = 'c')]", 19, "expected a value for `key`"),
        ('#[migration(key = b"x")]', 19, "expected a value for `key`"),
        ('#[migration(key = br"x")]', 19, "expected a value for `key`"),
        ('#[migration(key = -"x")]', 19, "expected a value for `key`"),
        ("#[migration(key = [[1]])]", 20, "expected a value for `key`"),
        ("#[migration(key = -)]", 19, "expected a value for `key`"),
        ("#[migration(key = [1, -])]", 23, "expected a value for `key`"),
        ("#[migration(key = )]", 17, "missing value for `key`"),
        ("#[migration(key =, b)]", 18, "expected a value for `key`"),
        ('#[migration(= "x")]', 13, "expected `key = value` in #[migration(...)]"),
        ('#[migration("x")]', 13, "expected `key = value` in #[migration(...)]"),
        ("#[migration(1 = 2)]", 13, "expected `key = value` in #[migration(...)]"),
        ('#[table(a = "x" "y")]', 17, "expected `,` after option `a` in #[table(...)]"),
        ("#[table(a b)]", 11, "expected `,` after option `a`"),
        ("#[table(a = [1 2])]", 16, "expected `,` between items of `a`"),
        ('#[table(a::b = "x")]', 10, "expected `,` after option `a`"),
        ('#[migration = "x"]', 3, "expected #[migration(key = value, ...)]"),
        ("#[table(a = 1e999)]", 13, "cannot read number `1e999`"),
        (r'#[table(a = "\u{D800}")]', 14, "invalid escape"),
    ],
)
def test_option_errors(attr: str, column: int, fragment: str) -> None:
    err = error_of(f"struct Ok {{}}\n{attr}\nstruct S {{ a: i32 }}")
    assert err.location == Location("models/m.rs", 2, column)
    assert fragment in err.message
    assert "values are strings" in str(err) or "number" in str(err) or "escape" in str(err)


def test_field_option_error_location() -> None:
    src = "struct S {\n    #[migration(index = yes)]\n    a: i32,\n}"
    assert error_of(src).location == Location("models/m.rs", 2, 25)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("String", T("String")),
        ("i64", T("i64")),
        ("bool", T("bool")),
        ("Option<String>", T("Option", (T("String"),))),
        ("Option<Option<i32>>", T("Option", (T("Option", (T("i32"),)),))),
        ("Vec<u8>", T("Vec", (T("u8"),))),
        ("Box<Comment>", T("Box", (T("Comment"),))),
        (
            "chrono::DateTime<chrono::Utc>",
            T("DateTime", (T("Utc", path="chrono::Utc"),), path="chrono::DateTime"),
        ),
        (
            "std::collections::HashMap<String, i64>",
            T("HashMap", (T("String"), T("i64")), path="std::collections::HashMap"),
        ),
        ("::uuid::Uuid", T("Uuid", path="uuid::Uuid")),
        ("crate::models::Tag", T("Tag", path="crate::models::Tag")),
        ("rust_decimal :: Decimal", T("Decimal", path="rust_decimal::Decimal")),
        ("&str", T("str")),
        ("&'a str", T("str")),
        ("&'static str", T("str")),
        ("&'a mut [u8]", T("[]", (T("u8"),))),
        ("[u8; 32]", T("[]", (T("u8"),))),
        ("[u8]", T("[]", (T("u8"),))),
        ("(String, i64)", T("()", (T("String"), T("i64")))),
        ("()", T("()")),
        ("Cow<'a, str>", T("Cow", (T("str"),))),
        ("ArrayVec<u8, 16>", T("ArrayVec", (T("u8"),))),
        ("Foo<{ N }>", T("Foo")),
        ("DatabaseId<Comment>", T("DatabaseId", (T("Comment"),))),
    ],
)
def test_types(written: str, expected: TypeRef) -> None:
    struct = only_struct(f"struct S<'a> {{ field: {written} }}")
    assert struct.fields[0].type == expected


@pytest.mark.parametrize(
    "written",
    [
        "fn(i32) -> i32",
        "Box<dyn Fn()>",
        "dyn Display",
        "*const u8",
        "<T as Trait>::Out",
        "Vec<impl Display>",
        "Iterator<Item = u8>",
        "m!()",
    ],
)
def test_unsupported_types(written: str) -> None:
    err = error_of(f"struct S {{\n    good: i32,\n    bad: {written},\n}}")
    assert err.message.startswith("unsupported type `")
    assert "in field bad" in err.message
    assert err.location is not None and err.location.line == 3


def test_enums() -> None:
    src = """\
#[derive(Debug)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// active
    #[serde(rename = "on")]
    Active,
    Banned = 5,
    Deleted,
}
enum Shape { Circle(f64), Square { side: f64 }, Dot }
enum Never {}
"""
    status, shape, never = read(src).enums
    assert (status.name, status.variants, status.unit_only) == (
        "Status",
        ("Active", "Banned", "Deleted"),
        True,
    )
    assert status.location == Location("models/m.rs", 3, 10)
    assert (shape.variants, shape.unit_only) == (("Circle", "Square", "Dot"), False)
    assert (never.variants, never.unit_only) == ((), True)


def test_aliases() -> None:
    src = "pub type UserId = String;\ntype Tags = Vec<chrono::NaiveDate>;\n"
    user_id, tags = read(src).aliases
    assert (user_id.name, user_id.target, user_id.location) == (
        "UserId",
        T("String"),
        Location("models/m.rs", 1, 10),
    )
    assert tags.target == T("Vec", (T("NaiveDate", path="chrono::NaiveDate"),))


def test_generic_alias_is_rejected() -> None:
    err = error_of("type Pair<T> = (T, T);")
    assert "generic type alias Pair is not supported" in err.message
    assert err.location == Location("models/m.rs", 1, 10)


def test_unsupported_alias_type() -> None:
    assert "in type alias F" in error_of("type F = fn();").message


def test_tuple_and_unit_structs() -> None:
    src = "struct Meters(f64);\npub struct Marker;\nstruct Real { a: i32 }"
    assert [s.name for s in read(src).structs] == ["Real"]
    err = error_of("#[derive(BuildAmpDomain)]\npub struct Meters(f64);")
    assert err.message == "tuple struct Meters cannot be a domain model; use named fields"
    assert err.location == Location("models/m.rs", 2, 12)
    err = error_of("pub struct Marker;", "x_domain.rs")
    assert "unit struct Marker cannot be a domain model" in err.message


def test_inline_modules() -> None:
    src = """\
pub struct Outer { a: i32 }
pub mod inner {
    #[derive(BuildAmpDomain)]
    pub struct Inner { id: i64 }
    mod deeper { pub enum E { A } pub type X = i32; }
}
mod external;
#[cfg(test)]
mod tests { struct Fixture { a: i32 } }
"""
    parsed = read(src)
    assert [(s.name, s.is_domain) for s in parsed.structs] == [("Outer", False), ("Inner", True)]
    assert [e.name for e in parsed.enums] == ["E"]
    assert [a.name for a in parsed.aliases] == ["X"]


@pytest.mark.parametrize(
    ("src", "line", "column", "fragment"),
    [
        ("struct S {\n    a: i32\n    b: i32,\n}", 3, 5, "Rust syntax error"),
        ("struct S { a: i32", 1, 18, "missing `}`"),
        ("pub struct User {\n    pub id: String,\n}\nfn f() { let = ; }\n", 4, 10, "near `let =`"),
        ('#[table(name = "x"\nstruct S {}', 1, 1, 'near `#[table(name = "x"`'),
        ("struct S { a: Vec<i32 }", 1, 22, "Rust syntax error"),
        ("/* é */ struct S { a: i32, @ }", 1, 28, "near `@`"),
    ],
)
def test_syntax_error_locations(src: str, line: int, column: int, fragment: str) -> None:
    err = error_of(src)
    assert err.location == Location("models/m.rs", line, column)
    assert fragment in err.message
    assert "fix the Rust syntax" in str(err)


def test_non_utf8() -> None:
    err = error_of(b"struct S {\n    a: i32, // caf\xe9\n}")
    assert err.location == Location("models/m.rs", 2, 19)
    assert "not valid UTF-8" in err.message
    err = error_of("struct S { a: i32 } // \ud800")
    assert err.location == Location("models/m.rs", 1, 24)


def test_str_bytes_and_bom_agree() -> None:
    src = "struct S { a: i32 }"
    assert read(src) == read(src.encode()) == read(b"\xef\xbb\xbf" + src.encode())


def test_read_rust_file(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "users_domain.rs"
    path.write_text("pub struct User { id: String }\nstruct Private { a: i32 }\n")
    parsed = read_rust_file(path, "models/users_domain.rs")
    assert parsed.path == "models/users_domain.rs"
    assert [(s.name, s.is_domain) for s in parsed.structs] == [("User", True), ("Private", False)]
    assert parsed.structs[0].location.file == "models/users_domain.rs"
    plain = tmp_path / "users.rs"
    plain.write_text("pub struct User { id: String }\n")
    assert not read_rust_file(plain, "models/users.rs").structs[0].is_domain
    with pytest.raises(ModelError, match="cannot read"):
        read_rust_file(tmp_path / "missing.rs", "models/missing.rs")


def test_repeated_names_and_values_are_one_string_each() -> None:
    """Variant names, attribute names, option keys and string option values
    that every model repeats are one string each, however many files hold them
    (at 10,000 models their copies were megabytes of the reading's peak)."""
    src = (
        "pub enum Status { Draft, Live }\n"
        '#[table(indexes = ["a, b DESC"])]\n'
        "pub struct Item {\n    pub id: String,\n"
        "    #[migration(index = true)]\n    pub a: String,\n    pub b: i64,\n}\n"
    )
    one, two = read(src, "models/a_domain.rs"), read(src, "models/b_domain.rs")
    assert all(x is y for x, y in zip(one.enums[0].variants, two.enums[0].variants, strict=True))
    first, second = one.structs[0], two.structs[0]
    for x, y in (
        (first.options[0], second.options[0]),
        (first.fields[1].options[0], second.fields[1].options[0]),
    ):
        assert x.key is y.key and x.attribute is y.attribute
    assert isinstance(first.options[0].value, tuple)
    assert first.options[0].value[0] is second.options[0].value[0]  # type: ignore[index]
