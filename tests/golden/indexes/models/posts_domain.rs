#[derive(BuildAmpDomain)]
#[table(indexes = ["author_id, created_at DESC", "lower(title)", "published"])]
pub struct Post {
    pub id: String,
    #[migration(index = true)]
    pub author_id: String,
    pub title: String,
    #[migration(unique = true)]
    pub slug: String,
    #[migration(unique = "global")]
    pub external_ref: String,
    pub published: bool,
    #[migration(composite_index = ["author_id", "published"])]
    pub activity: Vec<String>,
}
