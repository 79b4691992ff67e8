"""The ``elm_buildamp`` golden case's models in Python and Rust: its twins.

Kept apart from the test files so the Python twin test (every golden case has a
Python twin) and the three-language twin test share one copy.
"""

from __future__ import annotations

PYTHON_STEP_01 = """
class ItemStatus(enum.Enum):
    Draft = "Draft"
    Published = "Published"
    Archived = "Archived"


@domain
@dataclass
class Guest:
    id: DatabaseId[str]
    host: MultiTenant
    name: str
    picture: str
    session_id: Annotated[str, migration(unique=True)]
    created_at: CreateTimestamp
    deleted_at: SoftDelete


@domain(indexes=["created_at DESC"])
@dataclass
class MicroblogItem:
    id: DatabaseId[str]
    host: MultiTenant
    title: str
    link: Optional[Link[str]]
    image: Optional[Link[str]]
    extract: Optional[RichContent]
    owner_comment: RichContent
    tags: Annotated[list[str], migration(default="'[]'")]
    status: ItemStatus
    rating: float
    featured: bool
    created_at: CreateTimestamp
    updated_at: UpdateTimestamp
    view_count: Annotated[i32, migration(default="0")]
    deleted_at: SoftDelete


@domain
@dataclass
class ItemComment:
    id: DatabaseId[str]
    host: MultiTenant
    item_id: ForeignKey["MicroblogItem", str]
    guest_id: ForeignKey["Guest", str]
    parent_id: Optional[str]
    author_name: str
    text: RichContent
    removed: bool
    created_at: CreateTimestamp
    deleted_at: SoftDelete


@domain
@dataclass
class Tag:
    id: DatabaseId[str]
    host: MultiTenant
    name: Annotated[str, migration(unique=True)]
    created_at: CreateTimestamp


@domain(primary_key=["item_id", "tag_id"])
@dataclass
class ItemTag:
    host: MultiTenant
    item_id: ForeignKey["MicroblogItem", str]
    tag_id: ForeignKey["Tag", str]
    created_at: CreateTimestamp
"""

RUST_STEP_01 = """
pub enum ItemStatus { Draft, Published, Archived }

#[derive(BuildAmpDomain)]
pub struct Guest {
    pub id: DatabaseId<String>,
    pub host: MultiTenant,
    pub name: String,
    pub picture: String,
    #[migration(unique = true)]
    pub session_id: String,
    pub created_at: CreateTimestamp,
    pub deleted_at: SoftDelete,
}

#[derive(BuildAmpDomain)]
#[table(indexes = ["created_at DESC"])]
pub struct MicroblogItem {
    pub id: DatabaseId<String>,
    pub host: MultiTenant,
    pub title: String,
    pub link: Option<Link<String>>,
    pub image: Option<Link<String>>,
    pub extract: Option<RichContent>,
    pub owner_comment: RichContent,
    #[migration(default = "'[]'")]
    pub tags: Vec<String>,
    pub status: ItemStatus,
    pub rating: f64,
    pub featured: bool,
    pub created_at: CreateTimestamp,
    pub updated_at: UpdateTimestamp,
    #[migration(default = "0")]
    pub view_count: i32,
    pub deleted_at: SoftDelete,
}

#[derive(BuildAmpDomain)]
pub struct ItemComment {
    pub id: DatabaseId<String>,
    pub host: MultiTenant,
    pub item_id: ForeignKey<MicroblogItem, String>,
    pub guest_id: ForeignKey<Guest, String>,
    pub parent_id: Option<String>,
    pub author_name: String,
    pub text: RichContent,
    pub removed: bool,
    pub created_at: CreateTimestamp,
    pub deleted_at: SoftDelete,
}

#[derive(BuildAmpDomain)]
pub struct Tag {
    pub id: DatabaseId<String>,
    pub host: MultiTenant,
    #[migration(unique = true)]
    pub name: String,
    pub created_at: CreateTimestamp,
}

#[derive(BuildAmpDomain)]
#[table(primary_key = ["item_id", "tag_id"])]
pub struct ItemTag {
    pub host: MultiTenant,
    pub item_id: ForeignKey<MicroblogItem, String>,
    pub tag_id: ForeignKey<Tag, String>,
    pub created_at: CreateTimestamp,
}
"""

# Step 02: a rename, a new column with a default, a new index.
PYTHON_STEP_02 = (
    PYTHON_STEP_01.replace(
        "    name: str\n    picture",
        '    display_name: Annotated[str, migration(rename_from="name")]\n    picture',
    )
    .replace(
        "    title: str\n",
        "    title: str\n    summary: Annotated[str, migration(default=\"''\")]\n",
    )
    .replace("    author_name: str\n", "    author_name: Annotated[str, migration(index=True)]\n")
)
RUST_STEP_02 = (
    RUST_STEP_01.replace(
        "    pub name: String,\n    pub picture",
        '    #[migration(rename_from = "name")]\n    pub display_name: String,\n    pub picture',
    )
    .replace(
        "    pub title: String,\n",
        "    pub title: String,\n    #[migration(default = \"''\")]\n    pub summary: String,\n",
    )
    .replace(
        "    pub author_name: String,\n",
        "    #[migration(index = true)]\n    pub author_name: String,\n",
    )
)
assert PYTHON_STEP_02 != PYTHON_STEP_01 and RUST_STEP_02.count("rename_from") == 1

PYTHON_TWINS = {
    "elm_buildamp/steps/01": {"buildamp_models.py": PYTHON_STEP_01},
    "elm_buildamp/steps/02": {"buildamp_models.py": PYTHON_STEP_02},
}
RUST_TWINS = {"elm_buildamp/steps/01": RUST_STEP_01, "elm_buildamp/steps/02": RUST_STEP_02}
