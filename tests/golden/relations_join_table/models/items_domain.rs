use buildamp::framework::*;

#[derive(BuildAmpDomain)]
pub struct Item {
    pub id: DatabaseId<String>,
    pub title: String,
}

#[derive(BuildAmpDomain)]
pub struct Tag {
    pub id: DatabaseId<String>,
    pub name: String,
}

#[derive(BuildAmpDomain)]
pub struct ItemTag {
    #[migration(on_delete = "cascade")]
    pub item_id: ForeignKey<Item, String>,
    #[migration(on_delete = "cascade")]
    pub tag_id: ForeignKey<Tag, String>,
}

// No mark: a pub struct in a *_domain.rs file without id is a value type
// (marked with BuildAmpDomain it would be an error: a table without a key).
pub struct Note {
    pub text: String,
}
