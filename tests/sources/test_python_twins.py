"""Rust/Python twins: the same model written in both languages gives the same schema.

Every Rust golden case (``tests/golden/*/models``) has a Python twin here; extra
pairs cover the options and types the golden cases do not. A Hypothesis test then
renders random models in both languages and checks the readers agree.
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from buildamp.files.config import Config, load_config
from buildamp.model.errors import ModelError
from buildamp.model.hints import Hints
from buildamp.model.schema import Schema
from buildamp.sources.build import BuildSettings, Models, build_models
from buildamp.sources.decl import SourceFile
from buildamp.sources.discover import model_files
from buildamp.sources.elm import read_elm_file
from buildamp.sources.python import read_python_files
from buildamp.sources.rust import read_rust_file, read_rust_source
from tests.sources.elm_twin_models import PYTHON_TWINS as ELM_PYTHON_TWINS

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
HEADER = """\
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, NewType, Optional, TypeAlias
from uuid import UUID

from pydantic import BaseModel

from buildamp import domain, migration
from buildamp.types import *
"""

PYTHON_TWINS: dict[str, dict[str, str]] = {
    "relations_blog": {
        "blog.py": """
@domain
@dataclass
class Author:
    id: DatabaseId[Generated[str]]
    name: str

@domain
@dataclass
class Post:
    id: DatabaseId[Generated[str]]
    author_id: Annotated[ForeignKey[Author, str], migration(on_delete="cascade")]
    title: str

@domain
@dataclass
class Comment:
    id: DatabaseId[Generated[str]]
    post_id: Annotated[str, migration(references="posts", on_delete="cascade")]
    parent_id: Annotated[str | None, migration(references="comments", on_delete="set null")]
    author_id: Annotated[Optional[ForeignKey[Author, str]], migration(index=True)]
    body: str

@domain
@dataclass
class Tag:
    id: DatabaseId[Generated[str]]
    label: Annotated[str, migration(unique=True)]

@domain
@dataclass
class PostTag:
    post_id: Annotated[ForeignKey[Post, str], migration(on_delete="cascade")]
    tag_id: Annotated[ForeignKey[Tag, str], migration(on_delete="restrict")]
"""
    },
    "relations_cycle": {
        "teams.py": """
@domain
@dataclass
class Team:
    id: DatabaseId[str]
    name: str
    captain_id: Annotated[ForeignKey["Player", str] | None, migration(on_delete="set null")]

@domain
@dataclass
class Player:
    id: DatabaseId[str]
    team_id: Annotated[ForeignKey[Team, str], migration(on_delete="cascade")]
"""
    },
    "relations_global_lookup": {
        "lookup.py": """
@domain(tenant=False)
@dataclass
class Country:
    id: DatabaseId[AutoIncrement[i32]]
    code: Annotated[str, migration(unique="global")]
    name: str

@domain
@dataclass
class Customer:
    id: DatabaseId[str]
    country_code: Annotated[str, migration(references="countries.code", on_delete="restrict")]

@domain(tenant=False)
@dataclass
class AuditEntry:
    id: DatabaseId[AutoIncrement[int]]
    customer_id: Annotated[str, migration(references="Customer", on_delete="cascade")]
"""
    },
    "relations_join_table": {
        "items.py": """
@domain
@dataclass
class Item:
    id: DatabaseId[str]
    title: str

@domain
@dataclass
class Tag:
    id: DatabaseId[str]
    name: str

@domain
@dataclass
class ItemTag:
    item_id: Annotated[ForeignKey[Item, str], migration(on_delete="cascade")]
    tag_id: Annotated[ForeignKey[Tag, str], migration(on_delete="cascade")]

@dataclass  # no @domain: a value type, like the Rust struct without a mark
class Note:
    text: str
"""
    },
    "relations_self_reference": {
        "category.py": """
@domain
@dataclass
class Category:
    id: DatabaseId[AutoIncrement[int]]
    name: str
    parent_id: Annotated[int | None, migration(references="categories", on_delete="set null")]
"""
    },
    "custom_sql_validate": {
        "settings.py": """
@domain(
    custom_sql="custom/seed_settings.sql",
    validate="SELECT COUNT(*) FROM settings WHERE theme IS NULL",
)
@dataclass
class Setting:
    id: str
    theme: str
"""
    },
    "enums": {
        "accounts.py": """
class AccountStatus(enum.Enum):
    Active = enum.auto()
    Suspended = enum.auto()
    Deleted = enum.auto()

@dataclass
class Plan:  # Rust's data-carrying enum: JSONB either way
    kind: str
    seats: Optional[u32]

@domain
@dataclass
class Account:
    id: str
    status: AccountStatus
    previous_status: Annotated[AccountStatus, migration(default="'Active'")]
    plan: Plan
    maybe_status: AccountStatus | None

@domain
class AuditEntry(BaseModel):
    id: int
    status: AccountStatus
"""
    },
    "evolve_columns/steps/01": {
        "people.py": """
class PersonStatus(enum.Enum):
    Active = "Active"
    Suspended = "Suspended"

@domain(table="people")
@dataclass
class Person:
    id: str
    name: str
    email: str
    age: i32
    legacy: str
    status: PersonStatus
    city: Annotated[Optional[str], migration(index=True)]

@domain
@dataclass
class Tag:
    id: str
    name: str
"""
    },
    "evolve_columns/steps/02": {
        "people.py": """
class PersonStatus(enum.Enum):
    Active = "Active"
    Suspended = "Suspended"
    Deleted = "Deleted"

@domain(table="people")
@dataclass
class Person:
    id: str
    display_name: Annotated[str, migration(rename_from="name")]
    email: Annotated[str, migration(index=True)]
    age: int
    legacy: Annotated[str, migration("deprecated")]
    status: Annotated[PersonStatus, migration(enum_migration="add_values")]
    city: Annotated[Optional[str], migration(index=True)]
    nickname: Optional[str]
    score: Annotated[i32, migration(default="0")]

@domain
@dataclass
class Tag:
    id: str
    name: str
    normalized_name: Annotated[str, migration(backfill="LOWER(TRIM(name))", unique=True)]
"""
    },
    "evolve_columns/steps/03": {
        "people.py": """
class PersonStatus(enum.Enum):
    Active = "Active"
    Suspended = "Suspended"

@domain(table="people")
@dataclass
class Person:
    id: str
    display_name: Annotated[str, migration(rename_from="name")]
    email: str
    age: int
    status: PersonStatus
    city: Annotated[Optional[str], migration(default="'nowhere'")]
    nickname: Annotated[str, migration(default="''")]
    score: Annotated[
        str, migration(convert_from="INTEGER", convert_sql="CAST(%s AS TEXT)", default="'0'")
    ]

@domain(rename_from="tags")
@dataclass
class Label:
    id: str
    name: str
    normalized_name: Annotated[str, migration(backfill="LOWER(TRIM(name))", unique=True)]
"""
    },
    "evolve_columns/steps/04": {
        "people.py": """
class PersonStatus(enum.Enum):
    Active = "Active"
    Suspended = "Suspended"

@domain(table="people")
@dataclass
class Person:
    id: str
    display_name: str
    email: str
    age: int
    status: PersonStatus
    city: Annotated[Optional[str], migration(default="'nowhere'")]
    nickname: Annotated[str, migration(default="''")]
    score: Annotated[str, migration(default="'0'")]
"""
    },
    "evolve_jsonb/steps/01": {
        "notes.py": """
@domain(storage="jsonb")
class Note(BaseModel):
    id: str
    title: str
    body: str
    priority: str
"""
    },
    "evolve_jsonb/steps/02": {
        "notes.py": """
@domain(storage="jsonb")
class Note(BaseModel):
    id: str
    heading: Annotated[str, migration(rename_from="title", index=True, not_null=True)]
    body: str
    priority: str
    pinned: Annotated[bool, migration(default="false")]
"""
    },
    "evolve_jsonb/steps/03": {
        "notes.py": """
@domain(storage="jsonb")
class Note(BaseModel):
    id: str
    heading: Annotated[str, migration(rename_from="title", index=True, not_null=True)]
    body: str
    priority: Annotated[
        int, migration(convert_from="TEXT", convert_sql="CAST(%s AS BIGINT)", index=True)
    ]
    pinned: Annotated[bool, migration(default="false", unique=True)]
"""
    },
    "evolve_jsonb/steps/04": {
        "notes.py": """
@domain(storage="columns")
class Note(BaseModel):
    id: str
    heading: Annotated[str, migration(index=True)]
    body: str
    priority: Annotated[int, migration(index=True)]
    pinned: Annotated[bool, migration(default="false")]
"""
    },
    "evolve_jsonb/steps/05": {
        "notes.py": """
@domain(storage="jsonb")
class Note(BaseModel):
    id: str
    heading: Annotated[str, migration(index=True)]
    body: str
    priority: int
    pinned: bool
"""
    },
    "framework_types": {
        "framework.py": """
@dataclass
class Attachment:
    url: str
    size: u32

@domain
@dataclass
class Article:
    id: DatabaseId[Generated[str]]
    author_id: Link[str]
    body: RichContent
    summary: DefaultComment
    subtitle: DefaultEmpty
    label: DefaultValue[str]
    attachments: list[Attachment]
    meta: JsonBlob[Attachment]
    published_at: Timestamp

@domain()
class Counter(BaseModel):
    id: DatabaseId[AutoIncrement[int]]
    hits: i32
"""
    },
    "ignore_and_options": {
        "profiles.py": """
@domain
class Profile(BaseModel):
    "A user's public profile."

    id: str
    display_name: Annotated[str, migration(default="'anonymous'"), migration(index=True)]
    "Shown on the profile page."
    bio: Annotated[str, migration(not_null=False)]
    profile_image: Annotated[Optional[str], migration(default="NULL")] = None
    score: Annotated[i32, migration(default="0")] = 0
    cached_rank: Annotated[u32, migration("ignore")] = 0
    computed: Annotated[str, migration(ignore=True)] = ""
"""
    },
    "indexes": {
        "posts.py": """
@domain(indexes=["author_id, created_at DESC", "lower(title)", "published"])
@dataclass
class Post:
    id: str
    author_id: Annotated[str, migration(index=True)]
    title: str
    slug: Annotated[str, migration(unique=True)]
    external_ref: Annotated[str, migration(unique="global")]
    published: bool
    activity: Annotated[list[str], migration(composite_index=["author_id", "published"])]
"""
    },
    "jsonb_options": {
        "events.py": """
@domain(storage="jsonb", indexes=["kind, created_at DESC"])
class Event(BaseModel):
    id: str
    kind: Annotated[str, migration(index=True, not_null=True)]
    sequence: Annotated[int, migration(index=True)]
    dedupe_key: Annotated[str, migration(unique=True)]
    payload: Any
"""
    },
    "long_names": {
        "long.py": """
@domain(table="a_very_long_table_name_that_goes_on_and_on_for_a_while")
@dataclass
class LongOne:
    id: str
    an_extremely_long_column_name_to_overflow_the_limit: Annotated[str, migration(index=True)]
    an_extremely_long_column_name_to_overflow_the_limit2: Annotated[str, migration(index=True)]
    another_extremely_long_column_name_for_a_constraint: Annotated[
        str, migration(unique=True)
    ]
"""
    },
    "no_tenant_composite_pk": {
        "memberships.py": """
@domain(table="group_memberships", tenant=False, primary_key=["group_id", "user_id"])
@dataclass
class Membership:
    group_id: str
    user_id: str
    role: str
    created_at: int
    updated_at: int

@domain(tenant=False)
@dataclass
class Category:
    id: int
    name: Annotated[str, migration(unique=True)]
    updated_at: datetime
"""
    },
    "seed_columns": {
        "users.py": """
@domain(table="users", indexes=["email", "created_at DESC"])
@dataclass
class User:
    id: str
    email: Annotated[str, migration(default="''", not_null=True)]
    display_name: str
    created_at: Annotated[int, migration(index=True)]
    username: Annotated[str, migration(unique=True)]
    computed_field: Annotated[str, migration(ignore=True)]

@domain
@dataclass
class ItemComment:
    "A comment on an item."

    id: str
    text: str
    author_id: str
    upvotes: Annotated[i32, migration(default="0")]
"""
    },
    "seed_jsonb": {
        "users/users.py": """
@domain
@dataclass
class User:
    id: str
    email: str
    name: str
""",
        "comments/comments.py": """
@domain
@dataclass
class Comment:
    id: str
    text: str
    author_id: str
    created_at: int
""",
    },
    "tenant_rls/steps/01": {
        "documents.py": """
@domain
@dataclass
class Document:
    id: str
    title: str
    slug: Annotated[str, migration(unique=True)]
    "Unique per tenant: (host, slug)."
    external_ref: Annotated[str, migration(unique="global")]
    "Unique across tenants: (external_ref) alone."
    owner_id: Annotated[str, migration(index=True)]
    "Looked up per tenant: (host, owner_id)."
"""
    },
    "tenant_rls/steps/02": {
        "documents.py": """
@domain(tenant_isolation="rls")
@dataclass
class Document:
    id: str
    title: str
    slug: Annotated[str, migration(unique=True)]
    "Unique per tenant: (host, slug)."
    external_ref: Annotated[str, migration(unique="global")]
    "Unique across tenants: (external_ref) alone."
    owner_id: Annotated[str, migration(index=True)]
    "Looked up per tenant: (host, owner_id)."
"""
    },
    "tenant_rls/steps/03": {
        "documents.py": """
@domain(tenant_isolation="none")
@dataclass
class Document:
    id: str
    title: str
    slug: Annotated[str, migration(unique=True)]
    "Unique per tenant: (host, slug)."
    external_ref: Annotated[str, migration(unique="global")]
    "Unique across tenants: (external_ref) alone."
    owner_id: Annotated[str, migration(index=True)]
    "Looked up per tenant: (host, owner_id)."
"""
    },
    "types": {
        "aliases.py": """
UserId = NewType("UserId", str)
Money: TypeAlias = Decimal
When = datetime
""",
        "everything.py": """
from .aliases import Money, UserId, When

@dataclass
class Address:
    street: str
    city: str

@domain
@dataclass
class Everything:
    id: UserId
    a_string: str
    a_str: str
    tiny: i8
    small: i16
    byte: u8
    medium: i32
    medium_unsigned: u16
    big: int
    big_unsigned: u32
    huge: u64
    enormous: i128
    ratio: f32
    precise: float
    flag: bool
    blob: bytes
    tags: list[str]
    attributes: dict[str, str]
    ordered: dict[str, i64]
    raw: Any
    address: Address
    maybe_address: Optional[Address]
    at: datetime
    local: NaiveDateTime
    day: date
    uid: UUID
    price: Money
    when: When
    nickname: str | None
    maybe_count: Optional[i32]
    code: Annotated[str, migration(sql_type="varchar(40)")]
    login: Annotated[Optional[str], migration(sql_type="inet")]
""",
    },
}

# online_evolve: evolve_columns' models, plus a VARCHAR(50) column widened to TEXT
# and a column with a volatile default (step 04).
_ONLINE_03 = PYTHON_TWINS["evolve_columns/steps/03"]["people.py"].replace(
    "    email: str\n",
    '    email: str\n    code: Annotated[str, migration(sql_type="VARCHAR(50)", default="\'\'")]\n',
)
_ONLINE_04 = (
    _ONLINE_03.replace("VARCHAR(50)", "TEXT")
    .replace("    email: str\n", "    email: Annotated[str, migration(index=True)]\n")
    .replace(
        "    nickname: Annotated[str, migration(default=\"''\")]\n",
        "    nickname: Annotated[str, migration(default=\"''\")]\n"
        '    token: Annotated[str, migration(default="gen_random_uuid()::text")]\n',
    )
)
PYTHON_TWINS["online_evolve/steps/01"] = PYTHON_TWINS["evolve_columns/steps/01"]
PYTHON_TWINS["online_evolve/steps/02"] = PYTHON_TWINS["evolve_columns/steps/02"]
PYTHON_TWINS["online_evolve/steps/03"] = {"people.py": _ONLINE_03}
PYTHON_TWINS["online_evolve/steps/04"] = {"people.py": _ONLINE_04}
# online_jsonb: evolve_jsonb's models in the default (online) mode
for _step in ("01", "02", "03", "04", "05"):
    PYTHON_TWINS[f"online_jsonb/steps/{_step}"] = PYTHON_TWINS[f"evolve_jsonb/steps/{_step}"]

BLOG_RUST = """\
#[derive(BuildAmpDomain)]
#[table(storage = "jsonb", indexes = ["author_id, created_at DESC"])]
pub struct Comment { pub id: String, pub text: String, #[migration(index = true)] pub author_id: String, pub created_at: i64 }

#[derive(BuildAmpDomain)]
#[table(name = "users", indexes = ["created_at DESC"])]
pub struct User { pub id: String, #[migration(default = "''", not_null = true)] pub email: String, pub display_name: String, #[migration(unique = true)] pub username: String, pub status: UserStatus, #[migration(ignore)] pub computed_field: String }
pub enum UserStatus { Active, Suspended, Deleted }
"""

EXTRA_RUST = """\
pub enum OrderState { Open, Closed }
pub enum OrderKind { retail, wholesale }

#[derive(BuildAmpDomain)]
#[table(name = "orders", rename_from = "purchases", tenant_isolation = "rls")]
#[migration(confirm_destructive = true)]
pub struct Order {
    pub id: uuid::Uuid,
    #[migration(rename_from = "total_cents")]
    pub total: rust_decimal::Decimal,
    #[migration(deprecated = true)]
    pub legacy: Option<String>,
    #[migration(convert_from = "text", convert_sql = "%s::bigint")]
    pub quantity: i64,
    #[migration(enum_migration = "recreate")]
    pub state: OrderState,
    #[migration(backfill = "'x'", confirm_destructive = true)]
    pub note: String,
    pub labels: std::collections::HashSet<String>,
    pub pair: (String, i64),
    pub serial: u128,
    pub due: chrono::NaiveDate,
    pub kind: OrderKind,
    pub maybe_kind: Option<OrderState>,
    pub stamp: Option<chrono::DateTime<chrono::Utc>>,
    pub score: Option<f64>,
    pub nested: Vec<Vec<String>>,
    #[migration(not_null = true, default = "0")]
    pub counter: Option<i16>,
}
"""

EXTRA_PYTHON = """
class OrderState(str, enum.Enum):
    OPEN = "Open"
    CLOSED = "Closed"

@domain(table="orders", rename_from="purchases", tenant_isolation="rls", confirm_destructive=True)
@dataclass
class Order:
    id: UUID
    total: Annotated[Decimal, migration(rename_from="total_cents")]
    legacy: Annotated[str | None, migration(deprecated=True)]
    quantity: Annotated[int, migration(convert_from="text", convert_sql="%s::bigint")]
    state: Annotated[OrderState, migration(enum_migration="recreate")]
    note: Annotated[str, migration(backfill="'x'", confirm_destructive=True)]
    labels: set[str]
    pair: tuple[str, int]
    serial: u128
    due: date
    kind: Literal["retail", "wholesale"]
    maybe_kind: Optional[OrderState]
    stamp: datetime | None
    score: float | None
    nested: list[list[str]]
    counter: Annotated[Optional[i16], migration(not_null=True, default="0")]
"""


PYTHON_TWINS.update(ELM_PYTHON_TWINS)


def _clean(models: Models) -> tuple[Schema, Hints]:
    """Drop source locations: the two languages live in different files."""
    schema = Schema(
        tables=tuple(dataclasses.replace(t, source="") for t in models.schema.tables),
        enums=tuple(dataclasses.replace(e, source="") for e in models.schema.enums),
    )
    hints = Hints(
        {k: dataclasses.replace(v, location="") for k, v in models.hints.tables.items()},
        {k: dataclasses.replace(v, location="") for k, v in models.hints.columns.items()},
    )
    return schema, hints


def read_python(project: Path, files: dict[str, str], header: str = HEADER) -> list[SourceFile]:
    for name, body in files.items():
        path = project / "models" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(header + textwrap.dedent(body), encoding="utf-8")
    config = Config(project_dir=project)
    return read_python_files(model_files(config), config)


def _read_model_file(path: Path, display: str) -> SourceFile:
    """Golden models are Rust, or Elm for BuildAmp's own cases."""
    if path.suffix == ".elm":
        return read_elm_file(path, display)
    return read_rust_file(path, display)


def _golden_model_dirs() -> list[str]:
    """Each golden case's ``models/``, or each step's for multi-step cases."""
    found = []
    for case in sorted(p for p in GOLDEN.iterdir() if p.is_dir()):
        steps = case / "steps"
        roots = sorted(p for p in steps.iterdir() if p.is_dir()) if steps.is_dir() else [case]
        found += [root.relative_to(GOLDEN).as_posix() for root in roots]
    return found


@pytest.mark.parametrize("case", sorted(PYTHON_TWINS))
def test_golden_case_has_a_python_twin(case: str, tmp_path: Path) -> None:
    root = GOLDEN / case
    project = GOLDEN / case.split("/")[0]
    config = dataclasses.replace(load_config(project), project_dir=root)
    build = BuildSettings(project, default_storage=config.storage)  # type: ignore[arg-type]
    rust = [_read_model_file(p, config.display(p)) for p in model_files(config)]
    python = read_python(tmp_path, PYTHON_TWINS[case])
    expected = _clean(build_models(rust, build))
    assert expected[0].tables
    assert _clean(build_models(python, build)) == expected


def test_every_golden_case_is_twinned() -> None:
    assert _golden_model_dirs() == sorted(PYTHON_TWINS)


def test_blog_example_twin() -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "blog-python"
    config = load_config(example)
    from buildamp.sources.discover import read_sources

    build = BuildSettings(example)
    python = _clean(build_models(read_sources(config), build))
    rust = _clean(build_models([read_rust_source(BLOG_RUST, "models/blog.rs")], build))
    assert python == rust
    assert [t.name for t in python[0].tables] == ["comments", "users"]


def test_extra_options_and_types_twin(tmp_path: Path) -> None:
    build = BuildSettings(tmp_path)
    rust = _clean(build_models([read_rust_source(EXTRA_RUST, "models/orders.rs")], build))
    python = _clean(build_models(read_python(tmp_path, {"orders.py": EXTRA_PYTHON}), build))
    assert python == rust
    assert python[1].columns[("orders", "quantity")].convert_sql == "CAST(%s AS bigint)"
    assert {e.name for e in python[0].enums} == {"order_kind", "order_state"}


# -- property test: random models rendered in both languages ------------------

TYPES: list[tuple[str, str]] = [
    ("String", "str"),
    ("i64", "int"),
    ("f64", "float"),
    ("bool", "bool"),
    ("Vec<u8>", "bytes"),
    ("rust_decimal::Decimal", "Decimal"),
    ("uuid::Uuid", "UUID"),
    ("chrono::NaiveDate", "date"),
    ("chrono::DateTime<chrono::Utc>", "datetime"),
    ("chrono::NaiveDateTime", "NaiveDateTime"),
    *[(n, n) for n in ["i8", "i16", "i32", "u8", "u16", "u32", "u64", "i128", "u128", "f32"]],
    ("Vec<String>", "list[str]"),
    ("HashMap<String, i64>", "dict[str, int]"),
    ("serde_json::Value", "Any"),
    ("Timestamp", "Timestamp"),
    ("Generated<i64>", "Generated[int]"),
    ("Generated<String>", "Generated[str]"),
    ("DefaultValue<String>", "DefaultValue[str]"),
    ("DefaultComment", "DefaultComment"),
    ("DefaultEmpty", "DefaultEmpty"),
    ("JsonBlob<Vec<String>>", "JsonBlob[list[str]]"),
    ("Link<String>", "Link[str]"),
    ("RichContent", "RichContent"),
    ("Status", "Status"),
    ("Detail", "Detail"),
]
FIELD_VALUES: dict[str, list[object]] = {
    "default": ["''", "0", "'x'", "now()", "NULL"],
    "not_null": [True, False],
    "rename_from": ["old_a", "old_b"],
    "index": [True, False],
    "unique": [True, False, "global"],
    "ignore": [True, False],
    "deprecated": [True, False],
    "convert_from": ["text", "bigint"],
    "convert_sql": ["%s::text", "%s"],
    "enum_migration": ["add_values", "recreate"],
    "sql_type": ["TEXT", "BIGINT", "varchar(10)"],
    "confirm_destructive": [True, False],
    "backfill": ["'b'", "0"],
}
RUST_ENUM = "pub enum Status { Draft, Live }\npub struct Detail { pub note: String }\n"
PY_ENUM = """
class Status(enum.Enum):
    Draft = "Draft"
    Live = "Live"

@dataclass
class Detail:
    note: str
"""


@dataclasses.dataclass
class FieldSpec:
    name: str
    type: tuple[str, str]
    optional: bool
    options: list[tuple[str, object]]


def _rust_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_rust_value(v) for v in value) + "]"
    return json.dumps(value)


def _py_value(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_py_value(v) for v in value) + "]"
    return repr(value) if isinstance(value, bool) else json.dumps(value)


@st.composite
def models(draw: st.DrawFn) -> tuple[str, str]:
    names = ["id"] + draw(
        st.lists(st.from_regex(r"c_[a-z]{1,6}", fullmatch=True), max_size=5, unique=True)
    )
    fields = []
    for name in names:
        keys = draw(st.lists(st.sampled_from(sorted(FIELD_VALUES)), max_size=3, unique=True))
        options = [(k, draw(st.sampled_from(FIELD_VALUES[k]))) for k in keys]
        if draw(st.integers(0, 5)) == 0:
            options.append(
                ("composite_index", draw(st.lists(st.sampled_from(names), min_size=1, max_size=2)))
            )
        type_ = draw(st.sampled_from(TYPES[:3] if name == "id" else TYPES))
        fields.append(FieldSpec(name, type_, draw(st.booleans()), options))
    table: list[tuple[str, object]] = []
    order = st.sampled_from(["", " DESC"])
    entry = st.tuples(st.sampled_from(names), order).map("".join)
    choices: dict[str, st.SearchStrategy[object]] = {
        "table": st.sampled_from(["things", "stuff"]),
        "indexes": st.lists(entry, min_size=1, max_size=2),
        "storage": st.sampled_from(["columns", "jsonb"]),
        "tenant": st.booleans(),
        "rename_from": st.just("old_things"),
        "tenant_isolation": st.sampled_from(["none", "rls"]),
        "confirm_destructive": st.booleans(),
        "validate": st.just("SELECT 1"),
    }
    for key in draw(st.lists(st.sampled_from(sorted(choices)), max_size=3, unique=True)):
        table.append((key, draw(choices[key])))
    python = _render_python(fields, table, draw(st.booleans()))
    if draw(st.booleans()):  # eager annotations too, not only PEP 563 strings
        python = python.replace("from __future__ import annotations\n", "")
    return _render_rust(fields, table), python


def _render_rust(fields: list[FieldSpec], table: list[tuple[str, object]]) -> str:
    lines = [RUST_ENUM, "#[derive(BuildAmpDomain)]"]
    struct = [(k, v) for k, v in table if k in ("confirm_destructive", "validate")]
    table_opts = [("name" if k == "table" else k, v) for k, v in table if (k, v) not in struct]
    if table_opts:
        lines.append(f"#[table({', '.join(f'{k} = {_rust_value(v)}' for k, v in table_opts)})]")
    if struct:
        lines.append(f"#[migration({', '.join(f'{k} = {_rust_value(v)}' for k, v in struct)})]")
    lines.append("pub struct Thing {")
    for field in fields:
        if field.options:
            opts = ", ".join(f"{k} = {_rust_value(v)}" for k, v in field.options)
            lines.append(f"    #[migration({opts})]")
        rust_type = f"Option<{field.type[0]}>" if field.optional else field.type[0]
        lines.append(f"    pub {field.name}: {rust_type},")
    return "\n".join([*lines, "}", ""])


def _render_python(fields: list[FieldSpec], table: list[tuple[str, object]], pyd: bool) -> str:
    args = ", ".join(f"{k}={_py_value(v)}" for k, v in table)
    lines = [HEADER, PY_ENUM, f"@domain({args})"]
    lines += ["class Thing(BaseModel):"] if pyd else ["@dataclass", "class Thing:"]
    for field in fields:
        hint = f"Optional[{field.type[1]}]" if field.optional else field.type[1]
        if field.options:
            # split the options over two markers now and then: they merge, like Rust attributes
            half = len(field.options) // 2 if len(field.options) > 2 else len(field.options)
            groups = [field.options[:half], field.options[half:]]
            markers = ", ".join(
                "migration(" + ", ".join(f"{k}={_py_value(v)}" for k, v in group) + ")"
                for group in groups
                if group
            )
            hint = f"Annotated[{hint}, {markers}]"
        lines.append(f"    {field.name}: {hint}")
    return "\n".join(lines) + "\n"


def _outcome(build: BuildSettings, files: list[SourceFile]) -> object:
    try:
        return _clean(build_models(files, build))
    except ModelError as error:
        return error.message


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(models())
def test_random_models_read_the_same_in_both_languages(pair: tuple[str, str]) -> None:
    rust_text, python_text = pair
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        build = BuildSettings(project)
        rust = _outcome(build, [read_rust_source(rust_text, "models/thing.rs")])
        python = _outcome(build, read_python(project, {"thing.py": python_text}, header=""))
    assert python == rust, f"{rust_text}\n---\n{python_text}"
