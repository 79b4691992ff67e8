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

#[derive(BuildAmpDomain)]
pub struct Note {
    pub text: String,
}
