use buildamp::framework::*;

#[derive(BuildAmpDomain)]
pub struct Author {
    pub id: DatabaseId<Generated<String>>,
    pub name: String,
}

#[derive(BuildAmpDomain)]
pub struct Post {
    pub id: DatabaseId<Generated<String>>,
    #[migration(on_delete = "cascade")]
    pub author_id: ForeignKey<Author, String>,
    pub title: String,
}

#[derive(BuildAmpDomain)]
pub struct Comment {
    pub id: DatabaseId<Generated<String>>,
    #[migration(references = "posts", on_delete = "cascade")]
    pub post_id: String,
    #[migration(references = "comments", on_delete = "set null")]
    pub parent_id: Option<String>,
    #[migration(index)]
    pub author_id: Option<ForeignKey<Author, String>>,
    pub body: String,
}

#[derive(BuildAmpDomain)]
pub struct Tag {
    pub id: DatabaseId<Generated<String>>,
    #[migration(unique)]
    pub label: String,
}

#[derive(BuildAmpDomain)]
pub struct PostTag {
    #[migration(on_delete = "cascade")]
    pub post_id: ForeignKey<Post, String>,
    #[migration(on_delete = "restrict")]
    pub tag_id: ForeignKey<Tag, String>,
}
